// Path logic over the Kernel seam: directory trees for pins, the bpffs check, the kernel
// version code, the memlock limit. No system call of its own, so it works on a fake too.
#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "bpfload/system.hpp"

namespace bpfload {

Status make_directories(Kernel& system, const std::string& dir, std::vector<std::string>& created) {
  if (dir.empty()) return make_error(ErrorKind::InvalidArgument, "make directories: empty path");
  // Walk every prefix ending before a '/', then the whole path, so parents come first
  // in `created` and a rollback can remove them in reverse.
  for (size_t end = 1; end <= dir.size(); ++end) {
    if (end != dir.size() && dir[end] != '/') continue;
    const std::string prefix = dir.substr(0, end);
    if (prefix.back() == '/') continue;
    Status made = system.make_directory(prefix);
    if (made.ok()) {
      created.push_back(prefix);
      continue;
    }
    if (made.error().sys_errno != EEXIST) return made;
    Result<FileKind> kind = system.file_kind(prefix, true);
    if (!kind.ok()) return std::move(kind).error();
    if (*kind == FileKind::Directory) continue;
    return make_error(ErrorKind::Kernel, fmt::format("mkdir '{}': exists and is not a directory", prefix),
                      ENOTDIR);
  }
  return {};
}

Status check_bpffs(Kernel& system, const std::string& path) {
  Result<uint64_t> magic = system.filesystem_magic(path);
  if (!magic.ok()) {
    Error error = std::move(magic).error();
    if (error.kind == ErrorKind::NotFound) error.message = fmt::format("bpffs check: '{}' does not exist", path);
    return error;
  }
  if (*magic == BPF_FS_MAGIC) return {};
  if (const std::string hint = netns_exec_hint(system); !hint.empty())
    return make_error(ErrorKind::InvalidArgument, fmt::format("'{}' is not on a bpf filesystem: {}", path, hint));
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("'{}' is not on a bpf filesystem (filesystem magic {:#x}); mount one "
                                "with 'mount -t bpf bpf /sys/fs/bpf'",
                                path, *magic));
}

namespace {

// The namespace a /proc/PID/ns link names, as its inode (and device) after following it.
std::optional<std::pair<uint64_t, uint64_t>> namespace_of(Kernel& kernel, const std::string& link) {
  Result<op::PathKind> kind = kernel.run(op::PathKind{link, true, FileKind::Missing, 0, 0});
  if (!kind.ok() || kind->kind == FileKind::Missing) return std::nullopt;
  return std::pair{kind->device, kind->inode};
}

}  // namespace

std::string netns_exec_hint(Kernel& kernel) {
  // `ip netns exec` unshares the mount namespace and remounts /sys; nsenter --net does not.
  // PID 1's namespace is often unreadable (a container's root cannot ptrace it): then the
  // named network namespace alone says it.
  const auto own_mounts = namespace_of(kernel, "/proc/self/ns/mnt");
  const auto init_mounts = namespace_of(kernel, "/proc/1/ns/mnt");
  if (own_mounts && init_mounts && *own_mounts == *init_mounts) return {};
  const auto own_net = namespace_of(kernel, "/proc/self/ns/net");
  if (!own_net) return {};
  Result<std::vector<DirectoryEntry>> named = kernel.list_directory("/run/netns");
  if (!named.ok()) return {};
  for (const DirectoryEntry& entry : *named) {
    if (namespace_of(kernel, "/run/netns/" + entry.name) != own_net) continue;
    return fmt::format("this runs under `ip netns exec {}`, which mounts a /sys of its own without the host's "
                       "bpffs, so pins made here would vanish with the command; run it as `nsenter "
                       "--net=/run/netns/{} bpfload ...` instead, which enters the network namespace and keeps "
                       "the host's /sys/fs/bpf",
                       entry.name, entry.name);
  }
  return {};
}

Result<uint32_t> kernel_version_code(const std::string& release) {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned patch = 0;
  if (std::sscanf(release.c_str(), "%u.%u.%u", &major, &minor, &patch) < 2 || major > 255 || minor > 255) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("kernel release '{}' does not start with MAJOR.MINOR", release));
  }
  return (major << 16) + (minor << 8) + std::min(patch, 255u);
}

Status raise_memlock_limit(Kernel& kernel) {
  Result<std::string> release = kernel.kernel_release();
  if (!release.ok()) return std::move(release).error().with_context("raise RLIMIT_MEMLOCK");
  Result<uint32_t> version = kernel_version_code(*release);
  if (!version.ok()) return std::move(version).error().with_context("raise RLIMIT_MEMLOCK");
  if (*version >= ((5u << 16) | (11u << 8))) return {};
  Result<op::RaiseMemlockLimit> raised = kernel.run(op::RaiseMemlockLimit{});
  if (raised.ok()) return {};
  return std::move(raised).error().with_context(
      fmt::format("on Linux {} (needs CAP_SYS_RESOURCE; kernels before 5.11 charge BPF memory to it)", *release));
}

}  // namespace bpfload
