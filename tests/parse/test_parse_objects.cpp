// Every object of bpf_progs/ parses to what bpf_progs/README.md says it contains.
#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "parse_test_util.hpp"

namespace bpfload {
namespace {

using test::count_relocations;
using test::parse_built;

const ProgramSpec& program(const ObjectSpec& spec, std::string_view name) {
  static const ProgramSpec missing;
  const auto index = spec.find_program(name);
  EXPECT_TRUE(index.has_value()) << "no program " << name;
  return index ? spec.programs[*index] : missing;
}

std::vector<std::string> map_names(const ObjectSpec& spec) {
  std::vector<std::string> names;
  for (const MapSpec& map : spec.maps) names.push_back(map.name);
  return names;
}

TEST(ParseObjects, EveryObjectParses) {
  for (const std::string& path : test::all_bpf_objects()) {
    SCOPED_TRACE(path);
    auto spec = parse_object_file(path, test::parse_options_for(path));
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_FALSE(spec->programs.empty());
    for (const ProgramSpec& prog : spec->programs) {
      ASSERT_LT(prog.function, spec->functions.size());
      EXPECT_FALSE(spec->functions[prog.function].insns.empty()) << prog.name;
      EXPECT_NE(prog.type, 0u) << prog.name;
    }
    // Deterministic: the same bytes give an equal spec.
    auto again = parse_object_file(path, test::parse_options_for(path));
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->functions.size(), spec->functions.size());
    for (size_t i = 0; i < spec->functions.size(); ++i) {
      EXPECT_EQ(again->functions[i].insns, spec->functions[i].insns);
      EXPECT_EQ(again->functions[i].relocations, spec->functions[i].relocations);
    }
  }
}

TEST(ParseObjects, LegacyLibbpf) {
  const ObjectSpec spec = parse_built("legacy_libbpf.o");
  EXPECT_EQ(spec.license, "GPL");
  EXPECT_EQ(map_names(spec), (std::vector<std::string>{"proto_hash", "total_array", "scratch_percpu"}));
  ASSERT_EQ(spec.programs.size(), 1u);
  const ProgramSpec& prog = program(spec, "count_packets");
  EXPECT_EQ(prog.section, "socket");
  EXPECT_EQ(prog.type, uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
  EXPECT_GE(count_relocations(spec, prog.function, Relocation::Kind::Map), 2u);
  for (const Relocation& r : spec.functions[prog.function].relocations) {
    ASSERT_EQ(r.kind, Relocation::Kind::Map);
    ASSERT_LT(r.target, spec.maps.size());
    EXPECT_EQ(r.symbol, spec.maps[r.target].name);
    EXPECT_EQ(spec.functions[prog.function].insns.at(r.insn).code, 0x18);
  }
}

TEST(ParseObjects, Iproute2TailCallSection) {
  const ObjectSpec spec = parse_built("legacy_iproute2.o");
  EXPECT_EQ(spec.maps.size(), 6u);
  const ProgramSpec& entry = program(spec, "cls_entry");
  EXPECT_EQ(entry.section, "classifier");
  EXPECT_EQ(entry.type, uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  const ProgramSpec& tail = program(spec, "cls_tail");
  EXPECT_EQ(tail.section, "1/0");
  EXPECT_EQ(tail.type, uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  const auto jmp = spec.find_map("jmp_table");
  ASSERT_TRUE(jmp.has_value());
  EXPECT_EQ(spec.maps[*jmp].initial_slots,
            (std::vector<MapSlot>{{MapSlot::Kind::Program, 0, "cls_tail"}}));
}

TEST(ParseObjects, SamplesTailCalls) {
  const ObjectSpec spec = parse_built("samples_tail_calls.o");
  EXPECT_EQ(map_names(spec), (std::vector<std::string>{"jmp_table", "tail_marks"}));
  EXPECT_EQ(program(spec, "tail_zero").section, "socket/0");
  EXPECT_EQ(program(spec, "tail_one").type, uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
  EXPECT_EQ(program(spec, "dispatch").section, "socket");
  EXPECT_EQ(spec.maps[0].initial_slots, (std::vector<MapSlot>{{MapSlot::Kind::Program, 0, "tail_zero"},
                                                             {MapSlot::Kind::Program, 1, "tail_one"}}));
  EXPECT_TRUE(spec.maps[1].initial_slots.empty());
}

TEST(ParseObjects, BtfMaps) {
  const ObjectSpec spec = parse_built("btf_maps.o");
  EXPECT_EQ(spec.license, "Dual BSD/GPL");
  EXPECT_EQ(spec.maps.size(), 9u);
  EXPECT_NE(spec.btf, nullptr);
  EXPECT_TRUE(spec.has_btf_ext);
  EXPECT_EQ(program(spec, "tail_prog").section, "socket");
  const ProgramSpec& entry = program(spec, "entry_prog");
  const FunctionSpec& function = spec.functions[entry.function];
  EXPECT_GE(count_relocations(spec, entry.function, Relocation::Kind::Map), 4u);
  ASSERT_FALSE(function.func_info.empty());
  EXPECT_EQ(function.func_info[0].insn, 0u);
  EXPECT_NE(function.func_info[0].type_id, 0u);
  ASSERT_FALSE(function.line_info.empty());
  EXPECT_EQ(function.line_info[0].insn, 0u);
  for (const LineInfo& line : function.line_info) EXPECT_LT(line.insn, function.insns.size());
}

TEST(ParseObjects, GlobalData) {
  const ObjectSpec spec = parse_built("global_data.o");
  EXPECT_TRUE(spec.maps.empty());
  ASSERT_EQ(spec.data_sections.size(), 4u);
  for (const DataSectionSpec& data : spec.data_sections) {
    SCOPED_TRACE(data.name);
    EXPECT_EQ(data.readonly, data.name.starts_with(".rodata"));
    if (data.name == ".bss") {
      // Zero-filled: a size, no bytes (the kernel zero-fills the map).
      EXPECT_TRUE(data.bytes.empty());
      EXPECT_EQ(data.size(), 20u);
    }
    if (data.name == ".data") {
      EXPECT_EQ(data.bytes.size(), 16u);
    }
    if (data.name == ".rodata.str1.1") {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.bytes.data())), "bpfload");
    }
    if (data.name != ".rodata.str1.1") {
      EXPECT_NE(data.btf_type_id, 0u);
    }
  }
  const ProgramSpec& prog = program(spec, "global_data_prog");
  const auto& relocations = spec.functions[prog.function].relocations;
  EXPECT_GE(relocations.size(), 4u);
  bool saw_str_byte = false;
  for (const Relocation& r : relocations) {
    ASSERT_EQ(r.kind, Relocation::Kind::Data);
    const DataSectionSpec& data = spec.data_sections.at(r.target);
    EXPECT_LE(r.offset, data.size());
    if (data.name == ".rodata.str1.1") saw_str_byte = r.offset <= 3;
    if (data.name == ".data") {
      EXPECT_TRUE(r.offset == 0 || r.offset == 8) << r.offset;
    }
    if (data.name == ".bss") {
      EXPECT_TRUE(r.offset == 0 || r.offset == 4 || r.offset == 8 || r.offset == 0x10) << r.offset;
    }
  }
  EXPECT_TRUE(saw_str_byte);
}

TEST(ParseObjects, SubprogramInSection) {
  const ObjectSpec spec = parse_built("subprog_section.o");
  ASSERT_EQ(spec.programs.size(), 1u);
  const ProgramSpec& prog = program(spec, "call_in_section");
  const FunctionSpec& function = spec.functions[prog.function];
  EXPECT_EQ(function.insns.size(), 18u);
  const auto called = called_functions(spec, prog.function);
  ASSERT_EQ(called.size(), 1u);
  EXPECT_EQ(spec.functions[called[0]].name, "scale_and_add");
  EXPECT_EQ(spec.functions[called[0]].section_insn, 18u);
  EXPECT_EQ(spec.functions[called[0]].insns.size(), 4u);
  EXPECT_FALSE(spec.functions[called[0]].global);
  EXPECT_EQ(count_relocations(spec, prog.function, Relocation::Kind::Call), 1u);
}

TEST(ParseObjects, SubprogramsInText) {
  const ObjectSpec spec = parse_built("subprog_text.o");
  ASSERT_EQ(spec.programs.size(), 1u);
  const ProgramSpec& prog = program(spec, "call_text");
  std::vector<std::string> callees;
  for (uint32_t f : called_functions(spec, prog.function)) callees.push_back(spec.functions[f].name);
  std::sort(callees.begin(), callees.end());
  EXPECT_EQ(callees, (std::vector<std::string>{"global_triple", "static_add_100"}));
  for (const FunctionSpec& f : spec.functions) {
    if (f.name == "global_triple") {
      EXPECT_EQ(f.insns.size(), 3u);
    }
    if (f.name == "static_add_100") {
      EXPECT_EQ(f.section_insn, 3u);
    }
  }
  EXPECT_EQ(count_relocations(spec, prog.function, Relocation::Kind::Call), 2u);
}

TEST(ParseObjects, MultiProgramSection) {
  const ObjectSpec spec = parse_built("multi_prog_section.o");
  std::vector<std::string> names;
  for (const ProgramSpec& prog : spec.programs) names.push_back(prog.name);
  EXPECT_EQ(names, (std::vector<std::string>{"prog_first", "prog_second", "orphan_static", "prog_third"}));
  for (const ProgramSpec& prog : spec.programs) {
    EXPECT_EQ(spec.functions[prog.function].insns.size(), 12u) << prog.name;
    EXPECT_EQ(prog.type, uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
  }
}

TEST(ParseObjects, KprobeVersion) {
  const ObjectSpec spec = parse_built("kprobe_version.o");
  EXPECT_EQ(spec.kern_version, 0x00060100u);
  const ProgramSpec& prog = program(spec, "probe_open");
  EXPECT_EQ(prog.type, uint32_t{BPF_PROG_TYPE_KPROBE});
  EXPECT_EQ(prog.attach_to, "do_sys_openat2");
}

TEST(ParseObjects, OtherObjects) {
  EXPECT_EQ(program(parse_built("sample_xdp_legacy.o"), "xdp_proto_count").type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_EQ(program(parse_built("legacy_samples.o"), "xdp_inner_count").expected_attach_type, uint32_t{BPF_XDP});
  EXPECT_EQ(map_names(parse_built("mixed_maps.o")), (std::vector<std::string>{"legacy_counter", "btf_counter"}));
  EXPECT_EQ(parse_built("legacy_libbpf_early.o").maps.size(), 2u);
  EXPECT_EQ(parse_built("legacy_samples_24.o").maps.size(), 2u);
  EXPECT_EQ(program(parse_built("reject_oob.o"), "read_unchecked").type, uint32_t{BPF_PROG_TYPE_XDP});
}

// Big-endian twins decode to the same spec apart from the byte order.
TEST(ParseObjects, BigEndianTwins) {
  size_t compared = 0;
  for (const std::string& path : test::all_bpf_objects()) {
    if (!path.ends_with(".bpfeb.o")) continue;
    const std::string twin = path.substr(0, path.size() - 8) + ".o";
    SCOPED_TRACE(path);
    auto be = parse_object_file(path);
    auto le = parse_object_file(twin);
    ASSERT_TRUE(be.ok()) << be.error().message;
    ASSERT_TRUE(le.ok()) << le.error().message;
    ++compared;
    EXPECT_EQ(be->byte_order, ByteOrder::Big);
    EXPECT_EQ(le->byte_order, ByteOrder::Little);
    EXPECT_EQ(be->license, le->license);
    ASSERT_EQ(be->functions.size(), le->functions.size());
    for (size_t i = 0; i < le->functions.size(); ++i) {
      EXPECT_EQ(be->functions[i].name, le->functions[i].name);
      EXPECT_EQ(be->functions[i].insns, le->functions[i].insns) << le->functions[i].name;
      EXPECT_EQ(be->functions[i].relocations, le->functions[i].relocations) << le->functions[i].name;
      EXPECT_EQ(be->functions[i].func_info.size(), le->functions[i].func_info.size());
      EXPECT_EQ(be->functions[i].line_info.size(), le->functions[i].line_info.size());
    }
    ASSERT_EQ(be->programs.size(), le->programs.size());
    for (size_t i = 0; i < le->programs.size(); ++i) {
      EXPECT_EQ(be->programs[i].name, le->programs[i].name);
      EXPECT_EQ(be->programs[i].type, le->programs[i].type);
    }
    ASSERT_EQ(be->maps.size(), le->maps.size());
    for (size_t i = 0; i < le->maps.size(); ++i) {
      EXPECT_EQ(be->maps[i].name, le->maps[i].name);
      EXPECT_EQ(be->maps[i].type, le->maps[i].type);
      EXPECT_EQ(be->maps[i].key_size, le->maps[i].key_size);
      EXPECT_EQ(be->maps[i].value_size, le->maps[i].value_size);
      EXPECT_EQ(be->maps[i].max_entries, le->maps[i].max_entries);
      EXPECT_EQ(be->maps[i].flags, le->maps[i].flags);
      EXPECT_EQ(be->maps[i].initial_slots, le->maps[i].initial_slots);
    }
    ASSERT_EQ(be->data_sections.size(), le->data_sections.size());
  }
  EXPECT_GE(compared, 5u);
}

}  // namespace
}  // namespace bpfload
