// Skipping kernel tests honestly: skip with the reason when bpf() is not allowed,
// fail instead when BPFLOAD_REQUIRE_KERNEL=1 (CI must never pass by skipping).
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace bpfload::test {

/// Empty when this process can create BPF maps and load programs and /sys/fs/bpf is a
/// bpffs (mounting it when it is not); otherwise the reason it cannot.
const std::string& kernel_unavailable_reason();

/// True when BPFLOAD_REQUIRE_KERNEL=1.
bool kernel_required();

}  // namespace bpfload::test

/// First statement of every kernel test.
#define BPFLOAD_REQUIRE_KERNEL_OR_SKIP()                                                  \
  do {                                                                                    \
    const std::string& bpfload_reason_ = ::bpfload::test::kernel_unavailable_reason();    \
    if (!bpfload_reason_.empty()) {                                                       \
      if (::bpfload::test::kernel_required())                                             \
        FAIL() << "BPFLOAD_REQUIRE_KERNEL=1 but the kernel is unavailable: "              \
               << bpfload_reason_;                                                        \
      GTEST_SKIP() << "kernel unavailable: " << bpfload_reason_;                          \
    }                                                                                     \
  } while (0)
