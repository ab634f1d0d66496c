// parse_verifier_stats on literal logs and on a log from this kernel; object_id_for against sha1sum.
#include <string>

#include <gtest/gtest.h>

#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(VerifierStats, ParsesTheClosingLines) {
  const VerifierStats stats = parse_verifier_stats(
      "0: (b7) r0 = 0\n1: (95) exit\n"
      "verification time 15 usec\n"
      "stack depth 0+8+16\n"
      "processed 12 insns (limit 1000000) max_states_per_insn 3 total_states 4 peak_states 5 mark_read 6\n");
  EXPECT_TRUE(stats.present);
  EXPECT_EQ(stats.insns_processed, 12u);
  EXPECT_EQ(stats.insn_limit, 1000000u);
  EXPECT_EQ(stats.max_states_per_insn, 3u);
  EXPECT_EQ(stats.total_states, 4u);
  EXPECT_EQ(stats.peak_states, 5u);
  EXPECT_EQ(stats.mark_read, 6u);
  EXPECT_EQ(stats.verification_time_usec, 15u);
  EXPECT_EQ(stats.stack_depth, (std::vector<uint32_t>{0, 8, 16}));
}

TEST(VerifierStats, MissingOrDamagedLinesLeaveZeros) {
  EXPECT_FALSE(parse_verifier_stats("").present);
  EXPECT_FALSE(parse_verifier_stats("processed lots of insns\n").present);
  const VerifierStats partial = parse_verifier_stats("processed 7 insns (limit");
  EXPECT_TRUE(partial.present);
  EXPECT_EQ(partial.insns_processed, 7u);
  EXPECT_EQ(partial.insn_limit, 0u);
  EXPECT_TRUE(partial.stack_depth.empty());
}

TEST(VerifierStats, ParsesTheLogOfThisKernel) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.log_level = kLogLevel1 | kLogStats;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("subprog_text.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const ProgramResult& program = report.programs.at(0);
  const VerifierStats& stats = program.stats;
  ASSERT_TRUE(stats.present) << program.verifier_log;
  EXPECT_EQ(stats.insns_processed, program.verified_insns);
  EXPECT_EQ(stats.insn_limit, 1000000u);
  EXPECT_GE(stats.total_states, 1u);
  // call_text, global_triple and static_add_100: three subprograms, three depths.
  EXPECT_EQ(stats.stack_depth.size(), 3u) << program.verifier_log;
}

TEST(ObjectId, IsTheSha1OfTheBytes) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string path = bpf_object("legacy_iproute2.o");
  Result<std::string> id = object_id_for(read_file(path));
  ASSERT_TRUE(id.ok()) << error_text(id);
  const CommandResult sha1sum = run_command("sha1sum '" + path + "'");
  ASSERT_EQ(sha1sum.exit_code, 0);
  EXPECT_EQ(*id, sha1sum.out.substr(0, 40));
  Result<std::string> empty = object_id_for({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(ObjectId, MatchesSha1sumAtEveryPaddingBoundary) {
  // 55, 56, 63, 64 and 65 bytes straddle the one- and two-block padding cases.
  for (const size_t size : {size_t{0}, size_t{3}, size_t{55}, size_t{56}, size_t{63}, size_t{64}, size_t{65},
                            size_t{1000}}) {
    std::string text;
    for (size_t i = 0; i < size; ++i) text.push_back(static_cast<char>('a' + i % 26));
    const CommandResult sha1sum = run_command("printf '%s' '" + text + "' | sha1sum");
    ASSERT_EQ(sha1sum.exit_code, 0);
    Result<std::string> id = object_id_for(std::as_bytes(std::span(text.data(), text.size())));
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, sha1sum.out.substr(0, 40)) << size << " bytes";
  }
}

}  // namespace
}  // namespace bpfload::test
