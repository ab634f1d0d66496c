// The log layer on logs captured from a 6.18 kernel (tests/verify/data): pure, no kernel.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "bpfload/verifier_log.hpp"

namespace bpfload {
namespace {

using namespace std::string_view_literals;

std::string data_file(const std::string& name) {
  std::ifstream in(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/../tests/verify/data/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t count_matches(const std::string& log, const std::regex& pattern) {
  return static_cast<size_t>(std::distance(std::sregex_iterator(log.begin(), log.end(), pattern),
                                           std::sregex_iterator()));
}

const std::regex kInsnLine(R"((^|\n)\d+: \([0-9a-f]{2}\))");

TEST(AnalyzeFailureLog, Level1NamesInstructionMessageAndAnnotation) {
  LogFailure failure = analyze_failure_log(data_file("reject_oob_level1.log"));
  ASSERT_TRUE(failure.insn.has_value());
  EXPECT_EQ(*failure.insn, 9u);
  EXPECT_EQ(failure.message,
            "invalid access to packet, off=20 size=1, R1(id=0,off=20,r=4)\n"
            "R1 offset is outside of the packet");
  ASSERT_TRUE(failure.annotation.has_value());
  EXPECT_EQ(failure.annotation->file, "oob.c");
  EXPECT_EQ(failure.annotation->line, 14u);
  EXPECT_EQ(failure.annotation->text, "sum += data[20]; /* REJECTED HERE */");
}

TEST(AnalyzeFailureLog, Level2SkipsLivenessTableAndStatistics) {
  // The level-2 log starts with an indented liveness table listing insn 10..14 too.
  LogFailure failure = analyze_failure_log(data_file("reject_oob_level2.log"));
  ASSERT_TRUE(failure.insn.has_value());
  EXPECT_EQ(*failure.insn, 9u);
  EXPECT_EQ(failure.message.substr(0, failure.message.find('\n')),
            "invalid access to packet, off=20 size=1, R1(id=0,off=20,r=4)");
  ASSERT_TRUE(failure.annotation.has_value());
  EXPECT_EQ(failure.annotation->line, 14u);
}

TEST(AnalyzeFailureLog, WithoutInstructionsTakesTheLastMeaningfulLine) {
  LogFailure failure = analyze_failure_log(
      "func#0 @0\nback-edge from insn 5 to 3\nverification time 3 usec\nstack depth 0\n"
      "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n");
  EXPECT_FALSE(failure.insn.has_value());
  EXPECT_EQ(failure.message, "back-edge from insn 5 to 3");
  EXPECT_FALSE(failure.annotation.has_value());
}

TEST(AnalyzeFailureLog, EmptyAndGarbageLogsGiveNothing) {
  EXPECT_FALSE(analyze_failure_log("").insn.has_value());
  LogFailure garbage = analyze_failure_log("12: (zz) nonsense\n; no at sign\n\0\0\0"sv);
  EXPECT_FALSE(garbage.insn.has_value());
  EXPECT_FALSE(garbage.annotation.has_value());
}

// The kernel pads an unfinished log buffer with NULs; what follows them is stale. The
// literals are split so "\0" is not read as an octal escape with the next digit.
constexpr std::string_view kLogWithStaleTail =
    "0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\n\0\0\0"
    "7: (95) exit\n; stale @ stale.c:99\n8: (95) exit\nstale reason\n"sv;

TEST(AnalyzeFailureLog, IgnoresEverythingAfterTheFirstNul) {
  ASSERT_LT(kLogWithStaleTail.find('\0'), kLogWithStaleTail.size() - 10);  // the NULs are inside the view
  LogFailure failure = analyze_failure_log(kLogWithStaleTail);
  EXPECT_EQ(failure.insn, std::optional<uint32_t>(1));
  EXPECT_EQ(failure.message, "R0 !read_ok");
  EXPECT_FALSE(failure.annotation.has_value());
}

TEST(SourceCosts, IgnoresEverythingAfterTheFirstNul) {
  std::vector<SourceCost> costs = source_costs(kLogWithStaleTail, SourceLineTable{});
  uint32_t insns = 0;
  for (const SourceCost& cost : costs) {
    insns += cost.insns;
    EXPECT_NE(cost.source.file, "stale.c");
  }
  EXPECT_EQ(insns, 2u);
}

TEST(SourceCosts, AnnotationsAttributeEveryInstructionLine) {
  std::string log = data_file("subprog_level2.log");
  std::vector<SourceCost> costs = source_costs(log, SourceLineTable{});
  ASSERT_FALSE(costs.empty());
  uint32_t insns = 0;
  for (const SourceCost& cost : costs) insns += cost.insns;
  EXPECT_EQ(insns, count_matches(log, kInsnLine));
  for (size_t i = 1; i < costs.size(); ++i) EXPECT_GE(costs[i - 1].insns, costs[i].insns);
  // The call site runs once per loop iteration; the subprogram body each call.
  auto mix_body = std::find_if(costs.begin(), costs.end(), [](const SourceCost& c) { return c.source.line == 5; });
  ASSERT_NE(mix_body, costs.end());
  EXPECT_EQ(mix_body->source.file, "sub.c");
  EXPECT_EQ(mix_body->source.text, "if (a & 1)");
  EXPECT_GT(mix_body->insns, 4u);
}

TEST(SourceCosts, StatesCountResumedAndPrunedPaths) {
  std::string log = data_file("subprog_level2.log");
  std::vector<SourceCost> costs = source_costs(log, SourceLineTable{});
  uint32_t states = 0;
  for (const SourceCost& cost : costs) states += cost.states;
  std::regex from_line(R"((^|\n)from \d+ to \d+:)");
  std::regex pruned_line(R"((^|\n)\d+: safe)");
  EXPECT_EQ(states, count_matches(log, from_line) + count_matches(log, pruned_line));
  EXPECT_GT(states, 0u);
}

TEST(SourceCosts, TablePreferredOverAnnotations) {
  SourceLineTable table;
  table.lines.push_back(SourceLine{"/src/oob.c", 99, 7, "from line info"});
  table.insn_to_line.assign(10, -1);
  table.insn_to_line[9] = 0;
  std::vector<SourceCost> costs = source_costs(data_file("reject_oob_level1.log"), table);
  auto from_table = std::find_if(costs.begin(), costs.end(), [](const SourceCost& c) { return c.source.line == 99; });
  ASSERT_NE(from_table, costs.end());
  EXPECT_EQ(from_table->insns, 1u);
  EXPECT_EQ(from_table->source.column, 7u);
  auto annotated = std::find_if(costs.begin(), costs.end(), [](const SourceCost& c) { return c.source.line == 14; });
  EXPECT_EQ(annotated, costs.end()) << "insn 9 must come from the table, not the annotation";
}

TEST(SourceLineTable, FindIsBoundsChecked) {
  SourceLineTable table;
  table.lines.push_back(SourceLine{"a.c", 1, 0, "x"});
  table.insn_to_line = {0, -1, 5};
  ASSERT_NE(table.find(0), nullptr);
  EXPECT_EQ(table.find(0)->file, "a.c");
  EXPECT_EQ(table.find(1), nullptr);
  EXPECT_EQ(table.find(2), nullptr);
  EXPECT_EQ(table.find(3), nullptr);
}

TEST(ParseVerifierStatsOnCapturedLog, AgreesWithClosingLine) {
  VerifierStats stats = parse_verifier_stats(data_file("accepted_level1.log"));
  ASSERT_TRUE(stats.present);
  EXPECT_EQ(stats.insns_processed, 1175u);
  EXPECT_EQ(stats.total_states, 20u);
  EXPECT_EQ(stats.peak_states, 14u);
  EXPECT_EQ(stats.max_states_per_insn, 4u);
  EXPECT_EQ(stats.verification_time_usec, 2312u);
}

}  // namespace
}  // namespace bpfload
