// FaultInjectingKernel: the chosen call fails with the chosen errno without reaching
// the inner kernel; every other call passes through; counts and names are exact.
#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/kernel.hpp"
#include "fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

// Succeeds at everything and counts what reached it.
class CountingKernel final : public Kernel {
 public:
  std::atomic<int> reached{0};
  Result<Fd> map_create(const MapCreateRequest&) override { return bump(Fd()); }
  Status map_update(int, std::span<const std::byte>, std::span<const std::byte>, uint64_t) override {
    return bump_status();
  }
  Status map_lookup(int, std::span<const std::byte>, std::span<std::byte>) override { return bump_status(); }
  Status map_delete(int, std::span<const std::byte>) override { return bump_status(); }
  Result<bool> map_next_key(int, std::span<const std::byte>, std::span<std::byte>) override {
    return bump(false);
  }
  Status map_freeze(int) override { return bump_status(); }
  Result<MapInfo> map_info(int) override { return bump(MapInfo{}); }
  ProgLoadOutcome prog_load(const ProgLoadRequest&) override {
    ++reached;
    ProgLoadOutcome outcome;
    outcome.log_true_size = 99;
    return outcome;
  }
  Result<ProgInfo> prog_info(int) override { return bump(ProgInfo{}); }
  Result<TestRunOutcome> prog_test_run(const TestRunRequest&) override { return bump(TestRunOutcome{}); }
  Result<Fd> btf_load(std::span<const std::byte>, std::span<char>) override { return bump(Fd()); }
  Status obj_pin(int, const std::string&) override { return bump_status(); }
  Result<Fd> obj_get(const std::string&) override { return bump(Fd()); }
  Status unpin(const std::string&) override { return bump_status(); }
  System& system() override { return host_system(); }

 private:
  template <typename T>
  Result<T> bump(T value) {
    ++reached;
    return Result<T>(std::move(value));
  }
  Status bump_status() {
    ++reached;
    return {};
  }
};

TEST(FaultInjectingKernel, NthCallFailsWithoutReachingInner) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_call(2, EPERM);

  EXPECT_TRUE(kernel.map_create({}).ok());
  MapCreateRequest request;
  request.name = "counters";
  auto second = kernel.map_create(request);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(second.error().sys_errno, EPERM);
  EXPECT_NE(second.error().message.find("(injected)"), std::string::npos);
  EXPECT_NE(second.error().message.find("'counters'"), std::string::npos);
  EXPECT_TRUE(kernel.map_freeze(3).ok());

  EXPECT_EQ(inner.reached.load(), 2);
  EXPECT_EQ(kernel.calls(), 3u);
  EXPECT_EQ(kernel.call_names(), (std::vector<std::string>{"map_create", "map_create", "map_freeze"}));
}

TEST(FaultInjectingKernel, ProgLoadFailureIsAnOutcome) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_call(1, EACCES);
  ProgLoadOutcome failed = kernel.prog_load({});
  EXPECT_FALSE(failed.fd.valid());
  EXPECT_EQ(failed.sys_errno, EACCES);
  EXPECT_EQ(failed.log_true_size, 0u);
  EXPECT_EQ(inner.reached.load(), 0);
  ProgLoadOutcome passed = kernel.prog_load({});
  EXPECT_EQ(passed.log_true_size, 99u);  // came from the inner kernel
  EXPECT_EQ(inner.reached.load(), 1);
}

TEST(FaultInjectingKernel, UnpinIsNeitherCountedNorFailed) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_call(1, EIO);
  EXPECT_TRUE(kernel.unpin("/sys/fs/bpf/x").ok());
  EXPECT_EQ(kernel.calls(), 0u);
  EXPECT_EQ(inner.reached.load(), 1);
  Status pin = kernel.obj_pin(1, "/sys/fs/bpf/x");
  ASSERT_FALSE(pin.ok());
  EXPECT_EQ(pin.error().sys_errno, EIO);
  EXPECT_EQ(kernel.calls(), 1u);
}

TEST(FaultInjectingKernel, EveryMethodCanFail) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  for (size_t n = 1; n <= 13; ++n) kernel.fail_call(n, ENOMEM);
  std::byte buffer[8]{};
  char log[8]{};
  EXPECT_EQ(kernel.map_create({}).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_update(1, buffer, buffer, 0).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_lookup(1, buffer, buffer).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_delete(1, buffer).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_next_key(1, {}, buffer).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_freeze(1).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.map_info(1).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.prog_load({}).sys_errno, ENOMEM);
  EXPECT_EQ(kernel.prog_info(1).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.prog_test_run({}).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.btf_load(buffer, log).error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.obj_pin(1, "/p").error().sys_errno, ENOMEM);
  EXPECT_EQ(kernel.obj_get("/p").error().sys_errno, ENOMEM);
  EXPECT_EQ(inner.reached.load(), 0);
  EXPECT_EQ(kernel.calls(), 13u);
  EXPECT_EQ(kernel.call_names(),
            (std::vector<std::string>{"map_create", "map_update", "map_lookup", "map_delete",
                                      "map_next_key", "map_freeze", "map_info", "prog_load",
                                      "prog_info", "prog_test_run", "btf_load", "obj_pin",
                                      "obj_get"}));
}

TEST(FaultInjectingKernel, NamedCallFailure) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_named_call("obj_pin", 2, EEXIST);
  EXPECT_TRUE(kernel.map_create({}).ok());
  EXPECT_TRUE(kernel.obj_pin(1, "/a").ok());
  EXPECT_TRUE(kernel.map_create({}).ok());
  Status second_pin = kernel.obj_pin(1, "/b");
  ASSERT_FALSE(second_pin.ok());
  EXPECT_EQ(second_pin.error().sys_errno, EEXIST);
  EXPECT_NE(second_pin.error().message.find("'/b'"), std::string::npos);
  EXPECT_EQ(kernel.calls_named("obj_pin"), 2u);
  EXPECT_EQ(kernel.calls_named("map_create"), 2u);
  EXPECT_EQ(kernel.calls_named("prog_load"), 0u);
}

TEST(FaultInjectingKernel, ResetForgetsEverything) {
  CountingKernel inner;
  FaultInjectingKernel kernel(inner);
  kernel.fail_call(2, EPERM);
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
  kernel.fail_call(57, EBUSY);
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
  kernel.fail_call(2, ENOSPC);
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "fij";
  request.key_size = 4;
  request.value_size = 4;
  request.max_entries = 1;
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
  }
  EXPECT_EQ(kernel.calls(), 3u);
  EXPECT_EQ(test::open_fd_count(), before);
}

}  // namespace
}  // namespace bpfload
