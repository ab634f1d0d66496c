// FaultInjectingKernel, the one decorator: the chosen call fails with the chosen errno
// without reaching the inner kernel; every other call, of every kind, passes through;
// counts and names are exact.
#include <atomic>
#include <mutex>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

// Succeeds at everything and records which kinds reached it.
class CountingKernel final : public Kernel {
 public:
  std::atomic<int> reached{0};
  std::vector<OpKind> kinds;

  Status call(KernelOp& op) override {
    ++reached;
    {
      std::lock_guard lock(mutex_);
      kinds.push_back(op_kind(op));
    }
    if (auto* load = std::get_if<op::ProgLoad>(&op)) load->log_true_size = 99;
    return {};
  }

 private:
  std::mutex mutex_;
};

/// One default op of every kind, in kind order.
template <size_t... I>
std::vector<KernelOp> every_op(std::index_sequence<I...>) {
  std::vector<KernelOp> ops;
  (ops.emplace_back(std::in_place_index<I>), ...);
  return ops;
}
std::vector<KernelOp> every_op() { return every_op(std::make_index_sequence<kOpKindCount>()); }

TEST(FaultInjectingKernel, NthCallFailsWithoutReachingInner) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth_call(2, EPERM);

  EXPECT_TRUE(kernel.map_create({}).ok());
  MapCreateRequest request;
  request.name = "counters";
  auto second = kernel.map_create(request);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(second.error().sys_errno, EPERM);
  EXPECT_NE(second.error().message.find("(injected)"), std::string::npos);
  EXPECT_NE(second.error().message.find("map_create counters"), std::string::npos) << second.error().message;
  EXPECT_TRUE(kernel.map_freeze(3).ok());

  EXPECT_EQ(inner.reached.load(), 2);
  EXPECT_EQ(kernel.calls(), 3u);
  EXPECT_EQ(kernel.injected(), 1u);
  EXPECT_EQ(kernel.call_names(), (std::vector<std::string>{"map_create", "map_create", "map_freeze"}));
}

TEST(FaultInjectingKernel, ProgLoadFailureIsAnOutcome) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth_call(1, EACCES);
  ProgLoadOutcome failed = kernel.prog_load({});
  EXPECT_FALSE(failed.fd.valid());
  EXPECT_EQ(failed.sys_errno, EACCES);
  EXPECT_EQ(failed.log_true_size, 0u);
  EXPECT_EQ(inner.reached.load(), 0);
  ProgLoadOutcome passed = kernel.prog_load({});
  EXPECT_EQ(passed.log_true_size, 99u);  // came from the inner kernel
  EXPECT_EQ(inner.reached.load(), 1);
}

TEST(FaultInjectingKernel, CleanupCallsAreCountedAndCanFailToo) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth_call(1, EIO);
  Status unpinned = kernel.unpin("/sys/fs/bpf/x");
  ASSERT_FALSE(unpinned.ok()) << "a sweep must reach the rollback's own calls";
  EXPECT_EQ(unpinned.error().sys_errno, EIO);
  EXPECT_TRUE(kernel.remove_directory("/sys/fs/bpf").ok());
  EXPECT_EQ(kernel.calls(), 2u);
  EXPECT_EQ(inner.reached.load(), 1);
}

TEST(FaultInjectingKernel, EveryKindPassesThroughAndEveryKindCanFail) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  std::vector<KernelOp> ops = every_op();
  ASSERT_EQ(ops.size(), kOpKindCount);
  for (KernelOp& op : ops) EXPECT_TRUE(kernel.call(op).ok()) << op_name(op);
  ASSERT_EQ(inner.kinds.size(), kOpKindCount) << "the decorator missed a call";
  for (OpKind kind = 0; kind < kOpKindCount; ++kind) EXPECT_EQ(inner.kinds[kind], kind);

  kernel.reset();
  for (OpKind kind = 0; kind < kOpKindCount; ++kind) kernel.fail_every(op_name(kind), ENOMEM);
  for (KernelOp& op : ops) {
    Status failed = kernel.call(op);
    ASSERT_FALSE(failed.ok()) << op_name(op);
    EXPECT_EQ(failed.error().sys_errno, ENOMEM);
    EXPECT_NE(failed.error().message.find(std::string(op_name(op))), std::string::npos) << failed.error().message;
  }
  EXPECT_EQ(inner.reached.load(), static_cast<int>(kOpKindCount));
  EXPECT_EQ(kernel.injected(), kOpKindCount);
  std::vector<std::string> names;
  for (OpKind kind = 0; kind < kOpKindCount; ++kind) names.emplace_back(op_name(kind));
  EXPECT_EQ(kernel.call_names(), names);
}

TEST(FaultInjectingKernel, NthCallOfAKindFailsAndNamesItsArgument) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth("obj_pin", 2, EEXIST);
  EXPECT_TRUE(kernel.map_create({}).ok());
  EXPECT_TRUE(kernel.obj_pin(1, "/a").ok());
  EXPECT_TRUE(kernel.map_create({}).ok());
  Status second_pin = kernel.obj_pin(1, "/b");
  ASSERT_FALSE(second_pin.ok());
  EXPECT_EQ(second_pin.error().sys_errno, EEXIST);
  EXPECT_NE(second_pin.error().message.find("obj_pin /b"), std::string::npos) << second_pin.error().message;
  EXPECT_TRUE(kernel.obj_pin(1, "/c").ok());
  EXPECT_EQ(kernel.calls_of("obj_pin"), 3u);
  EXPECT_EQ(kernel.calls_of("map_create"), 2u);
  EXPECT_EQ(kernel.calls_of("prog_load"), 0u);
}

TEST(FaultInjectingKernel, EveryCallOfAKindFails) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_every("link_create", EOPNOTSUPP);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(kernel.link_create({}).error().sys_errno, EOPNOTSUPP);
  EXPECT_TRUE(kernel.link_detach(1).ok());
  EXPECT_EQ(inner.reached.load(), 1);
}

TEST(FaultInjectingKernel, AnUnknownKindIsRefusedLoudly) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  EXPECT_THROW(kernel.fail_nth("map_craete", 1, EPERM), std::invalid_argument);
  EXPECT_THROW(kernel.fail_every("", EPERM), std::invalid_argument);
}

TEST(FaultInjectingKernel, InjectedFailuresHaveTheKindARealFailureHas) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_every("read_file", EACCES);
  kernel.fail_every("possible_cpus", ENOENT);
  EXPECT_EQ(kernel.read_file("/proc/kallsyms", 1).error().kind, ErrorKind::Io);
  EXPECT_EQ(kernel.possible_cpus().error().kind, ErrorKind::Io);
}

TEST(FaultInjectingKernel, ResetForgetsEverything) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth_call(2, EPERM);
  EXPECT_TRUE(kernel.map_freeze(1).ok());
  kernel.reset();
  EXPECT_EQ(kernel.calls(), 0u);
  EXPECT_TRUE(kernel.call_names().empty());
  EXPECT_TRUE(kernel.map_freeze(1).ok());
  EXPECT_TRUE(kernel.map_freeze(1).ok());  // the planned failure is gone
  EXPECT_EQ(kernel.calls(), 2u);
}

TEST(FaultInjectingKernel, ConcurrentCallsAreAllCountedAndExactlyOneFails) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_nth_call(57, EBUSY);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!kernel.map_freeze(1).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(kernel.calls(), 200u);
  EXPECT_EQ(kernel.call_names().size(), 200u);
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(inner.reached.load(), 199);
}

TEST(FaultInjectingKernel, WrapsTheRealKernel) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  FaultInjectingKernel kernel(system_kernel());
  kernel.fail_nth_call(2, ENOSPC);
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "fij";
  request.key_size = 4;
  request.value_size = 4;
  request.max_entries = 1;
  request.flags = BPF_F_MMAPABLE;
  const size_t before = test::open_fd_count();
  {
    auto first = kernel.map_create(request);
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto second = kernel.map_create(request);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().sys_errno, ENOSPC);
    EXPECT_EQ(test::open_fd_count(), before + 1);  // the injected failure opened nothing
    auto info = kernel.map_info(first->get());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->name, "fij");
    // What a decorator used to miss: the write through the map's shared mapping.
    const uint16_t bytes = 0x0102;
    ASSERT_TRUE(kernel.map_write_value_bytes(first->get(), 4, 2, std::as_bytes(std::span(&bytes, 1))).ok());
    EXPECT_EQ(kernel.calls_of("map_write_value"), 1u);
    uint32_t value = 0;
    const uint32_t key = 0;
    ASSERT_TRUE(kernel.map_lookup(first->get(), std::as_bytes(std::span(&key, 1)),
                                  std::as_writable_bytes(std::span(&value, 1))).ok());
    EXPECT_EQ(value, 0x01020000u);
  }
  EXPECT_EQ(kernel.calls(), 5u);
  EXPECT_EQ(test::open_fd_count(), before);
}

}  // namespace
}  // namespace bpfload
