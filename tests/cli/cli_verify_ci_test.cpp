// The README's CI script, run exactly as written: verify several objects, compare
// against a baseline, fail only on a real regression.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The ```sh block after the <!-- verify-ci.sh --> marker of README.md.
std::string readme_script() {
  const std::string readme = read_text(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/../README.md");
  const size_t marker = readme.find("<!-- verify-ci.sh -->");
  if (marker == std::string::npos) return {};
  const size_t start = readme.find("```sh\n", marker);
  const size_t end = readme.find("```\n", start + 6);
  if (start == std::string::npos || end == std::string::npos) return {};
  return readme.substr(start + 6, end - start - 6);
}

class CliVerifyCi : public ::testing::Test {
 protected:
  void SetUp() override {
    BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
    const std::string script = readme_script();
    ASSERT_FALSE(script.empty()) << "README.md has the verify-ci.sh block";
    { std::ofstream(script_) << script; }
    ::chmod(script_.c_str(), 0755);
  }
  void TearDown() override {
    std::remove(script_.c_str());
    std::remove(baseline_.c_str());
  }
  // Runs the script with the built bpfload first on PATH, over objects that include one the
  // kernel rejects (reject_oob.o): a refusal the baseline shares is not a regression.
  CommandResult run_script() {
    const std::string cli = BPFLOAD_CLI;
    const std::string dir = cli.substr(0, cli.find_last_of('/'));
    return run_command("PATH=" + dir + ":$PATH " + script_ + " " + baseline_ + " " + quoted(bpf_object("btf_maps.o")) +
                       " " + quoted(bpf_object("legacy_libbpf.o")) + " " + quoted(bpf_object("reject_oob.o")));
  }
  void edit_baseline(const std::function<void(json&)>& edit) {
    json doc = json::parse(read_text(baseline_));
    edit(doc);
    std::ofstream(baseline_) << doc.dump();
  }
  const std::string script_ = "/tmp/bpfload-verify-ci-" + std::to_string(getpid()) + ".sh";
  const std::string baseline_ = "/tmp/bpfload-verify-ci-baseline-" + std::to_string(getpid()) + ".json";
};

json* find_program(json& doc, const std::string& name) {
  for (json& program : doc["programs"]) {
    if (program["name"] == name) return &program;
  }
  return nullptr;
}

TEST_F(CliVerifyCi, SameObjectsAgainPassDespiteTimingAndAKnownRejection) {
  const CommandResult first = run_script();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("baseline written"), std::string::npos) << first.out;
  const CommandResult again = run_script();
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("no regressions"), std::string::npos) << again.out;
}

TEST_F(CliVerifyCi, GrowthPastTheThresholdFailsAndSmallGrowthDoesNot) {
  ASSERT_EQ(run_script().exit_code, 0);
  // Pretend the baseline was cheaper: now is 5% more, under the 10% threshold.
  edit_baseline([](json& doc) {
    json& stats = (*find_program(doc, "entry_prog"))["stats"];
    stats["insns_processed"] = stats["insns_processed"].get<uint32_t>() * 100 / 105;
  });
  const CommandResult small = run_script();
  EXPECT_EQ(small.exit_code, 0) << small.out << small.err;
  EXPECT_NE(small.out.find("insns_processed"), std::string::npos) << "the change is shown:\n" << small.out;

  edit_baseline([](json& doc) {
    json& stats = (*find_program(doc, "entry_prog"))["stats"];
    stats["insns_processed"] = stats["insns_processed"].get<uint32_t>() / 2;
  });
  const CommandResult big = run_script();
  EXPECT_EQ(big.exit_code, 1) << big.out << big.err;
  EXPECT_NE(big.out.find("REGRESSION"), std::string::npos) << big.out;
  EXPECT_NE(big.out.find("entry_prog"), std::string::npos) << big.out;
}

TEST_F(CliVerifyCi, AProgramThatStopsVerifyingFailsAndOneThatStartsDoesNot) {
  ASSERT_EQ(run_script().exit_code, 0);
  // The baseline says reject_oob's program was accepted: now it is rejected.
  edit_baseline([](json& doc) {
    for (json& program : doc["programs"]) {
      if (program["verdict"] == "rejected") program["verdict"] = "accepted";
    }
  });
  const CommandResult worse = run_script();
  EXPECT_EQ(worse.exit_code, 1) << worse.out << worse.err;
  EXPECT_NE(worse.out.find("accepted -> rejected"), std::string::npos) << worse.out;

  // The baseline says a program now accepted was rejected: an improvement.
  edit_baseline([](json& doc) {
    for (json& program : doc["programs"]) program["verdict"] = "rejected";
  });
  const CommandResult better = run_script();
  EXPECT_EQ(better.exit_code, 0) << better.out << better.err;
}

TEST_F(CliVerifyCi, AnUnreadableObjectFailsTheScript) {
  const std::string cli = BPFLOAD_CLI;
  const std::string dir = cli.substr(0, cli.find_last_of('/'));
  const CommandResult result =
      run_command("PATH=" + dir + ":$PATH " + script_ + " " + baseline_ + " /nonexistent-" + std::to_string(getpid()) + ".o");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
}

}  // namespace
}  // namespace bpfload::test
