// compare_runs and the JSON schema: pure.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

VerifyReport accepted(const std::string& name, uint32_t processed, uint32_t states) {
  VerifyReport report;
  report.result.name = name;
  report.result.section = "xdp";
  report.result.type = 6;  // BPF_PROG_TYPE_XDP
  report.result.loaded = true;
  report.result.stats.present = true;
  report.result.stats.insns_processed = processed;
  report.result.stats.total_states = states;
  report.result.stats.peak_states = states / 2;
  report.result.stats.verification_time_usec = 100;
  report.result.stats.stack_depth = {8, 16};
  report.result.insns = 40;
  report.result.xlated_size = 320;
  report.result.jited_size = 200;
  report.result.verified_insns = processed;
  return report;
}

const StatsDelta& delta_for(const std::vector<StatsDelta>& deltas, const std::string& name) {
  auto it = std::find_if(deltas.begin(), deltas.end(), [&](const StatsDelta& d) { return d.program == name; });
  EXPECT_NE(it, deltas.end()) << name;
  return *it;
}

TEST(CompareReports, FindsStatChangesVerdictChangesMissingAndNewPrograms) {
  std::vector<VerifyReport> before = {accepted("same", 100, 10), accepted("grows", 100, 10),
                                      accepted("breaks", 50, 4), accepted("gone", 10, 1)};
  std::vector<VerifyReport> after = {accepted("same", 100, 10), accepted("grows", 180, 25),
                                     accepted("breaks", 50, 4), accepted("fresh", 5, 1)};
  after[2].result.loaded = false;
  after[1].result.stats.stack_depth = {8, 32};

  std::vector<ComparedProgram> old_run;
  std::vector<ComparedProgram> new_run;
  for (const VerifyReport& report : before) old_run.push_back(compared_program(report));
  for (const VerifyReport& report : after) new_run.push_back(compared_program(report));
  std::vector<StatsDelta> deltas = compare_runs(old_run, new_run);
  ASSERT_EQ(deltas.size(), 5u);
  EXPECT_EQ(deltas.back().program, "gone");

  const StatsDelta& same = delta_for(deltas, "same");
  EXPECT_FALSE(has_difference(same));

  const StatsDelta& grows = delta_for(deltas, "grows");
  EXPECT_TRUE(has_difference(grows));
  EXPECT_FALSE(grows.verdict_changed);
  std::map<std::string, std::pair<int64_t, int64_t>> changed;
  for (const StatChange& c : grows.changes) changed[std::string(c.stat)] = {c.old_value, c.new_value};
  EXPECT_EQ(changed["insns_processed"], std::make_pair(int64_t{100}, int64_t{180}));
  EXPECT_EQ(changed["total_states"], std::make_pair(int64_t{10}, int64_t{25}));
  EXPECT_EQ(changed["peak_states"], std::make_pair(int64_t{5}, int64_t{12}));
  EXPECT_EQ(changed["stack_depth"], std::make_pair(int64_t{24}, int64_t{40}));
  EXPECT_EQ(changed["verified_insns"], std::make_pair(int64_t{100}, int64_t{180}));
  EXPECT_EQ(changed.count("xlated_size"), 0u);

  const StatsDelta& breaks = delta_for(deltas, "breaks");
  EXPECT_TRUE(breaks.verdict_changed);
  EXPECT_TRUE(breaks.changes.empty());

  const StatsDelta& fresh = delta_for(deltas, "fresh");
  EXPECT_EQ(fresh.old_report, nullptr);
  EXPECT_TRUE(has_difference(fresh));
  const StatsDelta& gone = delta_for(deltas, "gone");
  EXPECT_EQ(gone.new_report, nullptr);
  EXPECT_TRUE(has_difference(gone));
}

TEST(ReportJson, RoundTripKeepsEverythingCompareUses) {
  VerifyReport rejected = accepted("bad", 10, 0);
  rejected.result.loaded = false;
  rejected.result.sys_errno = 13;
  rejected.result.error = "Permission denied";
  rejected.failed_insn = 9;
  rejected.failed_source = SourceLine{"oob.c", 14, 2, "sum += data[20];"};
  rejected.kernel_message = "invalid access to packet";
  rejected.costs.push_back(SourceCost{SourceLine{"oob.c", 13, 0, "x"}, 3, 1});
  rejected.result.verifier_log = "the log";
  std::vector<VerifyReport> run = {accepted("good", 100, 10), rejected};

  nlohmann::json document = reports_to_json(run);
  EXPECT_EQ(document["schema"], "bpfload-verify/1");
  EXPECT_FALSE(document["programs"][1].contains("log"));
  EXPECT_EQ(document["programs"][0]["type"], "xdp");
  EXPECT_EQ(document["programs"][1]["verdict"], "rejected");

  auto back = reports_from_json(nlohmann::json::parse(document.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  std::vector<ComparedProgram> written;
  std::vector<ComparedProgram> read;
  for (const VerifyReport& report : run) written.push_back(compared_program(report));
  for (const VerifyReport& report : *back) read.push_back(compared_program(report));
  const std::vector<StatsDelta> deltas = compare_runs(written, read);
  EXPECT_EQ(deltas.size(), 2u);
  for (const StatsDelta& delta : deltas) EXPECT_FALSE(has_difference(delta)) << delta.program;
  const VerifyReport& bad = (*back)[1];
  EXPECT_EQ(bad.result.type, 6u);
  EXPECT_EQ(bad.failed_insn, std::optional<uint32_t>(9));
  EXPECT_EQ(bad.failed_source, rejected.failed_source);
  EXPECT_EQ(bad.kernel_message, "invalid access to packet");
  ASSERT_EQ(bad.costs.size(), 1u);
  EXPECT_EQ(bad.costs[0].insns, 3u);
  EXPECT_EQ(bad.result.stats.stack_depth, (std::vector<uint32_t>{8, 16}));
  EXPECT_TRUE(bad.result.verifier_log.empty());

  auto with_log = report_from_json(report_to_json(rejected, true));
  ASSERT_TRUE(with_log.ok());
  EXPECT_EQ(with_log->result.verifier_log, "the log");
}

TEST(ReportJson, BadDocumentsAreMalformedWithTheKeyNamed) {
  auto wrong_schema = reports_from_json(nlohmann::json{{"schema", "other/9"}, {"programs", nlohmann::json::array()}});
  ASSERT_FALSE(wrong_schema.ok());
  EXPECT_EQ(wrong_schema.error().kind, ErrorKind::Malformed);

  auto bare = reports_from_json(nlohmann::json::array({nlohmann::json{{"name", "p"}, {"verdict", "accepted"}}}));
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_TRUE(bare->front().result.loaded);

  auto mistyped = reports_from_json(nlohmann::json::array(
      {nlohmann::json{{"name", "p"}, {"verdict", "accepted"}, {"stats", {{"total_states", "many"}}}}}));
  ASSERT_FALSE(mistyped.ok());
  EXPECT_EQ(mistyped.error().kind, ErrorKind::Malformed);
  EXPECT_NE(mistyped.error().message.find("total_states"), std::string::npos) << mistyped.error().message;
  EXPECT_NE(mistyped.error().message.find("report #0"), std::string::npos);

  auto no_name = report_from_json(nlohmann::json{{"verdict", "accepted"}});
  EXPECT_FALSE(no_name.ok());
  auto bad_verdict = report_from_json(nlohmann::json{{"name", "p"}, {"verdict", "maybe"}});
  ASSERT_FALSE(bad_verdict.ok());
  EXPECT_NE(bad_verdict.error().message.find("maybe"), std::string::npos);
  EXPECT_FALSE(reports_from_json(nlohmann::json("text")).ok());
}

}  // namespace
}  // namespace bpfload
