// Kernel tests for the habits of real-world objects (issue 14): each object is loaded
// the way its original loader was told, and what can run is run (BPF_PROG_TEST_RUN,
// maps read back).
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "old_compiler_object.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using namespace bpfload::test;

const ProgramResult* result_of(const LoadReport& report, const std::string& name) {
  for (const ProgramResult& program : report.programs)
    if (program.name == name) return &program;
  return nullptr;
}

bpf_map_info map_info_of(int fd) {
  bpf_map_info info{};
  __u32 length = sizeof(info);
  EXPECT_EQ(bpf_obj_get_info_by_fd(fd, &info, &length), 0) << "errno " << errno;
  return info;
}

TEST(LoadRealWorld, KeepGoingLoadsTheKnownTypeAndReportsEachUnknownOne) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.keep_going = true;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("quirk_unknown_sections.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.programs.size(), 4u);
  EXPECT_TRUE(result_of(report, "xdp_count")->loaded) << result_of(report, "xdp_count")->error;
  for (const char* name : {"do_redirect_xmit", "do_aaa", "tail_named_map"}) {
    const ProgramResult* program = result_of(report, name);
    ASSERT_NE(program, nullptr) << name;
    EXPECT_FALSE(program->loaded) << name;
    EXPECT_NE(program->error.find("unknown program type"), std::string::npos) << name << ": " << program->error;
    EXPECT_NE(program->error.find("--type " + program->section + "=TYPE"), std::string::npos) << program->error;
    EXPECT_EQ(program->load_attempts, 0u) << "refused before the kernel saw it";
    EXPECT_EQ(loaded->program_fd(name), -1);
  }
  EXPECT_EQ(run_program(loaded->program_fd("xdp_count"), zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("hits"), 0), 1u);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("hits"), 1), 0u);
}

TEST(LoadRealWorld, WithoutKeepGoingAnUnknownTypeRefusesTheObjectNamingTheSection) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  Result<LoadedObject> loaded = load_object(parse_test_object("quirk_unknown_sections.o"), test_options(pins.path()));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(loaded.error().message.find("section 'redirect_xmit'"), std::string::npos) << loaded.error().message;
}

TEST(LoadRealWorld, DefaultTypeLoadsAndRunsEverySection) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ParseOptions parse;
  parse.default_program_type = "sched_cls";
  Result<LoadedObject> loaded =
      load_object(parse_test_object("quirk_unknown_sections.o", parse), test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("do_redirect_xmit"), ipv4_udp_packet()), 1u);
  EXPECT_EQ(run_program(loaded->program_fd("do_aaa"), ipv4_udp_packet()), 2u);
  EXPECT_EQ(run_program(loaded->program_fd("tail_named_map"), ipv4_udp_packet()), 3u);
  for (uint32_t key = 1; key <= 3; ++key) EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("hits"), key), 1u) << key;
}

TEST(LoadRealWorld, GlobTypeLoadsAndRunsEveryMatchingSection) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ParseOptions parse;
  parse.program_types["cls-*"] = "sched_cls";
  Result<LoadedObject> loaded = load_object(parse_test_object("quirk_glob_sections.o", parse), test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("cls_ingress"), ipv4_udp_packet()), 11u);
  EXPECT_EQ(run_program(loaded->program_fd("cls_egress"), ipv4_udp_packet()), 12u);
  EXPECT_EQ(run_program(loaded->program_fd("cls_egress"), ipv4_udp_packet()), 12u);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("seen"), 0), 1u);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("seen"), 1), 2u);
}

TEST(LoadRealWorld, SamplesMapInMapAsWrittenIsRefusedByTheVerifier) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  Result<LoadedObject> loaded =
      load_object(parse_test_object("quirk_samples_map_in_map.o"), test_options(pins.path()));
  ASSERT_FALSE(loaded.ok()) << "port_a's 4-byte values cannot hold the 8-byte counter";
  EXPECT_EQ(loaded.error().kind, ErrorKind::Kernel);
  EXPECT_NE(loaded.error().message.find("count_"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("verifier"), std::string::npos) << loaded.error().message;
}

// Loads `file` as the samples loader fixed it up (inner maps lru_inner), puts lru_inner
// in slot 0 of both outer maps, and counts packets through each.
void load_and_run_samples_map_in_map(const std::string& file) {
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.maps["array_of_lru"].inner_map = "lru_inner";
  options.maps["hash_of_lru"].inner_map = "lru_inner";
  Result<LoadedObject> loaded = load_object(parse_test_object(file), options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const int inner = loaded->map_fd("lru_inner");
  for (const char* outer : {"array_of_lru", "hash_of_lru"}) {
    const bpf_map_info info = map_info_of(loaded->map_fd(outer));
    EXPECT_EQ(info.value_size, 4u) << outer << ": created with 4, as bpf_load.c did";
    ASSERT_TRUE(write_map<uint32_t>(loaded->map_fd(outer), 0, static_cast<uint32_t>(inner)).ok()) << outer;
  }
  const int by_array = loaded->program_fd("count_array_of_lru");
  const int by_hash = loaded->program_fd("count_hash_of_lru");
  EXPECT_EQ(run_program(by_array, zero_packet()), uint32_t{XDP_TX}) << "first packet creates key 7";
  EXPECT_EQ(run_program(by_array, zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(run_program(by_hash, zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(read_map<uint64_t>(inner, 7), 3u);
}

TEST(LoadRealWorld, SamplesMapInMapWithInnerMapOverrideLoadsAndCountsThroughBothOuterMaps) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  load_and_run_samples_map_in_map("quirk_samples_map_in_map.o");
}

TEST(LoadRealWorld, SamplesMapInMapBuiltByASecondClangLoadsAndRuns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  if (!std::filesystem::exists(bpf_object("quirk_samples_map_in_map.clang13.o")))
    GTEST_SKIP() << "clang-13 is not installed (tools/install-deps installs it)";
  load_and_run_samples_map_in_map("quirk_samples_map_in_map.clang13.o");
}

TEST(LoadRealWorld, MapsThatTakeNoBtfKeyValueAreCreatedWithBtfIdsZero) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("btf_no_kv_maps.o"), test_options(pins.path()), &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;
  for (const char* name : {"cgroup_map", "events", "stacks", "devices", "queue"}) {
    const bpf_map_info info = map_info_of(loaded->map_fd(name));
    EXPECT_EQ(info.btf_key_type_id, 0u) << name;
    EXPECT_EQ(info.btf_value_type_id, 0u) << name;
  }
  const bpf_map_info counts = map_info_of(loaded->map_fd("counts"));
  EXPECT_NE(counts.btf_value_type_id, 0u) << "an array keeps its BTF types";
  const int prog = loaded->program_fd("count_packets");
  EXPECT_EQ(run_program(prog, zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(run_program(prog, zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("counts"), 0), 2u);
  uint32_t popped = 0;
  ASSERT_EQ(bpf_map_lookup_and_delete_elem(loaded->map_fd("queue"), nullptr, &popped), 0) << "errno " << errno;
  EXPECT_EQ(popped, 1u);
}

TEST(LoadRealWorld, DataRelRoIsFrozenReadOnlyDataTheProgramReads) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  Result<LoadedObject> loaded = load_object(parse_test_object("data_rel_ro.o"), test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("read_table"), ipv4_udp_packet()), 70u);
  const int table = loaded->map_fd(".data.rel.ro");
  ASSERT_GE(table, 0);
  using Table = std::array<uint32_t, 4>;
  EXPECT_EQ(read_map<Table>(table, 0), (Table{10, 20, 30, 40}));
  const Status written = write_map(table, 0, Table{1, 2, 3, 4});
  EXPECT_FALSE(written.ok()) << "frozen like .rodata";
  EXPECT_NE(map_info_of(table).map_flags & BPF_F_RDONLY_PROG, 0u);
}

TEST(LoadRealWorld, StrayInnerMapIdxIgnoredLoadsAndTheMapWorks) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ParseOptions parse;
  parse.ignore_stray_inner_map_idx = true;
  Result<LoadedObject> loaded =
      load_object(parse_test_object("quirk_stray_inner_idx.o", parse), test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("write_invalid"), ipv4_udp_packet()), 1u);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("invalid_map"), 3), 99u);
}

TEST(LoadRealWorld, UndefinedExternRefusesTheObjectNamingProgramAndExtern) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadReport report;
  Result<LoadedObject> loaded =
      load_object(parse_test_object("quirk_undefined_extern.o"), test_options(pins.path()), &report);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(loaded.error().message.find("program 'uses_const'"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("extern 'MY_CONST'"), std::string::npos) << loaded.error().message;
  EXPECT_TRUE(report.maps.empty()) << "refused before any map was created";
}

TEST(LoadRealWorld, UndefinedExternWithKeepGoingLoadsAndRunsTheOtherProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.keep_going = true;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("quirk_undefined_extern.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const ProgramResult* refused = result_of(report, "uses_const");
  ASSERT_NE(refused, nullptr);
  EXPECT_FALSE(refused->loaded);
  EXPECT_NE(refused->error.find("extern 'MY_CONST'"), std::string::npos) << refused->error;
  ASSERT_TRUE(result_of(report, "plain")->loaded) << result_of(report, "plain")->error;
  EXPECT_EQ(run_program(loaded->program_fd("plain"), ipv4_udp_packet()), 5u);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("runs"), 0), 1u);
}

TEST(LoadRealWorld, OldClangObjectLoadsAndItsNotypeCallsRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto spec = parse_object(old_clang_object());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  TempBpffsDir pins;
  Result<LoadedObject> loaded = load_object(*spec, test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(run_program(loaded->program_fd("xdp_prog"), zero_packet()), uint32_t{XDP_PASS});
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("counts"), 0), 49u) << "global_fn() + second_fn()";
}

}  // namespace
}  // namespace bpfload
