// verify_object against the running kernel: rejected programs explained down to the
// source line, statistics that agree with the log, whole logs, source costs, no leftovers.
#include <bit>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/verify.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse(const std::string& file) {
  auto spec = parse_object_file(test::bpf_object(file));
  EXPECT_TRUE(spec.ok()) << file << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

/// 1-based number of the first line of bpf_progs/<file> containing `marker`, 0 if none.
uint32_t source_line_containing(const std::string& file, const std::string& marker) {
  std::ifstream in(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/" + file);
  std::string line;
  for (uint32_t number = 1; std::getline(in, line); ++number)
    if (line.find(marker) != std::string::npos) return number;
  return 0;
}

size_t count_insn_lines(const std::string& log) {
  std::regex insn_line(R"((^|\n)\d+: \([0-9a-f]{2}\))");
  return static_cast<size_t>(
      std::distance(std::sregex_iterator(log.begin(), log.end(), insn_line), std::sregex_iterator()));
}

std::set<std::string> entries_below(const std::string& dir) {
  std::set<std::string> paths;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    paths.insert(it->path().string());
  return paths;
}

TEST(VerifyKernel, RejectedProgramNamesInstructionSourceLineAndMessage) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("reject_oob.o");
  auto reports = verify_object(spec, {});
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 1u);
  const VerifyReport& report = reports->front();
  EXPECT_EQ(report.result.name, "read_unchecked");
  EXPECT_FALSE(report.result.loaded);
  EXPECT_EQ(report.result.sys_errno, EACCES);

  // The failing instruction is the last instruction line of the log, read independently.
  std::smatch match;
  std::string log = report.result.verifier_log;
  std::regex insn_line(R"((^|\n)(\d+): \([0-9a-f]{2}\))");
  std::optional<uint32_t> last_insn;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), insn_line); it != std::sregex_iterator(); ++it)
    last_insn = static_cast<uint32_t>(std::stoul((*it)[2]));
  ASSERT_TRUE(last_insn.has_value()) << log;
  ASSERT_TRUE(report.failed_insn.has_value());
  EXPECT_EQ(*report.failed_insn, *last_insn);

  uint32_t rejected_line = source_line_containing("reject_oob.c", "/* REJECTED HERE */");
  ASSERT_NE(rejected_line, 0u);
  ASSERT_TRUE(report.failed_source.has_value());
  EXPECT_EQ(std::filesystem::path(report.failed_source->file).filename(), "reject_oob.c");
  EXPECT_EQ(report.failed_source->line, rejected_line);
  EXPECT_NE(report.failed_source->text.find("REJECTED HERE"), std::string::npos);
  EXPECT_NE(report.kernel_message.find("invalid access to packet"), std::string::npos) << report.kernel_message;

  // The kernel annotates with the same line only when the loader passed BTF line info.
  EXPECT_NE(log.find("@ reject_oob.c:" + std::to_string(rejected_line)), std::string::npos)
      << "no kernel source annotation: line info did not reach the kernel\n" << log;
}

TEST(VerifyKernel, RejectionAtAPoisonedCoreRelocationNamesTheRelocation) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("reject_core_read.o");
  auto reports = verify_object(spec, {});
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 1u);
  const VerifyReport& report = reports->front();
  EXPECT_FALSE(report.result.loaded);
  ASSERT_TRUE(report.failed_insn.has_value()) << report.result.verifier_log;
  ASSERT_EQ(report.result.core_poisoned.size(), report.result.core_poisoned_insns.size());
  ASSERT_FALSE(report.result.core_poisoned.empty());
  EXPECT_EQ(report.result.core_poisoned_insns.front(), *report.failed_insn)
      << "the verifier stops at the instruction the loader poisoned";
  EXPECT_NE(report.poisoned_by.find("task_like"), std::string::npos) << report.poisoned_by;
  EXPECT_NE(report.poisoned_by.find("tgid"), std::string::npos) << report.poisoned_by;
  // And it survives the JSON round trip CI baselines go through.
  auto back = report_from_json(report_to_json(report));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->poisoned_by, report.poisoned_by);
  EXPECT_EQ(back->result.core_poisoned, report.result.core_poisoned);
}

TEST(VerifyKernel, RejectionElsewhereNamesNoCoreRelocation) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("reject_oob.o");
  auto reports = verify_object(spec, {});
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_TRUE(reports->front().poisoned_by.empty()) << reports->front().poisoned_by;
}

TEST(VerifyKernel, SourceLineForMatchesFailure) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("reject_oob.o");
  auto reports = verify_object(spec, {});
  ASSERT_TRUE(reports.ok());
  ASSERT_TRUE(reports->front().failed_insn.has_value());
  auto layout = lay_out_program(spec, 0);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  auto line = source_line_for(spec, *layout, *reports->front().failed_insn);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->line, source_line_containing("reject_oob.c", "/* REJECTED HERE */"));
}

TEST(VerifyKernel, AcceptedStatisticsAgreeWithTheLogsClosingLine) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  std::regex processed(
      R"(processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+))");
  std::regex time(R"(verification time (\d+) usec)");
  for (const char* file : {"verify_large.o", "legacy_libbpf.o", "subprog_text.o", "global_data.o", "btf_maps.o"}) {
    SCOPED_TRACE(file);
    ObjectSpec spec = parse(file);
    auto reports = verify_object(spec, {});
    ASSERT_TRUE(reports.ok()) << reports.error().message;
    ASSERT_EQ(reports->size(), spec.programs.size());
    for (const VerifyReport& report : *reports) {
      SCOPED_TRACE(report.result.name);
      const ProgramResult& r = report.result;
      EXPECT_TRUE(r.loaded) << r.error << "\n" << r.verifier_log;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(r.verifier_log, m, processed)) << r.verifier_log;
      ASSERT_TRUE(r.stats.present);
      EXPECT_EQ(r.stats.insns_processed, std::stoul(m[1]));
      EXPECT_EQ(r.stats.insn_limit, std::stoul(m[2]));
      EXPECT_EQ(r.stats.max_states_per_insn, std::stoul(m[3]));
      EXPECT_EQ(r.stats.total_states, std::stoul(m[4]));
      EXPECT_EQ(r.stats.peak_states, std::stoul(m[5]));
      ASSERT_TRUE(std::regex_search(r.verifier_log, m, time));
      EXPECT_EQ(r.stats.verification_time_usec, std::stoull(m[1]));
      EXPECT_GT(r.stats.insns_processed, 0u);
      EXPECT_FALSE(r.stats.stack_depth.empty());
      // bpf_prog_info's verified_insns is the verifier's own processed count.
      EXPECT_EQ(r.verified_insns, r.stats.insns_processed);
      EXPECT_GT(r.insns, 0u);
      EXPECT_GT(r.xlated_size, 0u);
      EXPECT_EQ(r.xlated_size % 8u, 0u) << "xlated_size is in bytes of 8-byte instructions";
      EXPECT_GT(r.jited_size, 0u);
      EXPECT_FALSE(report.failed_insn.has_value());
      EXPECT_TRUE(report.kernel_message.empty());
    }
  }
}

TEST(VerifyKernel, Level2LogOfALargeProgramComesBackWhole) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("verify_large.o");
  VerifyOptions options;
  options.log_level = kLogLevel2 | kLogStats;
  auto reports = verify_object(spec, options);
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 1u);
  const ProgramResult& r = reports->front().result;
  ASSERT_TRUE(r.loaded) << r.error;
  EXPECT_FALSE(r.log_truncated);
  ASSERT_GT(r.log_true_size, 0u) << "Linux 6.4+ reports the size the log needs";
  EXPECT_EQ(r.log_true_size - 1, r.verifier_log.size());
  // Big enough that no sane first buffer holds it, so the loader had to grow.
  EXPECT_GT(r.verifier_log.size(), size_t{1} << 20);
  // The kernel said how much it needed, so one retry with exactly that must do.
  EXPECT_EQ(r.load_attempts, 2u);
  EXPECT_EQ(r.verifier_log.rfind("func#0 @0", 0), 0u) << "log lost its beginning";
  EXPECT_NE(r.verifier_log.find("processed "), std::string::npos) << "log lost its end";
  EXPECT_TRUE(r.stats.present);
}

TEST(VerifyKernel, SourceCostsCoverEveryInstructionLine) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("verify_large.o");
  VerifyOptions options;
  options.source_costs = true;  // level 2 is raised automatically
  auto reports = verify_object(spec, options);
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  const VerifyReport& report = reports->front();
  ASSERT_FALSE(report.costs.empty());
  uint32_t insns = 0;
  uint32_t states = 0;
  for (const SourceCost& cost : report.costs) {
    insns += cost.insns;
    states += cost.states;
  }
  EXPECT_EQ(insns, count_insn_lines(report.result.verifier_log));
  EXPECT_GT(states, 0u);
  for (size_t i = 1; i < report.costs.size(); ++i) EXPECT_GE(report.costs[i - 1].insns, report.costs[i].insns);
  // The loop body is where the verifier spends its time.
  const SourceLine& top = report.costs.front().source;
  EXPECT_EQ(std::filesystem::path(top.file).filename(), "verify_large.c");
  uint32_t loop_first = source_line_containing("verify_large.c", "for (i = 0; i < ROUNDS; i++)");
  EXPECT_GE(top.line, loop_first);
  EXPECT_LE(top.line, loop_first + 5);
}

TEST(VerifyKernel, SelectedProgramsOnlyAndUnknownNameIsNotFound) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("subprog_text.o");
  ASSERT_FALSE(spec.programs.empty());
  VerifyOptions options;
  options.programs = {spec.programs.back().name};
  auto reports = verify_object(spec, options);
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ(reports->front().result.name, spec.programs.back().name);

  options.programs = {"no_such_program"};
  auto missing = verify_object(spec, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("no_such_program"), std::string::npos);
}

TEST(VerifyKernel, KeepsNoFdsAndMakesNoPins) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // legacy_iproute2 asks for global-namespace pins; verification must not make them.
  for (const char* file : {"legacy_iproute2.o", "reject_oob.o", "btf_maps.o"}) {
    SCOPED_TRACE(file);
    ObjectSpec spec = parse(file);
    std::set<std::string> pins_before = entries_below("/sys/fs/bpf");
    size_t fds_before = test::open_fd_count();
    VerifyOptions options;
    options.load.pin_dir = "/sys/fs/bpf/bpfload-verify-must-not-exist";
    auto reports = verify_object(spec, options);
    ASSERT_TRUE(reports.ok()) << reports.error().message;
    EXPECT_EQ(test::open_fd_count(), fds_before);
    EXPECT_EQ(entries_below("/sys/fs/bpf"), pins_before);
  }
}

TEST(VerifyKernel, LegacyObjectsCarryLineInfoIntoTheKernel) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_TOOL_OR_SKIP("bpftool");
  for (std::string name : {"legacy_libbpf", "legacy_libbpf_early", "legacy_samples", "legacy_samples_24",
                           "legacy_iproute2", "samples_tail_calls", "mixed_maps"}) {
    SCOPED_TRACE(name);
    ObjectSpec spec = parse(name + ".o");
    LoadOptions options;
    options.pin = false;
    options.object_id = "bpfload-verify-test";
    auto loaded = load_object(spec, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_TRUE(loaded->report().btf_loaded) << loaded->report().btf_error;
    ASSERT_FALSE(loaded->report().programs.empty());
    for (const ProgramResult& program : loaded->report().programs) {
      SCOPED_TRACE(program.name);
      ASSERT_NE(program.id, 0u);
      // While we hold the fd the id stays valid; bpftool reads the kernel's copy of the
      // line info and prints "; <text> [file:<path> line_num:N line_col:C]".
      auto dump = test::run_command("bpftool prog dump xlated id " + std::to_string(program.id) + " linum");
      ASSERT_EQ(dump.exit_code, 0) << dump.err;
      EXPECT_NE(dump.out.find(name + ".c line_num:"), std::string::npos) << dump.out;
    }
  }
}

TEST(VerifyKernel, MapFailureIsAnErrorAndLeavesNothingOpen) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("legacy_libbpf.o");
  FaultInjectingKernel kernel(system_kernel());
  kernel.fail_nth("map_create", 2, ENOMEM);
  VerifyOptions options;
  options.load.kernel = &kernel;
  size_t fds_before = test::open_fd_count();
  auto reports = verify_object(spec, options);
  ASSERT_FALSE(reports.ok());
  EXPECT_EQ(reports.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(reports.error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.calls_of("prog_load"), 0u);
  EXPECT_EQ(test::open_fd_count(), fds_before);
}

TEST(VerifyKernel, OneRefusedProgramDoesNotHideTheOthersAndNothingIsPinned) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse("legacy_iproute2.o");  // cls_entry and its tail call cls_tail
  ASSERT_GE(spec.programs.size(), 2u);
  FaultInjectingKernel kernel(system_kernel());
  kernel.fail_nth("prog_load", 1, EPERM);
  VerifyOptions options;
  options.load.kernel = &kernel;
  options.load.parallelism = 1;  // so "the first prog_load" is one well-defined program
  auto reports = verify_object(spec, options);
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), spec.programs.size());
  size_t refused = 0;
  for (const VerifyReport& report : *reports) {
    if (report.result.loaded) continue;
    ++refused;
    EXPECT_EQ(report.result.sys_errno, EPERM);
    EXPECT_FALSE(report.kernel_message.empty()) << "falls back to the load error";
  }
  EXPECT_EQ(refused, 1u);
  EXPECT_EQ(kernel.calls_of("obj_pin"), 0u);
  EXPECT_EQ(kernel.calls_of("obj_get"), 0u) << "no pinned map may be reused either";
}

}  // namespace
}  // namespace bpfload

namespace bpfload {
namespace {

// A developer asking for level 2 alone still gets the statistics row: time and stack
// depth come only with BPF_LOG_STATS, so verify always adds it.
TEST(VerifyKernel, StatisticsArePresentWhateverLevelWasAsked) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto spec = parse_object_file(test::bpf_object("verify_large.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  for (const uint32_t level : {0u, kLogLevel1, kLogLevel2}) {
    VerifyOptions options;
    options.log_level = level;
    auto reports = verify_object(*spec, options);
    ASSERT_TRUE(reports.ok()) << reports.error().message;
    ASSERT_EQ(reports->size(), 1u);
    const VerifierStats& stats = reports->front().result.stats;
    EXPECT_TRUE(stats.present) << "level " << level;
    EXPECT_GT(stats.insns_processed, 0u) << "level " << level;
    EXPECT_GT(stats.verification_time_usec, 0u) << "level " << level;
    EXPECT_FALSE(stats.stack_depth.empty()) << "level " << level;
  }
}

/// Two programs both named "dup" in different sections: the socket one accepted (2
/// instructions), the xdp one rejected (it exits without setting r0, 3 instructions).
ObjectSpec two_programs_named_alike() {
  constexpr uint8_t kMovImm = BPF_ALU64 | BPF_MOV | BPF_K;
  constexpr uint8_t kExit = BPF_JMP | BPF_EXIT;
  ObjectSpec spec;
  spec.byte_order = std::endian::native == std::endian::little ? ByteOrder::Little : ByteOrder::Big;
  spec.license = "GPL";
  FunctionSpec accepted;
  accepted.name = "dup";
  accepted.section = "socket";
  accepted.global = true;
  accepted.insns = {{kMovImm, 0, 0, 0, 0}, {kExit, 0, 0, 0, 0}};
  FunctionSpec rejected;
  rejected.name = "dup";
  rejected.section = "xdp";
  rejected.global = true;
  rejected.insns = {{kMovImm, 1, 0, 0, 1}, {kMovImm, 2, 0, 0, 2}, {kExit, 0, 0, 0, 0}};
  spec.functions = {accepted, rejected};
  spec.programs.push_back(ProgramSpec{"dup", "socket", 0, BPF_PROG_TYPE_SOCKET_FILTER});
  spec.programs.push_back(ProgramSpec{"dup", "xdp", 1, BPF_PROG_TYPE_XDP});
  return spec;
}

// Results are tied to programs by index: an accepted and a rejected program, each with its
// own section, type, verdict and counts.
TEST(VerifyKernel, EachProgramGetsItsOwnResultByIndex) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = two_programs_named_alike();
  spec.functions[1].name = "other";
  spec.programs[1].name = "other";
  auto reports = verify_object(spec, {});
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  ASSERT_EQ(reports->size(), 2u);
  const ProgramResult& socket = (*reports)[0].result;
  const ProgramResult& xdp = (*reports)[1].result;
  EXPECT_EQ(socket.program, 0u);
  EXPECT_EQ(socket.section, "socket");
  EXPECT_EQ(socket.type, uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
  EXPECT_TRUE(socket.loaded) << socket.error << "\n" << socket.verifier_log;
  EXPECT_EQ(socket.insns, 2u);
  EXPECT_EQ(socket.stats.insns_processed, 2u);

  EXPECT_EQ(xdp.program, 1u);
  EXPECT_EQ(xdp.section, "xdp");
  EXPECT_EQ(xdp.type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_FALSE(xdp.loaded);
  EXPECT_EQ(xdp.insns, 3u);
  EXPECT_NE(xdp.verifier_log.find("R0 !read_ok"), std::string::npos) << xdp.verifier_log;
  EXPECT_EQ((*reports)[1].failed_insn, std::optional<uint32_t>(2));
  EXPECT_FALSE((*reports)[0].failed_insn.has_value());
}

// Names are unique by rule (tail-call slots, pins and --type address programs by name), so
// an object with two programs of one name is refused before anything loads, naming both.
TEST(VerifyKernel, TwoProgramsWithTheSameNameAreRefusedNamingBothSections) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = two_programs_named_alike();
  auto reports = verify_object(spec, {});
  ASSERT_FALSE(reports.ok());
  EXPECT_NE(reports.error().message.find("'dup' is used twice"), std::string::npos) << reports.error().message;
  EXPECT_NE(reports.error().message.find("section 'socket'"), std::string::npos);
  EXPECT_NE(reports.error().message.find("section 'xdp'"), std::string::npos);
}

}  // namespace
}  // namespace bpfload
