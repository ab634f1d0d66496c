// Objects written like the kernel's BPF selftests (bpf_progs/compat/, issue 23), parsed:
// functions are STT_FUNC symbols where the object types them, so inline-assembly labels
// are neither programs nor functions; SEC("?...") and the section names of libbpf 1.8.
#include <linux/bpf.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/spec.hpp"
#include "compat_objects.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

ObjectSpec parse_compat(const std::string& path) {
  Result<ObjectSpec> spec = parse_object_file(path);
  EXPECT_TRUE(spec.ok()) << path << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(*spec) : ObjectSpec{};
}

std::set<std::string> program_names(const ObjectSpec& spec) {
  std::set<std::string> names;
  for (const ProgramSpec& program : spec.programs) names.insert(program.name);
  return names;
}

TEST(CompatAsmLabels, LabelsAreNeitherProgramsNorFunctions) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("asm_labels")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    EXPECT_EQ(program_names(spec), (std::set<std::string>{"label_on_first_insn", "labels_in_a_loop", "c_program"}));
    for (const FunctionSpec& function : spec.functions) {
      EXPECT_FALSE(function.name.starts_with("l0_") || function.name.starts_with("l1_") ||
                   function.name.starts_with("l2_") || function.name.starts_with("LBB"))
          << "a label became a function: " << function.name;
    }
    // The naked programs are whole: 6 and 9 instructions, not cut at their labels.
    for (const ProgramSpec& program : spec.programs) {
      const size_t insns = spec.functions[program.function].insns.size();
      if (program.name == "label_on_first_insn") {
        EXPECT_EQ(insns, 6u);
      } else if (program.name == "labels_in_a_loop") {
        EXPECT_EQ(insns, 9u);
      }
    }
  }
}

TEST(CompatOptionalSections, QuestionMarkProgramsAreTypedButNotAutoloaded) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("optional_sections")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    ASSERT_EQ(spec.programs.size(), 3u);
    for (const ProgramSpec& program : spec.programs) {
      SCOPED_TRACE(program.name);
      EXPECT_EQ(program.autoload, program.name == "always_loaded");
      EXPECT_EQ(program.type, program.name == "loaded_on_request" ? uint32_t{BPF_PROG_TYPE_SCHED_CLS}
                                                                  : uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
    }
  }
}

TEST(CompatNewSections, TypesAndAttachTypesFollowLibbpf18) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  struct Expected {
    const char* name;
    uint32_t type;
    uint32_t attach;
    uint32_t flags;
  };
  const Expected expected[] = {
      {"tc_ingress", BPF_PROG_TYPE_SCHED_CLS, 46, 0},       {"tc_egress", BPF_PROG_TYPE_SCHED_CLS, 47, 0},
      {"tcx_ingress", BPF_PROG_TYPE_SCHED_CLS, 46, 0},      {"tcx_egress", BPF_PROG_TYPE_SCHED_CLS, 47, 0},
      {"netfilter_accept", 32, 45, 0},                      {"uprobe_multi", BPF_PROG_TYPE_KPROBE, 48, 0},
      {"uretprobe_multi", BPF_PROG_TYPE_KPROBE, 48, 0},     {"uprobe_multi_sleepable", BPF_PROG_TYPE_KPROBE, 48, BPF_F_SLEEPABLE},
      {"kprobe_session", BPF_PROG_TYPE_KPROBE, 56, 0},      {"uprobe_session", BPF_PROG_TYPE_KPROBE, 57, 0},
      {"connect_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 49, 0}, {"sendmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 50, 0},
      {"recvmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 51, 0}, {"getpeername_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 52, 0},
      {"getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 53, 0}, {"netkit_primary", BPF_PROG_TYPE_SCHED_CLS, 54, 0},
  };
  for (const std::string& path : compat_object_builds("new_sections")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    ASSERT_EQ(spec.programs.size(), std::size(expected));
    for (const Expected& row : expected) {
      SCOPED_TRACE(row.name);
      const auto index = spec.find_program(row.name);
      ASSERT_TRUE(index.has_value());
      EXPECT_EQ(spec.programs[*index].type, row.type);
      EXPECT_EQ(spec.programs[*index].expected_attach_type, row.attach);
      EXPECT_EQ(spec.programs[*index].prog_flags, row.flags);
    }
  }
}

TEST(CompatExceptionCallback, TheDeclTagNamesTheCallbackOfTheProgram) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("exception_callback")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    ASSERT_EQ(spec.programs.size(), 1u);
    const FunctionSpec& entry = spec.functions[spec.programs[0].function];
    ASSERT_TRUE(entry.exception_callback.has_value());
    EXPECT_EQ(spec.functions[*entry.exception_callback].name, "throw_handler");
    // Laid out with the program although nothing calls it.
    const std::vector<uint32_t> called = called_functions(spec, spec.programs[0].function);
    EXPECT_NE(std::find(called.begin(), called.end(), *entry.exception_callback), called.end());
  }
}

TEST(CompatDataSections, NamedBssSectionsAreGlobalDataAndA16MiBBssParses) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("data_and_maps")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    std::map<std::string, uint64_t> sizes;
    for (const DataSectionSpec& data : spec.data_sections) sizes[data.name] = data.size();
    EXPECT_EQ(sizes[".bss.counters"], 40u);
    EXPECT_EQ(sizes[".bss.flags"], 4u);
    EXPECT_EQ(sizes[".bss"], 16u * 1024 * 1024 + 124);
    const auto bloom = spec.find_map("bloom");
    ASSERT_TRUE(bloom.has_value());
    EXPECT_EQ(spec.maps[*bloom].map_extra, 3u);
    // As written in the object; the loader rounds ring buffers for the kernel.
    EXPECT_EQ(spec.maps[*spec.find_map("odd_ring")].max_entries, 3u * 4096);
  }
}

const MapSpec* map_named(const ObjectSpec& spec, const std::string& name) {
  const auto index = spec.find_map(name);
  return index ? &spec.maps[*index] : nullptr;
}

TEST(LegacyCompat, TwentyEightByteDefinitionsOfATcObjectAreIproute2s) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("legacy_iproute2_28.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const MapSpec* jmp = map_named(*spec, "jmp_early");
  ASSERT_NE(jmp, nullptr);
  EXPECT_EQ(jmp->layout, MapLayout::Iproute2);
  EXPECT_EQ(jmp->definition_size, 28u);
  EXPECT_EQ(jmp->iproute2_id, 42u);
  EXPECT_EQ(jmp->pinning, Pinning::GlobalNs);
  EXPECT_FALSE(jmp->numa_node.has_value());
  EXPECT_EQ(jmp->iproute2_inner_id, 0u);
  EXPECT_NE(jmp->layout_reason.find("iproute2"), std::string::npos) << jmp->layout_reason;
  // "42/0" fills slot 0 of the map whose id is 42.
  ASSERT_EQ(jmp->initial_slots.size(), 1u);
  EXPECT_EQ(jmp->initial_slots[0].target, "cls_early_tail");
  // Asked for, the samples reading is what it was: inner_map_idx 42 on a prog array.
  ParseOptions samples;
  samples.legacy_layout = MapLayout::Samples;
  Result<ObjectSpec> as_samples = parse_object_file(bpf_object("legacy_iproute2_28.o"), samples);
  ASSERT_FALSE(as_samples.ok());
  EXPECT_NE(as_samples.error().message.find("inner_map_idx 42"), std::string::npos) << as_samples.error().message;
}

TEST(LegacyCompat, TwentyEightByteSamplesDefinitionsStaySamples) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("legacy_samples.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  for (const MapSpec& map : spec->maps) {
    SCOPED_TRACE(map.name);
    EXPECT_EQ(map.layout, MapLayout::Samples);
  }
}

TEST(LegacyCompat, SocketSlashNWithoutAProgArrayIsAPlainSocketFilter) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("socket_n_plain.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_EQ(spec->programs.size(), 2u);
  for (const ProgramSpec& program : spec->programs) EXPECT_EQ(program.type, uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
}

TEST(LegacyCompat, InnerMapIdxZeroOnTheFirstMapMeansUnset) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("quirk_samples_outer_first.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const MapSpec* outer = map_named(*spec, "outer_first");
  ASSERT_NE(outer, nullptr);
  EXPECT_EQ(outer->inner, nullptr);
  EXPECT_FALSE(outer->inner_from_default_index);
}

TEST(LegacyCompat, HexTailCallIdsFillTheirProgArray) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("legacy_iproute2_hex.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const MapSpec* jmp = map_named(*spec, "jmp_tc");
  ASSERT_NE(jmp, nullptr);
  EXPECT_EQ(jmp->iproute2_id, 0xabccbau);
  ASSERT_EQ(jmp->initial_slots.size(), 1u);
  EXPECT_EQ(jmp->initial_slots[0].index, 0u);
  EXPECT_EQ(jmp->initial_slots[0].target, "cls_loop");
}

}  // namespace
}  // namespace bpfload::test
