// A load through the C API, with each of its kernel calls failed in turn: every failure
// is an error value on the object (kind, errno, a message naming what failed), and once
// the object is closed no fd, pin or directory of the load is left.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/bpfload.h"
#include "capi_testing.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

/// Opens legacy_iproute2.o through the C API and loads it through `kernel` with pins
/// below `pin_root`. Returns the load's status; the object stays open in *object.
bpfload_status open_and_load(Kernel& kernel, const std::string& pin_root, bpfload_object** object) {
  if (bpfload_object_open_file(bpf_object("legacy_iproute2.o").c_str(), nullptr, object) != BPFLOAD_OK) {
    ADD_FAILURE() << bpfload_object_error(nullptr)->message;
    return BPFLOAD_ERR_INTERNAL;
  }
  capi::use_kernel_for_testing(*object, &kernel);
  const std::string pin_dir = pin_root + "/app";
  bpfload_load_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.pin_root = pin_root.c_str();
  opts.pin_dir = pin_dir.c_str();
  opts.parallelism = 1;  // one call order, so "the n-th call" is the same call every time
  return bpfload_object_load(*object, &opts);
}

TEST(CapiFaultInjection, EveryFailedKernelCallOfALoadLeavesNothingBehind) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  FaultInjectingKernel kernel(system_kernel());
  const std::vector<std::string> tree_before = tree_below(pins.path());
  const size_t baseline = open_fd_count();
  // The BTF feature probe runs once per Kernel, in its first load: done now, so every
  // load of the sweep makes the same calls.
  (void)kernel.btf_features();
  kernel.reset();

  size_t total_calls = 0;
  {
    bpfload_object* object = nullptr;
    ASSERT_EQ(open_and_load(kernel, pins.path(), &object), BPFLOAD_OK) << bpfload_object_error(object)->message;
    total_calls = kernel.calls();
    int fd = -1;
    EXPECT_EQ(bpfload_object_program_fd(object, "cls_entry", &fd), BPFLOAD_OK);
    bpfload_object_close(object);
  }
  EXPECT_EQ(open_fd_count(), baseline);
  ASSERT_NE(tree_below(pins.path()), tree_before) << "the clean load pinned nothing";
  // A successful load's pins belong to the caller: remove them for the sweep.
  for (const auto& entry : std::filesystem::directory_iterator(pins.path())) std::filesystem::remove_all(entry);
  ASSERT_EQ(tree_below(pins.path()), tree_before);
  ASSERT_GT(total_calls, 10u);

  size_t failed = 0;
  for (size_t n = 1; n <= total_calls; ++n) {
    for (const int err : {EPERM, ENOMEM}) {
      SCOPED_TRACE("failing kernel call " + std::to_string(n) + " with errno " + std::to_string(err));
      kernel.reset();
      kernel.fail_nth_call(n, err);
      bpfload_object* object = nullptr;
      const bpfload_status status = open_and_load(kernel, pins.path(), &object);
      if (status != BPFLOAD_OK) {
        ++failed;
        const bpfload_error* error = bpfload_object_error(object);
        EXPECT_EQ(error->kind, status);
        EXPECT_NE(error->sys_errno, 0) << error->message;
        EXPECT_NE(std::string(error->message), "");
        int fd = -1;
        EXPECT_EQ(bpfload_object_map_fd(object, "tc_marks", &fd), BPFLOAD_ERR_INVALID_ARGUMENT)
            << "a failed load must not offer maps";
      }
      bpfload_object_close(object);
      EXPECT_EQ(open_fd_count(), baseline) << "fds leaked";
      if (status == BPFLOAD_OK)  // recovered by design (log retry, BTF fallback): pins are the caller's
        for (const auto& entry : std::filesystem::directory_iterator(pins.path())) std::filesystem::remove_all(entry);
      EXPECT_EQ(tree_below(pins.path()), tree_before) << "pins or directories left behind";
    }
  }
  std::printf("C API fault injection: %zu kernel calls per load, %zu of %zu failure points rolled back\n",
              total_calls, failed, 2 * total_calls);
  EXPECT_GT(failed, total_calls);
}

TEST(CapiFaultInjection, FailedMapOperationIsAKernelErrorWithErrno) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  FaultInjectingKernel kernel(system_kernel());
  bpfload_object* object = nullptr;
  ASSERT_EQ(open_and_load(kernel, pins.path(), &object), BPFLOAD_OK) << bpfload_object_error(object)->message;
  kernel.reset();
  kernel.fail_nth("map_lookup", 1, EFAULT);
  const uint32_t key = 1;
  uint32_t value = 0;
  EXPECT_EQ(bpfload_map_lookup(object, "tc_marks", &key, sizeof key, &value, sizeof value, nullptr),
            BPFLOAD_ERR_KERNEL);
  EXPECT_EQ(bpfload_object_error(object)->sys_errno, EFAULT);
  EXPECT_NE(std::string(bpfload_object_error(object)->message).find("map 'tc_marks'"), std::string::npos)
      << bpfload_object_error(object)->message;
  bpfload_object_close(object);
  for (const auto& entry : std::filesystem::directory_iterator(pins.path())) std::filesystem::remove_all(entry);
}

}  // namespace
}  // namespace bpfload::test
