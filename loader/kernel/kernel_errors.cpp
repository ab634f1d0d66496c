#include "kernel_errors.hpp"

#include "bpfload/kernel.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include <linux/magic.h>

#include <fmt/format.h>

namespace bpfload {
namespace {

// The kernel's internal ENOTSUPP leaks to user space from the verifier and some map
// types; libc has no name for it.
constexpr int kKernelEnotsupp = 524;

// Capability bits of /proc/self/status CapEff.
constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

std::optional<uint64_t> effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("CapEff:")) continue;
    try {
      return std::stoull(line.substr(7), nullptr, 16);
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

// EPERM is blamed on privileges only when the process lacks them: a process with every
// BPF capability is refused for another reason.
std::string privilege_hint(std::string_view needs) {
  const std::optional<uint64_t> caps = effective_capabilities();
  const auto has = [&](int cap) { return caps && ((*caps >> cap) & 1u) != 0; };
  if (caps && (has(kCapSysAdmin) || (has(kCapBpf) && has(kCapPerfmon) && has(kCapNetAdmin))))
    return "the process has CAP_SYS_ADMIN/CAP_BPF, so this is not missing privileges: this kernel may not "
           "allow this program or map type here (fentry/fexit/LSM need trampolines and BTF), kernel lockdown "
           "may forbid it (/sys/kernel/security/lockdown), or on kernels before 5.11 RLIMIT_MEMLOCK is too low";
  std::string missing;
  for (const auto& [cap, name] : {std::pair{kCapBpf, "CAP_BPF"}, std::pair{kCapPerfmon, "CAP_PERFMON"},
                                  std::pair{kCapNetAdmin, "CAP_NET_ADMIN"}})
    if (caps && !has(cap)) missing += (missing.empty() ? "" : ", ") + std::string(name);
  return fmt::format("{}{}; on kernels before 5.11 RLIMIT_MEMLOCK may be too low",
                     needs.empty() ? "needs root or CAP_BPF (CAP_NET_ADMIN/CAP_PERFMON for some types)" : needs,
                     missing.empty() ? "" : fmt::format("; this process lacks {}", missing));
}

namespace {
constexpr std::string_view kMountHint = "mount one with 'mount -t bpf bpf /sys/fs/bpf'";

std::string parent_directory(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

// True only when the directory exists and is not a bpffs: an unknown answer must not
// produce a confident hint.
bool known_not_bpffs(Kernel* kernel, const std::string& dir) {
  if (kernel == nullptr) return false;
  Result<uint64_t> magic = kernel->filesystem_magic(dir);
  return magic.ok() && *magic != BPF_FS_MAGIC;
}

bool is_directory(Kernel* kernel, const std::string& path) {
  if (kernel == nullptr) return false;
  Result<FileKind> kind = kernel->file_kind(path, true);
  return kind.ok() && *kind == FileKind::Directory;
}

std::string pin_hint(KernelCommand command, int err, std::string_view path, Kernel* kernel) {
  // A pin is created in its parent directory; an existing object is read at the path itself.
  const std::string dir = command == KernelCommand::ObjPin ? parent_directory(path) : std::string(path);
  if (command == KernelCommand::ObjGet && is_directory(kernel, dir))
    return "this is a directory; give the path of a pinned map or program in it";
  // Outside bpffs the kernel says EACCES or EPERM even to root: the filesystem is the
  // reason then, not the user's rights.
  if (err != ENOENT && known_not_bpffs(kernel, dir)) {
    if (command == KernelCommand::ObjGet)
      return fmt::format("'{}' is not on a bpf filesystem (bpffs); pins are there, usually under /sys/fs/bpf", dir);
    return fmt::format("'{}' is not on a bpf filesystem; {}", dir, kMountHint);
  }
  if (err == EACCES)
    return "permission denied: this user may not open the pin or a directory above it (bpffs directories "
           "are often mode 0700; run as their owner or root)";
  if (err == ENOENT && command == KernelCommand::ObjGet) return "nothing is pinned at this path";
  if (known_not_bpffs(kernel, dir)) return fmt::format("'{}' is not on a bpf filesystem; {}", dir, kMountHint);
  if (err == ENOENT) return fmt::format("parent directory '{}' missing", dir);
  if (err == EEXIST) return "a file is already pinned at this path";
  if (err == EPERM) return privilege_hint({});
  if (err == EINVAL) {
    return command == KernelCommand::ObjGet ? "the path is not a pinned BPF object"
                                            : "the path is not on a bpf filesystem";
  }
  return {};
}

}  // namespace

std::string_view command_label(KernelCommand command) noexcept {
  switch (command) {
    case KernelCommand::MapCreate: return "bpf(MAP_CREATE)";
    case KernelCommand::MapUpdate: return "bpf(MAP_UPDATE_ELEM)";
    case KernelCommand::MapLookup: return "bpf(MAP_LOOKUP_ELEM)";
    case KernelCommand::MapDelete: return "bpf(MAP_DELETE_ELEM)";
    case KernelCommand::MapNextKey: return "bpf(MAP_GET_NEXT_KEY)";
    case KernelCommand::MapFreeze: return "bpf(MAP_FREEZE)";
    case KernelCommand::ObjGetInfo: return "bpf(OBJ_GET_INFO_BY_FD)";
    case KernelCommand::ProgLoad: return "bpf(PROG_LOAD)";
    case KernelCommand::ProgTestRun: return "bpf(PROG_TEST_RUN)";
    case KernelCommand::BtfLoad: return "bpf(BTF_LOAD)";
    case KernelCommand::ObjPin: return "bpf(OBJ_PIN)";
    case KernelCommand::ObjGet: return "bpf(OBJ_GET)";
    case KernelCommand::Unpin: return "unlink";
  }
  return "bpf(?)";
}

std::string errno_text(int err) {
  if (err == kKernelEnotsupp) return "Operation not supported by the kernel (ENOTSUPP)";
  return std::system_category().message(err);
}

std::string errno_hint(KernelCommand command, int err, std::string_view path, Kernel* kernel) {
  if (command == KernelCommand::ObjPin || command == KernelCommand::ObjGet) {
    return pin_hint(command, err, path, kernel);
  }
  if (err == EBADF) return "not an open BPF object fd";
  if (err == kKernelEnotsupp) return "this kernel does not support the requested feature";
  switch (command) {
    case KernelCommand::MapCreate:
      if (err == EPERM) return privilege_hint({});
      if (err == EINVAL) {
        return "the kernel refused the map's type, key/value size, max_entries or flags "
               "(is the map type supported by this kernel?)";
      }
      if (err == ENOMEM) return "not enough memory for max_entries (or RLIMIT_MEMLOCK too low)";
      return {};
    case KernelCommand::ProgLoad:
      if (err == EPERM) return privilege_hint({});
      if (err == EACCES) return "the verifier rejected the program; see its log";
      if (err == EINVAL) return "the program or its load attributes are invalid; see the verifier log";
      if (err == ENOSPC) return "the verifier log did not fit in the buffer";
      if (err == E2BIG) return "the program is too large";
      return {};
    case KernelCommand::BtfLoad:
      if (err == EPERM) return privilege_hint({});
      if (err == EINVAL) return "the kernel rejected the BTF; see the BTF log";
      return {};
    case KernelCommand::MapUpdate:
      if (err == EPERM) return "the map is frozen or read-only";
      if (err == E2BIG) return "the map is full (max_entries reached)";
      if (err == EEXIST) return "the key already exists (BPF_NOEXIST)";
      if (err == ENOENT) return "no such key (BPF_EXIST), or the index is past max_entries";
      if (err == EINVAL) return "bad flags, or a value the map type does not accept";
      return {};
    case KernelCommand::MapLookup:
    case KernelCommand::MapDelete:
      if (err == ENOENT) return "no such key";
      if (err == EINVAL) return "this map type does not support the operation";
      return {};
    case KernelCommand::MapFreeze:
      if (err == EBUSY) return "the map is already frozen or has writable mmaps";
      if (err == ENOTSUP || err == EOPNOTSUPP) return "this map type cannot be frozen";
      return {};
    case KernelCommand::ObjGetInfo:
    case KernelCommand::ProgTestRun:
      if (err == ENOTSUP || err == EOPNOTSUPP) return "not supported for this program type";
      if (err == EINVAL) return "input too small or not accepted by this program type";
      if (err == ENOSPC) return "the output did not fit in the buffer";
      return {};
    default:
      return {};
  }
}

Error kernel_error(KernelCommand command, std::string_view subject, int err,
                   std::string_view path, Kernel* kernel) {
  std::string message(command_label(command));
  if (!subject.empty()) message += fmt::format(" {}", subject);
  message += fmt::format(": {}", errno_text(err));
  const std::string hint = errno_hint(command, err, path, kernel);
  if (!hint.empty()) message += fmt::format(" ({})", hint);
  return make_error(ErrorKind::Kernel, std::move(message), err);
}

}  // namespace bpfload
