// Path and machine logic over the Kernel seam: directory trees for pins, the bpffs check,
// the kernel version code, the memlock limit. Nothing here makes a system call of its
// own, so all of it works on a fake Kernel too.
#pragma once

#include "bpfload/export.h"

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the system interface"
#endif

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Creates `dir` and its parents (mode 0700) as needed through `kernel`; the paths it
/// created are appended to `created`, parents first, so a failed load can remove them in
/// reverse. An existing directory (or symlink to one) is fine. Fails with Kernel (errno;
/// ENOTDIR when a component exists and is not a directory), InvalidArgument for "".
[[nodiscard]] Status make_directories(Kernel& kernel, const std::string& dir, std::vector<std::string>& created);

/// Checks that `path` is on a bpf filesystem. Fails with NotFound when it does not exist
/// and InvalidArgument (saying how to mount one) when it is another filesystem.
[[nodiscard]] Status check_bpffs(Kernel& kernel, const std::string& path);

/// When this process runs under `ip netns exec NAME` (a mount namespace of its own, with
/// /sys remounted, in the network namespace /run/netns/NAME), the sentence saying so and
/// the command that works instead (`nsenter --net=/run/netns/NAME ...`, which keeps the
/// host's bpffs); "" otherwise or when it cannot tell. Pins made there would land in a
/// bpffs that vanishes with the command.
[[nodiscard]] std::string netns_exec_hint(Kernel& kernel);

/// LINUX_VERSION_CODE of a release string ("6.18.3-amd64" -> 0x061203; patch capped at
/// 255 as the kernel does). Fails with InvalidArgument when it does not start "N.N".
[[nodiscard]] Result<uint32_t> kernel_version_code(const std::string& release);

/// Raises RLIMIT_MEMLOCK to unlimited on kernels before 5.11, which charge maps and
/// programs to it (its 64 KiB default is too small for most objects); does nothing on
/// 5.11+, which charge the memory cgroup instead. Not done implicitly by anything: a
/// program that loads objects calls it once at start (the bpfload CLI does). Fails with
/// Kernel (EPERM without CAP_SYS_RESOURCE) or as kernel_release() does.
[[nodiscard]] Status raise_memlock_limit(Kernel& kernel = system_kernel());

}  // namespace bpfload
BPFLOAD_PUBLIC_END
