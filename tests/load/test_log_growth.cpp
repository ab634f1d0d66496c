// The log-size rules of program loading, against a kernel that reports ENOSPC on cue:
// at most two verifier runs when the kernel reports the log's size (6.4+), the second
// sized exactly, or none with a log when it exceeds LoadOptions::log_limit.
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

/// The system kernel, except that the first prog_load calls answer from a script:
/// ENOSPC with a given log_true_size (0: not reported) after writing a partial log.
/// Built on the testing library's one decorator: every prog_load is answered here.
class ScriptedLogKernel {
 public:
  struct Step {
    uint32_t log_true_size = 0;
  };
  explicit ScriptedLogKernel(std::deque<Step> script) : script_(std::move(script)) {
    decorator_.answer_every("prog_load", [this](KernelOp& any, Kernel& inner) -> Status {
      const ProgLoadRequest& request = std::get<op::ProgLoad>(any).request;
      {
        std::lock_guard lock(mutex_);
        log_sizes.push_back(request.log_buf.size());
        log_levels.push_back(request.log_level);
        if (!script_.empty() && !request.log_buf.empty()) {
          const Step step = script_.front();
          script_.pop_front();
          const char partial[] = "0: (b7) r0 = 0\n";
          std::memcpy(request.log_buf.data(), partial, std::min(sizeof(partial), request.log_buf.size()));
          std::get<op::ProgLoad>(any).log_true_size = step.log_true_size;
          return make_error(ErrorKind::Kernel, "bpf(PROG_LOAD): scripted ENOSPC", ENOSPC);
        }
      }
      return inner.call(any);
    });
  }

  Kernel& kernel() { return decorator_; }

  std::vector<size_t> log_sizes;    ///< buffer size of every prog_load
  std::vector<uint32_t> log_levels; ///< log level of every prog_load

 private:
  FaultInjectingKernel decorator_{system_kernel()};
  std::mutex mutex_;
  std::deque<Step> script_;
};

ProgramResult load_with(ScriptedLogKernel& kernel, uint32_t log_level) {
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel.kernel();
  options.log_level = log_level;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_libbpf.o"), options, &report);
  EXPECT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(report.programs.size(), 1u);
  return report.programs.empty() ? ProgramResult{} : report.programs[0];
}

TEST(LogGrowth, GrowsToTheSizeTheKernelReports) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{{200000}});
  const ProgramResult program = load_with(kernel, kLogLevel1);
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{64 * 1024, 200000}));
  EXPECT_EQ(program.load_attempts, 2u);
  // The last (real) load reports its own need, which at level 1 exceeds the kept log.
  EXPECT_NE(program.log_true_size, 200000u);
  EXPECT_GE(program.log_true_size, program.verifier_log.size() + 1);
  EXPECT_FALSE(program.log_truncated);
  EXPECT_TRUE(program.stats.present) << "the final log should be the real, complete one";
}

TEST(LogGrowth, WithoutASizeGrowsOnceToTheLimitThenLoadsWithoutALog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // A kernel before 6.4 says no size: one run with the most the limit allows, then, the
  // log still not fitting, one run without a log for the verdict.
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{{0}, {0}});
  const ProgramResult program = load_with(kernel, kLogLevel2);
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{1u << 20, 16u << 20, 0}));
  EXPECT_EQ(program.load_attempts, 3u);
  EXPECT_TRUE(program.loaded);
  EXPECT_TRUE(program.log_truncated);
}

TEST(LogGrowth, ALogOverTheLimitKeepsWhatFitAndTakesTwoRuns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // The kernel needs 200000 bytes; the limit is 100000: no second run with a log.
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{{200000}});
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel.kernel();
  options.log_level = kLogLevel1;
  options.log_limit = 100000;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_libbpf.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  ASSERT_EQ(report.programs.size(), 1u);
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{64 * 1024, 0}));
  EXPECT_EQ(report.programs[0].load_attempts, 2u);
  EXPECT_TRUE(report.programs[0].log_truncated);
  EXPECT_EQ(report.programs[0].log_true_size, 200000u);
}

TEST(LogGrowth, NoLimitGrowsToTheReportedSizeHoweverBig) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{{40u << 20}});
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel.kernel();
  options.log_level = kLogLevel1;
  options.log_limit = 0;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_libbpf.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{64 * 1024, 40u << 20}));
  EXPECT_EQ(report.programs[0].load_attempts, 2u);
  EXPECT_FALSE(report.programs[0].log_truncated);
}

TEST(LogGrowth, ARefusalWhoseLogOverflowsKeepsTheVerdictOfTheFirstRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // No log asked: the first run (no log) says EACCES; the run for the log overflows.
  TempBpffsDir pins;
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{{500000}});
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel.kernel();
  options.log_limit = 100000;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("reject_oob.o"), options, &report);
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(report.programs.size(), 1u);
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{0, 64 * 1024}));
  EXPECT_EQ(report.programs[0].load_attempts, 2u);
  EXPECT_EQ(report.programs[0].sys_errno, EACCES);
  EXPECT_TRUE(report.programs[0].log_truncated);
}

TEST(LogGrowth, LevelZeroFailureIsRetriedWithALog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  ScriptedLogKernel kernel(std::deque<ScriptedLogKernel::Step>{});
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel.kernel();
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("reject_oob.o"), options, &report);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(kernel.log_levels, (std::vector<uint32_t>{0, kLogLevel1}));
  EXPECT_EQ(kernel.log_sizes, (std::vector<size_t>{0, 64 * 1024}));
  EXPECT_FALSE(loaded.error().verifier_log.empty());
}

}  // namespace
}  // namespace bpfload::test
