// `bpfload verify`: verdicts, statistics, the failing source line, comparisons.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
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
  EXPECT_EQ(program["file"], bpf_object("reject_oob.o"));

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
  EXPECT_EQ(compare.exit_code, 1) << "a program missing from the new run is a regression\n" << compare.err;
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

TEST(CliVerify, JsonKeepsABoundedLogTailUnlessAskedForTheWholeLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("reject_oob.o"));
  const CommandResult tail = run_bpfload("verify --json --log-level 3 --log-lines 5 " + object);
  EXPECT_EQ(tail.exit_code, 1);
  const json doc = stdout_json(tail);
  ASSERT_EQ(doc["programs"].size(), 1u) << tail.out;
  const json& program = doc["programs"][0];
  const std::string kept = program["log"];
  EXPECT_EQ(std::count(kept.begin(), kept.end(), '\n'), 5) << kept;
  EXPECT_GT(program["log_lines"].get<size_t>(), 5u);
  EXPECT_FALSE(program["log_complete"].get<bool>());
  // The tail holds the kernel's message: the line that matters.
  EXPECT_NE(kept.find("invalid access to packet"), std::string::npos) << kept;

  const std::string log_file = "/tmp/bpfload-cli-full-log-" + std::to_string(getpid()) + ".txt";
  const CommandResult full = run_bpfload("verify --json --log-level 3 --full-log --log-file " + log_file + " " + object);
  const json full_doc = stdout_json(full);
  ASSERT_TRUE(full_doc.contains("programs")) << full.out << full.err;
  const json& whole = full_doc["programs"][0];
  EXPECT_TRUE(whole["log_complete"].get<bool>());
  const std::string everything = whole["log"];
  EXPECT_EQ(static_cast<size_t>(std::count(everything.begin(), everything.end(), '\n')),
            whole["log_lines"].get<size_t>());
  std::ifstream in(log_file);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(written.find("=== " + bpf_object("reject_oob.o") + ": "), std::string::npos) << written.substr(0, 200);
  EXPECT_NE(written.find(everything), std::string::npos) << "the file holds the whole log";
  std::remove(log_file.c_str());
}

TEST(CliVerify, ManyObjectsAndProgramGlobsInOneTable) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string objects = quoted(bpf_object("btf_maps.o")) + " " + quoted(bpf_object("legacy_libbpf.o"));
  const CommandResult table = run_bpfload("verify --color never " + objects);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("file ", 0), 0u) << "a file column first:\n" << table.out;
  EXPECT_NE(table.out.find("btf_maps.o "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("legacy_libbpf.o "), std::string::npos) << table.out;

  const json doc = stdout_json(run_bpfload("verify --json " + objects));
  std::set<std::string> files;
  for (const json& program : doc["programs"]) files.insert(program["file"].get<std::string>());
  EXPECT_EQ(files.size(), 2u) << doc.dump();
  EXPECT_EQ(doc["files"].size(), 2u);

  // A glob picks programs by name across the objects; objects without a match are skipped.
  const json globbed = stdout_json(run_bpfload("verify --json " + objects + " 'entry_*'"));
  ASSERT_GE(globbed["programs"].size(), 1u) << globbed.dump();
  for (const json& program : globbed["programs"]) {
    EXPECT_EQ(program["name"].get<std::string>().rfind("entry_", 0), 0u) << program["name"];
    EXPECT_EQ(program["file"], bpf_object("btf_maps.o"));
  }
  const CommandResult none = run_bpfload("verify " + objects + " 'nothing_*'");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("'nothing_*'"), std::string::npos) << none.err;

  // One unreadable object among good ones: the others are still verified, exit 2.
  const CommandResult missing = run_bpfload("verify --color never " + objects + " /nonexistent-" +
                                            std::to_string(getpid()) + ".o");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("legacy_libbpf.o"), std::string::npos) << missing.out;
  EXPECT_NE(missing.err.find("/nonexistent-"), std::string::npos) << missing.err;
}

TEST(CliVerify, CoReObjectIsRelocatedAndTheVerifierSeesAPoisonedReadOfAMissingType) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // reject_core_read.o reads struct task_like, which no kernel has: the read is poisoned
  // and the kernel refuses it there; the error names the relocation.
  const std::string object = quoted(bpf_object("reject_core_read.o"));
  const CommandResult text = run_bpfload("verify --color never " + object);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("rejected"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("unsupported"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("CO-RE: bpfload poisoned this instruction"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bpf_core_field_exists"), std::string::npos) << "says what to do\n" << text.out;

  const json doc = stdout_json(run_bpfload("verify --json " + object));
  EXPECT_NE(doc["programs"][0]["poisoned_by"].get<std::string>().find("task_like"), std::string::npos) << doc.dump();
  ASSERT_GE(doc["programs"].size(), 1u);
  EXPECT_EQ(doc["programs"][0]["verdict"], "rejected");
  const std::string error = doc["programs"][0]["error"].get<std::string>();
  EXPECT_NE(error.find("CO-RE"), std::string::npos) << error;
  EXPECT_NE(error.find("task_like.tgid"), std::string::npos) << error;
  EXPECT_NE(error.find("poisoned"), std::string::npos) << error;
  EXPECT_GE(doc["programs"][0]["load_attempts"], 1) << "the kernel saw it";

  // A CO-RE object whose accesses exist in the kernel verifies.
  const json core = stdout_json(run_bpfload("verify --json " + quoted(bpf_object("core_reads.o")) + " core_reads"));
  ASSERT_EQ(core["programs"].size(), 1u);
  EXPECT_EQ(core["programs"][0]["verdict"], "accepted") << core.dump();
}

TEST(CliVerify, CompareOfTwoRealRunsIgnoresTimeAndPassesThresholds) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string base = "/tmp/bpfload-cli-compare2-" + std::to_string(getpid());
  const std::string object = quoted(bpf_object("btf_maps.o"));
  const std::string first = write_file(base + "-1.json", run_bpfload("verify --json " + object).out);
  const std::string second = write_file(base + "-2.json", run_bpfload("verify --json " + object).out);

  const CommandResult same = run_bpfload("verify --json -C " + first + " " + second);
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  const json doc = stdout_json(same);
  for (const json& program : doc["programs"]) EXPECT_EQ(program["status"], "unchanged") << program.dump();
  EXPECT_EQ(std::find(doc["stats"].begin(), doc["stats"].end(), "verification_time_usec"), doc["stats"].end());
  EXPECT_EQ(doc["regressions"], 0);

  // A 50% growth of processed instructions: reported always, a regression only past a threshold.
  json grown = json::parse(run_bpfload("verify --json " + object).out);
  const uint32_t processed = grown["programs"][0]["stats"]["insns_processed"];
  grown["programs"][0]["stats"]["insns_processed"] = processed + processed / 2 + 1;
  const std::string bigger = write_file(base + "-grown.json", grown.dump());
  EXPECT_EQ(run_bpfload("verify -C " + first + " " + bigger).exit_code, 0) << "no threshold: not a regression";
  const CommandResult over = run_bpfload("verify --color never -C " + first + " " + bigger + " --threshold 'insns>+10%'");
  EXPECT_EQ(over.exit_code, 1) << over.out;
  EXPECT_NE(over.out.find("REGRESSION"), std::string::npos) << over.out;
  EXPECT_NE(over.out.find("insns>+10%"), std::string::npos) << over.out;
  EXPECT_EQ(run_bpfload("verify -C " + first + " " + bigger + " --threshold 'insns>+60%'").exit_code, 0);
  // Excluding the statistic hides the change; a bad stat name is a usage error.
  const json excluded = stdout_json(run_bpfload("verify --json -C " + first + " " + bigger + " --exclude-stats insns"));
  EXPECT_EQ(excluded["programs"][0]["status"], "unchanged") << excluded.dump();
  EXPECT_EQ(run_bpfload("verify -C " + first + " " + bigger + " --stats nonsense").exit_code, 2);
  EXPECT_EQ(run_bpfload("verify -C " + first + " " + bigger + " --threshold 'insns=3'").exit_code, 2);
  // --stats all brings the verification time back.
  const json all = stdout_json(run_bpfload("verify --json -C " + first + " " + second + " --stats all"));
  EXPECT_NE(std::find(all["stats"].begin(), all["stats"].end(), "verification_time_usec"), all["stats"].end());

  // Rejected now, accepted before: always a regression.
  json rejected = json::parse(run_bpfload("verify --json " + object).out);
  rejected["programs"][0]["verdict"] = "rejected";
  const std::string worse = write_file(base + "-rejected.json", rejected.dump());
  EXPECT_EQ(run_bpfload("verify -C " + first + " " + worse).exit_code, 1);
  EXPECT_EQ(run_bpfload("verify -C " + worse + " " + first).exit_code, 0) << "an improvement is not a regression";
  for (const std::string& file : {first, second, bigger, worse}) std::remove(file.c_str());
}

TEST(CliVerify, CompareOfTwoDifferentlyNamedBuildsOfOneObjectMatchesProgramsByName) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string base = "/tmp/bpfload-cli-compare3-" + std::to_string(getpid());
  std::ifstream in(bpf_object("btf_maps.o"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string old_object = write_file(base + "-ver_old.o", bytes);
  const std::string new_object = write_file(base + "-ver_new.o", bytes);
  const std::string old_run = write_file(base + "-old.json", run_bpfload("verify --json " + old_object).out);
  const std::string new_run = write_file(base + "-new.json", run_bpfload("verify --json " + new_object).out);

  const CommandResult compared = run_bpfload("verify --json -C " + old_run + " " + new_run);
  EXPECT_EQ(compared.exit_code, 0) << compared.out << compared.err;
  const json doc = stdout_json(compared);
  ASSERT_GE(doc["programs"].size(), 1U);
  for (const json& program : doc["programs"]) EXPECT_EQ(program["status"], "unchanged") << program.dump();

  // Matching by file as well sees two unrelated objects: every program missing and new.
  const CommandResult by_file = run_bpfload("verify --json -C " + old_run + " " + new_run + " --match file");
  EXPECT_EQ(by_file.exit_code, 1) << by_file.out;
  EXPECT_EQ(run_bpfload("verify -C " + old_run + " " + new_run + " --match nonsense").exit_code, 2);

  // A run holding one program name in two objects cannot be matched by name alone.
  const std::string both = write_file(base + "-both.json", run_bpfload("verify --json " + old_object + " " + new_object).out);
  const CommandResult ambiguous = run_bpfload("verify -C " + both + " " + both + " --match program");
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.out;
  EXPECT_NE(ambiguous.err.find("--match file"), std::string::npos) << ambiguous.err;
  for (const std::string& file : {old_object, new_object, old_run, new_run, both}) std::remove(file.c_str());
}

TEST(CliVerify, CompareReadsCsvOfBpfloadAndOfVeristat) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string base = "/tmp/bpfload-cli-compare-csv-" + std::to_string(getpid());
  const std::string object = quoted(bpf_object("btf_maps.o"));
  const CommandResult csv_run = run_bpfload("verify --csv " + object);
  ASSERT_EQ(csv_run.exit_code, 0) << csv_run.err;
  const std::string csv = write_file(base + ".csv", csv_run.out);
  const std::string json_file = write_file(base + ".json", run_bpfload("verify --json " + object).out);
  const CommandResult mixed = run_bpfload("verify --json -C " + csv + " " + json_file);
  EXPECT_EQ(mixed.exit_code, 0) << mixed.out << mixed.err;
  const json doc = stdout_json(mixed);
  ASSERT_EQ(doc["programs"].size(), 2u) << mixed.out;
  for (const json& program : doc["programs"]) EXPECT_EQ(program["status"], "unchanged") << program.dump();

  // veristat -o csv columns: a program that got more expensive than the threshold allows.
  const json run = stdout_json(run_bpfload("verify --json " + object));
  const std::string name = run["programs"][0]["name"];
  const uint32_t processed = run["programs"][0]["stats"]["insns_processed"];
  const std::string veristat = write_file(
      base + "-veristat.csv", "file_name,prog_name,verdict,duration,total_insns,total_states,peak_states\n"
                              "btf_maps.o," + name + ",success,100," + std::to_string(processed / 2) + ",1,1\n");
  const CommandResult against = run_bpfload("verify --color never -C " + veristat + " " + json_file +
                                            " --stats insns --threshold 'insns>+20%'");
  EXPECT_EQ(against.exit_code, 1) << against.out << against.err;
  EXPECT_NE(against.out.find(name), std::string::npos) << against.out;

  const std::string broken = write_file(base + "-broken.csv", "prog_name,total_insns\nx,many\n");
  const CommandResult bad = run_bpfload("verify -C " + broken + " " + json_file);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
  for (const std::string& file : {csv, json_file, veristat, broken}) std::remove(file.c_str());
}

TEST(CliVerify, CompareRefusesMalformedInputsNamingTheFileAndWhereItBroke) {
  const std::string base = "/tmp/bpfload-cli-compare-bad-" + std::to_string(getpid());
  const std::string good = write_file(base + "-good.csv", "program,section,verdict,insns_processed\np,xdp,accepted,10\n");
  std::string random(3000, '\0');
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<char>((i * 2654435761u) >> 13);
  const struct {
    const char* name;
    std::string text;
    const char* says;
  } cases[] = {
      {"empty.csv", "", "empty.csv"},
      {"binary.csv", random, "binary.csv"},
      {"header-only-garbage.csv", "a,b,c\n1,2,3\n", "no 'program'"},
      {"not-a-number.csv", "program,insns_processed\np,ten\n", "line 2"},
      {"unbalanced-quote.csv", "program,insns_processed\n\"p,10\n", "line 2"},
      {"wrong-json-types.json", R"({"programs": [{"name": 5}]})", "name"},
      {"truncated.json", R"({"programs": [{"name": "p", "verdict": "acc)", "truncated.json"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.name);
    const std::string path = write_file(base + "-" + bad.name, bad.text);
    for (const std::string& order : {path + " " + good, good + " " + path}) {
      const CommandResult result = run_bpfload("verify -C " + order);
      EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
      EXPECT_NE(result.err.find(bad.says), std::string::npos) << result.err;
      EXPECT_EQ(result.err.find("terminate"), std::string::npos) << "an exception escaped: " << result.err;
    }
    std::remove(path.c_str());
  }
  std::remove(good.c_str());
}

}  // namespace
}  // namespace bpfload::test
