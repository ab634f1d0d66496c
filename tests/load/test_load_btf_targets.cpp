// BTF-targeted programs in the real kernel: tp_btf and iter load with the attach_btf_id
// bpfload finds in vmlinux BTF, then run (a syscall of this process counted through the
// tp_btf program, an iterator read counting tasks). fentry is refused by some kernels
// even for root (EPERM): then the test says so and skips.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <bpf/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

// Mirrors struct btf_target_state in bpf_progs/btf_targets.c.
struct BtfTargetState {
  uint32_t watched_tgid;
  uint32_t pad;
  uint64_t sys_enter_hits;
  uint64_t tasks_seen;
};

TEST(LoadBtfTargets, TpBtfProgramLoadsWithItsTargetAndCountsThisProcessesSyscalls) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("btf_targets.o");
  LoadOptions options;
  options.only_programs = {"count_sys_enter"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  const int bss = object->map_fd(".bss");
  BtfTargetState state{};
  state.watched_tgid = static_cast<uint32_t>(getpid());
  ASSERT_TRUE(write_map(bss, 0, state).ok());

  const int link = bpf_raw_tracepoint_open(nullptr, object->program_fd("count_sys_enter"));
  ASSERT_GE(link, 0) << "attach tp_btf/sys_enter: " << std::strerror(errno);
  constexpr int kSyscalls = 20;
  for (int i = 0; i < kSyscalls; ++i) (void)getppid();
  close(link);
  const BtfTargetState after = read_map<BtfTargetState>(bss, 0);
  EXPECT_GE(after.sys_enter_hits, static_cast<uint64_t>(kSyscalls));
}

TEST(LoadBtfTargets, TaskIteratorLoadsWithItsTargetAndSeesTasks) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("btf_targets.o");
  LoadOptions options;
  options.only_programs = {"count_tasks"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  const int link = bpf_link_create(object->program_fd("count_tasks"), 0, BPF_TRACE_ITER, nullptr);
  ASSERT_GE(link, 0) << "link iter/task: " << std::strerror(errno);
  const int iter = bpf_iter_create(link);
  ASSERT_GE(iter, 0) << "bpf_iter_create: " << std::strerror(errno);
  char buffer[4096];
  ssize_t got = 0;
  while ((got = read(iter, buffer, sizeof(buffer))) > 0) {
  }
  EXPECT_EQ(got, 0) << std::strerror(errno);
  close(iter);
  close(link);
  const BtfTargetState after = read_map<BtfTargetState>(object->map_fd(".bss"), 0);
  EXPECT_GE(after.tasks_seen, 1u) << "the iterator visits at least this process";
}

TEST(LoadBtfTargets, FentryLoadsWithItsTargetWhereTheKernelAllowsIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("btf_targets.o");
  LoadOptions options;
  options.only_programs = {"on_unlinkat_entry"};
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, options, &report);
  if (!object.ok() && object.error().sys_errno == EPERM)
    BPFLOAD_SKIP_MISSING_KERNEL_FEATURE("this kernel refuses fentry programs (EPERM, as for libbpf)");
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  EXPECT_GE(object->program_fd("on_unlinkat_entry"), 0);
}

}  // namespace
}  // namespace bpfload::test
