// .kconfig externs, kfunc calls and ksyms in the real kernel: externs_kconfig.o loads with
// the values bpfload read (uname, /proc/config.gz) and its bpf_rcu_read_lock/unlock calls
// resolved in vmlinux BTF; externs_ksyms.o with _stext's address from /proc/kallsyms and
// its weak missing ksyms NULL and weak missing kfunc poisoned behind bpf_ksym_exists().
// Each runs once, and what it wrote is compared with what the test reads itself.
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
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

// A non-weak CONFIG_ option the running kernel's configuration does not set: libbpf
// refuses the load, naming it, and so does bpfload (the object marks it __weak; the spec,
// plain values, is changed to make it strong).
TEST(LoadExterns, StrongConfigOptionTheKernelDoesNotSetIsRefusedNamingIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("externs_kconfig.o");
  bool found = false;
  for (ExternSpec& external : spec.externs) {
    if (external.name != "CONFIG_BPFLOAD_NO_SUCH_OPTION") continue;
    EXPECT_TRUE(external.weak);
    external.weak = false;
    found = true;
  }
  ASSERT_TRUE(found);
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().kind, ErrorKind::NotFound);
  EXPECT_NE(object.error().message.find("'CONFIG_BPFLOAD_NO_SUCH_OPTION'"), std::string::npos)
      << object.error().message;
  EXPECT_NE(object.error().message.find("__weak"), std::string::npos) << object.error().message;
}

// Mirrors struct ksym_results in bpf_progs/externs_ksyms.c.
struct KsymResults {
  uint64_t stext;
  uint64_t missing;
  uint64_t missing_typed;
  uint64_t missing_kfunc_called;
  uint64_t lock_exists;
  uint64_t ran;
};

// The address /proc/kallsyms gives `symbol`, read here independently of bpfload.
uint64_t kallsyms_address(const std::string& symbol) {
  std::ifstream kallsyms("/proc/kallsyms");
  std::string line;
  while (std::getline(kallsyms, line)) {
    std::istringstream fields(line);
    std::string address, type, name;
    fields >> address >> type >> name;
    if (name == symbol) return std::stoull(address, nullptr, 16);
  }
  return 0;
}

TEST(LoadExterns, UntypedKsymIsTheKallsymsAddressAndWeakMissingOnesAreNull) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const uint64_t stext = kallsyms_address("_stext");
  ASSERT_NE(stext, 0u) << "/proc/kallsyms hides _stext's address (kptr_restrict)";
  ObjectSpec spec = parse_test_object("externs_ksyms.o");
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, LoadOptions{}, &report);
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;

  TestRunRequest run;
  run.prog_fd = object->program_fd("read_ksyms");
  run.repeat = 0;
  std::array<uint64_t, 2> context{};
  run.ctx_in = std::as_bytes(std::span(context));
  Result<TestRunOutcome> ran = system_kernel().prog_test_run(run);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  const KsymResults results = read_map<KsymResults>(object->map_fd(".bss"), 0);
  ASSERT_EQ(results.ran, 1u);
  EXPECT_EQ(results.stext, stext);
  EXPECT_EQ(results.missing, 0u) << "weak untyped ksym the kernel lacks";
  EXPECT_EQ(results.missing_typed, 0u) << "weak typed ksym the kernel lacks";
  EXPECT_EQ(results.missing_kfunc_called, 0u) << "bpf_ksym_exists() of a missing kfunc is false";
  EXPECT_EQ(results.lock_exists, 1u) << "bpf_ksym_exists(bpf_rcu_read_lock) on a kernel that has it";
}

}  // namespace
}  // namespace bpfload::test
