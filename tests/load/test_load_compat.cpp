// Objects written like the kernel's BPF selftests (bpf_progs/compat/, issue 23), each
// build (clang 14 and clang 19) parsed, loaded on this kernel and run where it can run.
#include <linux/bpf.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "compat_objects.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

ObjectSpec parse_compat(const std::string& path) {
  Result<ObjectSpec> spec = parse_object_file(path);
  EXPECT_TRUE(spec.ok()) << path << ": " << error_text(spec);
  return spec.ok() ? std::move(*spec) : ObjectSpec{};
}

LoadOptions unpinned_options() {
  LoadOptions options;
  options.pin = false;
  return options;
}

TEST(CompatAsmLabels, LoadWholeAndRunAsWritten) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("asm_labels")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    Result<LoadedObject> loaded = load_object(spec, unpinned_options());
    ASSERT_TRUE(loaded.ok()) << error_text(loaded);
    EXPECT_EQ(run_program(loaded->program_fd("label_on_first_insn"), zero_packet()), 8u);
    EXPECT_EQ(run_program(loaded->program_fd("labels_in_a_loop"), zero_packet()), 8u);
    EXPECT_EQ(run_program(loaded->program_fd("c_program"), zero_packet()), 10u);
  }
}

TEST(CompatOptionalSections, PlainLoadLeavesThemOutAndANamedOneLoads) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("optional_sections")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    {
      // The rejected '?' program would fail an all-or-nothing load if it were taken.
      Result<LoadedObject> loaded = load_object(spec, unpinned_options());
      ASSERT_TRUE(loaded.ok()) << error_text(loaded);
      EXPECT_EQ(run_program(loaded->program_fd("always_loaded"), zero_packet()), 11u);
      EXPECT_LT(loaded->program_fd("rejected_probe"), 0);
      EXPECT_LT(loaded->program_fd("loaded_on_request"), 0);
    }
    LoadOptions options = unpinned_options();
    options.only_programs = {"loaded_on_request"};
    Result<LoadedObject> loaded = load_object(spec, options);
    ASSERT_TRUE(loaded.ok()) << error_text(loaded);
    EXPECT_EQ(run_program(loaded->program_fd("loaded_on_request"), zero_packet()), 2u);
  }
}

TEST(CompatNewSections, EveryProgramLoadsAndTcProgramsRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("new_sections")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    LoadReport report;
    Result<LoadedObject> loaded = load_object(spec, unpinned_options(), &report);
    ASSERT_TRUE(loaded.ok()) << error_text(loaded);
    EXPECT_EQ(report.programs.size(), spec.programs.size());
    for (const ProgramResult& program : report.programs) EXPECT_TRUE(program.loaded) << program.name;
    EXPECT_EQ(run_program(loaded->program_fd("tc_ingress"), zero_packet()), 1u);
    EXPECT_EQ(run_program(loaded->program_fd("tc_egress"), zero_packet()), 2u);
    EXPECT_EQ(run_program(loaded->program_fd("tcx_ingress"), zero_packet()), 3u);
    EXPECT_EQ(run_program(loaded->program_fd("tcx_egress"), zero_packet()), 4u);
  }
}

TEST(CompatNewSections, APlainKprobeCallingASessionKfuncIsRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("session_misuse")) {
    SCOPED_TRACE(compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    ASSERT_EQ(spec.programs.size(), 1u);
    EXPECT_EQ(spec.programs[0].expected_attach_type, 0u);
    LoadReport report;
    Result<LoadedObject> loaded = load_object(spec, unpinned_options(), &report);
    ASSERT_FALSE(loaded.ok());
    ASSERT_EQ(report.programs.size(), 1u);
    EXPECT_FALSE(report.programs[0].loaded);
    EXPECT_EQ(report.programs[0].sys_errno, EACCES) << report.programs[0].verifier_log;
  }
}

TEST(CompatExceptionCallback, AThrowRunsTheCallbackWhoseValueTheProgramReturns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("exception_callback")) {
    SCOPED_TRACE(compat_compiler_of(path));
    Result<LoadedObject> loaded = load_object(parse_compat(path), unpinned_options());
    ASSERT_TRUE(loaded.ok()) << error_text(loaded);
    const int fd = loaded->program_fd("throw_on_big_packets");
    EXPECT_EQ(run_program(fd, zero_packet(64)), 1u) << "no throw";
    EXPECT_EQ(run_program(fd, zero_packet(200)), 105u) << "thrown: the callback's cookie + 100";
  }
}

TEST(CompatDataAndMaps, NamedBssSectionsRingBuffersAndA16MiBBssLoadAndRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("data_and_maps")) {
    SCOPED_TRACE(compat_compiler_of(path));
    Result<LoadedObject> loaded = load_object(parse_compat(path), unpinned_options());
    ASSERT_TRUE(loaded.ok()) << error_text(loaded);
    const int fd = loaded->program_fd("use_everything");
    EXPECT_EQ(run_program(fd, zero_packet()), 1u);
    EXPECT_EQ(run_program(fd, zero_packet()), 2u) << ".bss.counters keeps its value between runs";
    EXPECT_EQ(read_map<uint32_t>(loaded->map_fd(".bss.flags"), 0), 1u);
    Result<MapInfo> ring = system_kernel().map_info(loaded->map_fd("odd_ring"));
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    EXPECT_EQ(ring->max_entries % 4096, 0u);
    EXPECT_GT(ring->max_entries, 3u * 4096);
    Result<MapInfo> bss = system_kernel().map_info(loaded->map_fd(".bss"));
    ASSERT_TRUE(bss.ok()) << bss.error().message;
    EXPECT_EQ(bss->value_size, 16u * 1024 * 1024 + 124);
  }
}

TEST(LegacyCompatLoad, TwentyEightByteIproute2MapsPinWhereTcPinnedThemAndTailCall) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2_28.o"), options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const std::vector<std::string> tree = tree_below(pins.path());
  EXPECT_NE(std::find(tree.begin(), tree.end(), "tc/globals/jmp_early"), tree.end());
  EXPECT_EQ(run_program(loaded->program_fd("cls_early"), zero_packet()), 0u) << "TC_ACT_OK from the tail call";
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("marks_early"), 0), 1u);
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("marks_early"), 1), 1u);
}

TEST(LegacyCompatLoad, HexIdTailCallsRunUntilTheKernelsLimit) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2_hex.o"), test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("cls_entry"), zero_packet()), 0u) << "TC_ACT_OK: the slot is filled";
  // The kernel allows 33 tail calls in a row (MAX_TAIL_CALL_CNT).
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("runs"), 0), 33u);
}

TEST(LegacyCompatLoad, SocketSlashNFiltersWithoutAProgArrayLoadAndRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Result<LoadedObject> loaded = load_object(parse_test_object("socket_n_plain.o"), unpinned_options());
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("filter_one"), zero_packet()), 1u);
  // A socket filter sees the frame without its 14-byte Ethernet header.
  EXPECT_EQ(run_program(loaded->program_fd("filter_two"), zero_packet(64)), 50u);
}

TEST(LegacyCompatLoad, AnOuterMapAtIndexZeroTakesTheInnerMapItsUserNames) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const ObjectSpec spec = parse_test_object("quirk_samples_outer_first.o");
  Result<LoadedObject> unnamed = load_object(spec, unpinned_options());
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.error().message.find("--inner-map outer_first=INNER"), std::string::npos)
      << unnamed.error().message;
  LoadOptions options = unpinned_options();
  options.maps["outer_first"].inner_map = "inner_values";
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("lookup_through_outer"), zero_packet()), 0u) << "no inner map in the slot";
}

}  // namespace
}  // namespace bpfload::test
