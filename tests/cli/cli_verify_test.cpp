// `bpfload verify`: verdicts, statistics, the failing source line, comparisons.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

// The line of reject_oob.c marked REJECTED HERE, found the way bpf_progs/README.md says.
unsigned rejected_line() {
  std::ifstream in(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/reject_oob.c");
  std::string line;
  for (unsigned number = 1; std::getline(in, line); ++number) {
    if (line.find("REJECTED HERE") != std::string::npos) return number;
  }
  return 0;
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(CliVerify, AcceptedProgramsReportStatistics) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult result = run_bpfload("verify --json " + quoted(bpf_object("btf_maps.o")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = stdout_json(result);
  ASSERT_EQ(doc["programs"].size(), 2u) << result.out;
  for (const json& program : doc["programs"]) {
    EXPECT_EQ(program["verdict"], "accepted");
    EXPECT_GT(program["stats"]["insns_processed"].get<uint32_t>(), 0u);
    EXPECT_GT(program["xlated_size"].get<uint32_t>(), 0u);
  }

  const CommandResult table = run_bpfload("verify --color never " + quoted(bpf_object("btf_maps.o")) + " entry_prog");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("program ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("entry_prog"), std::string::npos);
  EXPECT_EQ(table.out.find("tail_prog"), std::string::npos) << "only the named program";
  EXPECT_EQ(table.out.find('\033'), std::string::npos) << "no colour when told never";

  const CommandResult csv = run_bpfload("verify --csv " + quoted(bpf_object("btf_maps.o")));
  EXPECT_EQ(csv.out.rfind("program,section,verdict,insns_processed,", 0), 0u) << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);

  EXPECT_EQ(run_bpfload("verify " + quoted(bpf_object("btf_maps.o")) + " no_such_program").exit_code, 2);
}

TEST(CliVerify, RejectedProgramShowsMessageInstructionAndSourceLine) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const unsigned line = rejected_line();
  ASSERT_NE(line, 0u);
  const CommandResult text = run_bpfload("verify --color never " + quoted(bpf_object("reject_oob.o")));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("rejected"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("kernel: invalid access to packet"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("reject_oob.c:" + std::to_string(line) + ":"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("REJECTED HERE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("verifier log (last"), std::string::npos) << text.out;

  const CommandResult as_json = run_bpfload("verify --json " + quoted(bpf_object("reject_oob.o")));
  EXPECT_EQ(as_json.exit_code, 1);
  const json doc = stdout_json(as_json);
  ASSERT_EQ(doc["programs"].size(), 1u) << as_json.out;
  const json& program = doc["programs"][0];
  EXPECT_EQ(program["verdict"], "rejected");
  EXPECT_EQ(program["failed_source"]["line"], line);
  EXPECT_TRUE(program["failed_insn"].is_number());
  EXPECT_NE(program["log"].get<std::string>().find("invalid access to packet"), std::string::npos);

  const CommandResult coloured = run_bpfload("verify --color always " + quoted(bpf_object("reject_oob.o")));
  EXPECT_NE(coloured.out.find("\033[31m"), std::string::npos);
}

TEST(CliVerify, SourceCostsNameSourceLines) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult result = run_bpfload("verify --source --color never " + quoted(bpf_object("subprog_text.o")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("source costs of call_text"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("subprog_text.c:"), std::string::npos) << result.out;
}

TEST(CliVerify, CompareShowsStatisticDifferences) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string base = "/tmp/bpfload-cli-compare-" + std::to_string(getpid());
  const CommandResult run = run_bpfload("verify --json " + quoted(bpf_object("btf_maps.o")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json changed = stdout_json(run);
  const uint32_t processed = changed["programs"][0]["stats"]["insns_processed"].get<uint32_t>();
  changed["programs"][0]["stats"]["insns_processed"] = processed + 10;
  changed["programs"].erase(1);
  const std::string old_file = write_file(base + "-old.json", run.out);
  const std::string new_file = write_file(base + "-new.json", changed.dump());

  const CommandResult compare = run_bpfload("verify --json --compare " + old_file + " " + new_file);
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  const json doc = stdout_json(compare);
  bool saw_change = false;
  bool saw_missing = false;
  for (const json& program : doc["programs"]) {
    for (const json& change : program["changes"]) {
      if (change["stat"] == "insns_processed") {
        saw_change = true;
        EXPECT_EQ(change["diff"], 10);
        EXPECT_EQ(change["old"], processed);
      }
    }
    saw_missing |= program["status"] == "missing";
  }
  EXPECT_TRUE(saw_change) << compare.out;
  EXPECT_TRUE(saw_missing) << compare.out;

  const CommandResult table = run_bpfload("verify --color never --compare " + old_file + " " + new_file);
  EXPECT_NE(table.out.find("insns_processed"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("+10"), std::string::npos) << table.out;

  const CommandResult bad = run_bpfload("verify --compare " + old_file + " /nonexistent.json");
  EXPECT_EQ(bad.exit_code, 2);
  std::remove(old_file.c_str());
  std::remove(new_file.c_str());
}

}  // namespace
}  // namespace bpfload::test
