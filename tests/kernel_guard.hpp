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

/// True when `tool` is an executable on PATH.
bool tool_installed(const std::string& tool);

}  // namespace bpfload::test

/// The text every allowed skip message starts with: the running kernel lacks a feature
/// (no kprobes, fentry/fexit/lsm refused). tools/check counts these as skips even under
/// BPFLOAD_REQUIRE_KERNEL=1, where every other skip is a failure; keep the two in sync.
#define BPFLOAD_KERNEL_FEATURE_MISSING_MARKER "kernel feature missing: "

/// Skips the current test because the kernel lacks a feature it needs, e.g.
/// `BPFLOAD_SKIP_MISSING_KERNEL_FEATURE("no kprobes (CONFIG_KPROBES)");`. The only skip
/// allowed under BPFLOAD_REQUIRE_KERNEL=1. Must be used in a function returning void.
#define BPFLOAD_SKIP_MISSING_KERNEL_FEATURE(reason) \
  GTEST_SKIP() << BPFLOAD_KERNEL_FEATURE_MISSING_MARKER << (reason)

/// Skips (or, under BPFLOAD_REQUIRE_KERNEL=1, fails) because a tool the test needs is
/// missing; tools/install-deps installs every such tool.
#define BPFLOAD_REQUIRE_TOOL_OR_SKIP(tool)                                                \
  do {                                                                                    \
    if (!::bpfload::test::tool_installed(tool)) {                                         \
      if (::bpfload::test::kernel_required())                                             \
        FAIL() << "BPFLOAD_REQUIRE_KERNEL=1 but " << (tool)                               \
               << " is not installed (tools/install-deps installs it)";                   \
      GTEST_SKIP() << (tool) << " is not installed (tools/install-deps installs it)";     \
    }                                                                                     \
  } while (0)

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
