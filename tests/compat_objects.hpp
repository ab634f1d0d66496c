// The objects of bpf_progs/compat/ (issue 23): each source built by clang 14 (NAME.o) and
// clang 19 (NAME.clang19.o). Tests take every build of a source, so a difference between
// the compilers shows.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_guard.hpp"

/// Skips (fails under BPFLOAD_REQUIRE_KERNEL=1) when bpf_progs/compat/ was not built:
/// it needs /sys/kernel/btf/vmlinux and bpftool at build time, as bpf_progs/modern/ does.
#define BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP()                                              \
  do {                                                                                        \
    if (!BPFLOAD_COMPAT_OBJECTS_BUILT) {                                                      \
      if (::bpfload::test::kernel_required()) FAIL() << "bpf_progs/compat was not built (no vmlinux BTF?)"; \
      GTEST_SKIP() << "bpf_progs/compat needs /sys/kernel/btf/vmlinux and bpftool at build time"; \
    }                                                                                         \
  } while (0)

namespace bpfload::test {

/// Paths of every build of bpf_progs/compat/NAME.bpf.c that exists (clang 14, clang 19);
/// fails the test when none does.
std::vector<std::string> compat_object_builds(const std::string& name);

/// The compiler a build came from, for SCOPED_TRACE: "clang 14" or "clang 19".
std::string compat_compiler_of(const std::string& path);

}  // namespace bpfload::test
