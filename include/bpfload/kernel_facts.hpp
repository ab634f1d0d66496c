// The running kernel's version and configuration, for `.kconfig` externs.
#pragma once

#include "bpfload/export.h"

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers make no system calls: do not include the kernel facts reader"
#endif

#include "bpfload/extern_inputs.hpp"
#include "bpfload/result.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/system.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Parses kernel configuration text (the contents of /proc/config.gz or /boot/config-*):
/// "CONFIG_X=value" lines; comments ("# CONFIG_X is not set") and blank lines are skipped.
[[nodiscard]] std::map<std::string, std::string> parse_kernel_config(std::string_view text);

/// Reads through `kernel` what `.kconfig` externs ask for: the release
/// (LINUX_KERNEL_VERSION), the configuration from /proc/config.gz, else
/// /boot/config-<release> (gzip or plain; an empty configuration when neither exists:
/// every CONFIG_ extern is then 0), and the features libbpf derives (LINUX_HAS_BPF_COOKIE
/// from 5.15, LINUX_HAS_SYSCALL_WRAPPER when `kallsyms_path` lists __x64_sys_bpf,
/// __arm64_sys_bpf or __s390x_sys_bpf). Fails with Kernel when the release cannot be read,
/// Io when a configuration file exists but cannot be read or decompressed, LimitExceeded
/// when it is implausibly large.
[[nodiscard]] Result<KernelFacts> read_kernel_facts(Kernel& kernel = system_kernel(),
                                                    const std::string& kallsyms_path = "/proc/kallsyms");

}  // namespace bpfload
BPFLOAD_PUBLIC_END
