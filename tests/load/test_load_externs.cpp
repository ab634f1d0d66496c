// .kconfig externs and kfunc calls in the real kernel: externs_kconfig.o loads with the
// values bpfload read (uname, /proc/config.gz) and its bpf_rcu_read_lock/unlock calls
// resolved in vmlinux BTF, runs once, and what it wrote is compared with what the test
// reads itself.
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

// Mirrors struct kconfig_results in bpf_progs/externs_kconfig.c.
struct KconfigResults {
  uint64_t kernel_version;
  uint64_t has_bpf_cookie;
  uint64_t bpf_syscall;
  uint64_t bpf_jit;
  uint64_t hz;
  uint64_t missing;
  char hostname[32];
  uint64_t ran;
};

// The value of `option` in /proc/config.gz as text, "" when not set.
std::string config_value(const std::string& option) {
  const CommandResult result =
      run_command("zcat /proc/config.gz 2>/dev/null | sed -n 's/^" + option + "=//p'");
  std::string value = result.out;
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

TEST(LoadExterns, KconfigValuesAndKfuncCallsAreTheRunningKernels) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  if (config_value("CONFIG_BPF_SYSCALL").empty()) GTEST_SKIP() << "no /proc/config.gz to compare with";
  ObjectSpec spec = parse_test_object("externs_kconfig.o");
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, LoadOptions{}, &report);
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  // The extern DATASECs and linkages are rewritten so the kernel takes the object's BTF.
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;

  TestRunRequest run;
  run.prog_fd = object->program_fd("read_kconfig");
  run.repeat = 0;
  std::array<uint64_t, 2> context{};
  run.ctx_in = std::as_bytes(std::span(context));
  Result<TestRunOutcome> ran = system_kernel().prog_test_run(run);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  const KconfigResults results = read_map<KconfigResults>(object->map_fd(".bss"), 0);
  ASSERT_EQ(results.ran, 1u);

  utsname name{};
  ASSERT_EQ(uname(&name), 0);
  unsigned major = 0, minor = 0, patch = 0;
  ASSERT_GE(std::sscanf(name.release, "%u.%u.%u", &major, &minor, &patch), 2);
  EXPECT_EQ(results.kernel_version, (major << 16) | (minor << 8) | std::min(patch, 255u));
  EXPECT_EQ(results.bpf_syscall, 1u);
  const std::string jit = config_value("CONFIG_BPF_JIT");
  EXPECT_EQ(results.bpf_jit, jit == "y" ? 1u : jit == "m" ? 2u : 0u);
  const std::string hz = config_value("CONFIG_HZ");
  EXPECT_EQ(results.hz, hz.empty() ? 0u : std::stoull(hz));
  EXPECT_EQ(results.missing, 0u);
  std::string hostname = config_value("CONFIG_DEFAULT_HOSTNAME");
  if (hostname.size() >= 2) hostname = hostname.substr(1, hostname.size() - 2);
  EXPECT_EQ(std::string(results.hostname), hostname);
  EXPECT_EQ(results.has_bpf_cookie, 1u) << "this kernel is newer than 5.15";
}

}  // namespace
}  // namespace bpfload::test
