// What externs are resolved from, as plain data (core layer): the running kernel's facts
// for `.kconfig` and kernel symbol addresses for untyped `.ksyms`. The kernel layer reads
// them (kernel_facts.hpp, kallsyms.hpp); the relocate layer resolves externs with them
// (externs.hpp). Neither layer sees the other.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <map>
#include <string>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// What `.kconfig` externs read.
struct KernelFacts {
  uint32_t version_code = 0;  ///< LINUX_KERNEL_VERSION (KERNEL_VERSION(a, b, c))
  /// The kernel's configuration, "CONFIG_BPF" -> "y", "m", "123", "\"text\"" (quotes kept,
  /// as in the file); options that are not set are absent.
  std::map<std::string, std::string> config;
  bool has_bpf_cookie = false;        ///< LINUX_HAS_BPF_COOKIE (bpf_get_attach_cookie, 5.15+)
  bool has_syscall_wrapper = false;   ///< LINUX_HAS_SYSCALL_WRAPPER (__x64_sys_* style symbols)
};

/// Addresses of kernel symbols, for untyped `.ksyms` externs (`extern const void x __ksym;`),
/// as /proc/kallsyms lists them (read_kallsyms in kallsyms.hpp).
struct KernelSymbols {
  std::string origin;                        ///< where they were read, for messages
  std::map<std::string, uint64_t> addresses;  ///< only the names asked for; absent: not listed
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
