// Failures: verifier refusals with their logs, rollback, keep_going, selection, options.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

/// Replaces program `name`'s code with a lone `exit`, which the verifier refuses
/// (R0 is never written) while the rest of the object stays valid.
void break_program(ObjectSpec& spec, const std::string& name) {
  const auto index = spec.find_program(name);
  ASSERT_TRUE(index.has_value()) << name;
  FunctionSpec& function = spec.functions[spec.programs[*index].function];
  function.insns = {Instruction{0x95, 0, 0, 0, 0}};
  function.relocations.clear();
  function.line_info.clear();
  function.func_info.resize(std::min<size_t>(function.func_info.size(), 1));
}

TEST(LoadErrors, RejectedProgramRollsEverythingBack) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/reject";
  const ObjectSpec spec = parse_test_object("reject_oob.o");
  const size_t baseline = open_fd_count();
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, options, &report);
  ASSERT_FALSE(loaded.ok());
  const Error& error = loaded.error();
  EXPECT_EQ(error.kind, ErrorKind::Kernel);
  EXPECT_NE(error.message.find("read_unchecked"), std::string::npos) << error.message;
  EXPECT_NE(error.verifier_log.find("invalid access to packet"), std::string::npos) << error.verifier_log;
  EXPECT_NE(error.message.find("verifier: "), std::string::npos) << error.message;
  ASSERT_EQ(report.programs.size(), 1u);
  EXPECT_FALSE(report.programs[0].loaded);
  EXPECT_EQ(report.programs[0].load_attempts, 2u) << "level 0 failure must be retried once for its log";
  EXPECT_EQ(report.programs[0].verifier_log, error.verifier_log);
  EXPECT_EQ(open_fd_count(), baseline) << "fds leaked";
  EXPECT_TRUE(tree_below(pins.path()).empty()) << "pins or directories left behind";
}

TEST(LoadErrors, LogGrowsUntilTheWholeLogFits) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.log_level = kLogLevel1 | kLogLevel2 | kLogStats;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("verify_large.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.programs.size(), 1u);
  const ProgramResult& program = report.programs[0];
  EXPECT_GT(program.load_attempts, 1u);
  EXPECT_FALSE(program.log_truncated);
  EXPECT_GT(program.verifier_log.size(), size_t{1} << 20);
  std::string log = program.verifier_log;
  while (!log.empty() && log.back() == '\n') log.pop_back();
  const std::string last_line = log.substr(log.rfind('\n') + 1);
  EXPECT_EQ(last_line.rfind("processed ", 0), 0u) << "log does not end with the stats line: " << last_line;
  EXPECT_TRUE(program.stats.present);
  EXPECT_GT(program.stats.insns_processed, 1000u);
  EXPECT_EQ(program.stats.insns_processed, program.verified_insns);
  EXPECT_GT(program.stats.total_states, 0u);
  EXPECT_FALSE(program.stats.stack_depth.empty());
}

TEST(LoadErrors, LevelZeroSuccessMakesOneAttemptWithoutLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_libbpf.o"), test_options(pins.path()), &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(report.programs[0].load_attempts, 1u);
  EXPECT_TRUE(report.programs[0].verifier_log.empty());
  EXPECT_GT(report.programs[0].verified_insns, 0u);
  EXPECT_GT(report.programs[0].insns, 0u);

  LoadOptions stats_only = test_options(pins.path());
  stats_only.log_level = kLogStats;
  Result<LoadedObject> with_stats = load_object(parse_test_object("legacy_libbpf.o"), stats_only, &report);
  ASSERT_TRUE(with_stats.ok()) << error_text(with_stats);
  EXPECT_TRUE(report.programs[0].stats.present) << report.programs[0].verifier_log;
  EXPECT_EQ(report.programs[0].stats.insns_processed, report.programs[0].verified_insns);
}

TEST(LoadErrors, KeepGoingLoadsTheGoodPrograms) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ObjectSpec spec = parse_test_object("multi_prog_section.o");
  break_program(spec, "prog_second");

  LoadOptions options = test_options(pins.path());
  const size_t baseline = open_fd_count();
  Result<LoadedObject> strict = load_object(spec, options);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("'prog_second'"), std::string::npos) << strict.error().message;
  EXPECT_NE(strict.error().verifier_log.find("R0 !read_ok"), std::string::npos) << strict.error().verifier_log;
  EXPECT_EQ(open_fd_count(), baseline);

  options.keep_going = true;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.programs.size(), 4u);
  for (const ProgramResult& program : report.programs) {
    EXPECT_EQ(program.loaded, program.name != "prog_second") << program.name;
    if (!program.loaded) {
      EXPECT_NE(program.error.find("R0 !read_ok"), std::string::npos) << program.error;
    }
  }
  EXPECT_EQ(loaded->program_fd("prog_second"), -1);
  run_program(loaded->program_fd("prog_third"), zero_packet());
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("multi_marks"), 2), 103u);
}

TEST(LoadErrors, KeepGoingLeavesATailCallSlotEmptyAndSaysSo) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ObjectSpec spec = parse_test_object("samples_tail_calls.o");
  break_program(spec, "tail_one");
  LoadOptions options = test_options(pins.path());
  options.keep_going = true;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("tail_one"), std::string::npos) << report.warnings[0];
  run_program(loaded->program_fd("dispatch"), zero_packet());
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("tail_marks"), 3), 0xdeadu) << "slot 1 should be empty";
}

TEST(LoadErrors, OnlyProgramsLoadsTheChosenOnes) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.only_programs = {"prog_third"};
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("multi_prog_section.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.programs.size(), 1u);
  EXPECT_EQ(report.programs[0].name, "prog_third");
  EXPECT_EQ(loaded->program_fd("prog_first"), -1);
  EXPECT_GE(loaded->program_fd("prog_third"), 0);

  options.only_programs = {"no_such_program"};
  Result<LoadedObject> missing = load_object(parse_test_object("multi_prog_section.o"), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("no_such_program"), std::string::npos);
}

TEST(LoadErrors, OnlyProgramsLeavesOtherTailCallSlotsEmpty) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.only_programs = {"dispatch", "tail_zero"};
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("samples_tail_calls.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_TRUE(report.warnings.empty());
  run_program(loaded->program_fd("dispatch"), zero_packet());
  EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("tail_marks"), 3), 0xdeadu);
}

TEST(LoadErrors, OptionsAreCheckedBeforeTheKernelIsTouched) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.maps["no_such_map"].max_entries = 4;
  Result<LoadedObject> override_missing = load_object(parse_test_object("legacy_libbpf.o"), options);
  ASSERT_FALSE(override_missing.ok());
  EXPECT_EQ(override_missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(override_missing.error().message.find("no_such_map"), std::string::npos);

  ObjectSpec unknown = parse_test_object("legacy_libbpf.o");
  unknown.programs[0].type = 0;
  Result<LoadedObject> untyped = load_object(unknown, test_options(pins.path()));
  ASSERT_FALSE(untyped.ok());
  EXPECT_EQ(untyped.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(untyped.error().message,
            "program 'count_packets' in section 'socket': unknown program type: the section name implies none; give "
            "one (--type socket=TYPE, a glob --type 'PREFIX*=TYPE', or --default-type TYPE)");

  Result<ObjectSpec> big_endian = parse_object_file(bpf_object("legacy_libbpf.bpfeb.o"));
  ASSERT_TRUE(big_endian.ok()) << error_text(big_endian);
  Result<LoadedObject> foreign = load_object(*big_endian, test_options(pins.path()));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().kind, ErrorKind::Unsupported);
}

TEST(LoadErrors, UnknownMapTypeIsNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ObjectSpec spec = parse_test_object("legacy_libbpf.o");
  spec.maps[1].type = 9999;
  const size_t baseline = open_fd_count();
  Result<LoadedObject> loaded = load_object(spec, test_options(pins.path()));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().sys_errno, EINVAL);
  EXPECT_NE(loaded.error().message.find("total_array"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("unknown(9999)"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(open_fd_count(), baseline);
}

TEST(LoadErrors, ParallelLoadsGiveTheSameReportAsSerial) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("multi_prog_section.o");
  LoadOptions options = test_options(pins.path());
  options.log_level = kLogLevel1;
  LoadReport serial;
  LoadReport parallel;
  options.parallelism = 1;
  ASSERT_TRUE(load_object(spec, options, &serial).ok());
  options.parallelism = 4;
  ASSERT_TRUE(load_object(spec, options, &parallel).ok());
  ASSERT_EQ(serial.programs.size(), parallel.programs.size());
  for (size_t i = 0; i < serial.programs.size(); ++i) {
    EXPECT_EQ(serial.programs[i].name, parallel.programs[i].name);
    EXPECT_EQ(serial.programs[i].stats.insns_processed, parallel.programs[i].stats.insns_processed);
    EXPECT_EQ(serial.programs[i].xlated_size, parallel.programs[i].xlated_size);
  }
}

}  // namespace
}  // namespace bpfload::test
