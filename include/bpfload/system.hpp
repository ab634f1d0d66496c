// The operating system besides bpf(): the filesystem pins live in and facts about the
// machine. With the Kernel interface it is every call the loader makes to the OS, so a
// fake of both (FakeKernel) isolates a load completely.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the system interface"
#endif

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/result.hpp"

namespace bpfload {

/// What a path names.
enum class FileKind {
  Missing,    ///< nothing there (ENOENT or ENOTDIR on the way)
  Directory,
  Symlink,    ///< only from lstat-style queries (follow_links false)
  Other,      ///< a pinned object, a regular file, ...
};

/// Filesystem and machine queries the loader needs. Failures are ErrorKind::Kernel with
/// errno and the call and path named ("mkdir '/sys/fs/bpf/x': Permission denied"), except
/// where noted.
class System {
 public:
  virtual ~System() = default;

  /// Creates one directory, mode 0700. Fails with Kernel (errno EEXIST when something
  /// is already there, ENOENT when the parent is missing).
  [[nodiscard]] virtual Status make_directory(const std::string& path) = 0;
  /// Removes an empty directory. Fails with Kernel (ENOTEMPTY, ENOENT, ...).
  [[nodiscard]] virtual Status remove_directory(const std::string& path) = 0;
  /// What is at `path`; stat() when `follow_links`, lstat() otherwise. Missing is a
  /// value, not an error; fails with Kernel for other errors (EACCES, ELOOP).
  [[nodiscard]] virtual Result<FileKind> file_kind(const std::string& path, bool follow_links) = 0;
  /// statfs() f_type of the filesystem holding `path` (BPF_FS_MAGIC for bpffs). Fails
  /// with NotFound when `path` does not exist, Kernel otherwise.
  [[nodiscard]] virtual Result<uint64_t> filesystem_magic(const std::string& path) = 0;
  /// The running kernel's release (uname -r), e.g. "6.18.0-1-amd64". Fails with Kernel.
  [[nodiscard]] virtual Result<std::string> kernel_release() = 0;
  /// Number of possible CPUs: the count per-CPU map values and perf event arrays are
  /// sized by (libbpf_num_possible_cpus()). Fails with Io when it cannot be read.
  [[nodiscard]] virtual Result<unsigned> possible_cpus() = 0;
  /// The kernel's page size, which ring buffer sizes are multiples of. Never fails; the
  /// default is this process's (sysconf), which a fake may override.
  [[nodiscard]] virtual size_t page_size();
};

/// The System of this machine (real system calls). Thread-safe; lives for the process.
[[nodiscard]] System& host_system();

/// Creates `dir` and its parents (mode 0700) as needed through `system`; the paths it
/// created are appended to `created`, parents first, so a failed load can remove them in
/// reverse. An existing directory (or symlink to one) is fine. Fails with Kernel (errno;
/// ENOTDIR when a component exists and is not a directory), InvalidArgument for "".
[[nodiscard]] Status make_directories(System& system, const std::string& dir,
                                      std::vector<std::string>& created);

/// Checks that `path` is on a bpf filesystem. Fails with NotFound when it does not exist
/// and InvalidArgument (saying how to mount one) when it is another filesystem.
[[nodiscard]] Status check_bpffs(System& system, const std::string& path);

/// LINUX_VERSION_CODE of a release string ("6.18.3-amd64" -> 0x061203; patch capped at
/// 255 as the kernel does). Fails with InvalidArgument when it does not start "N.N".
[[nodiscard]] Result<uint32_t> kernel_version_code(const std::string& release);

/// Raises RLIMIT_MEMLOCK to unlimited on kernels before 5.11, which charge maps and
/// programs to it (its 64 KiB default is too small for most objects); does nothing on
/// 5.11+, which charge the memory cgroup instead. Not done implicitly by anything: a
/// program that loads objects calls it once at start (the bpfload CLI does). Fails with
/// Kernel (EPERM without CAP_SYS_RESOURCE) or as kernel_release() does.
[[nodiscard]] Status raise_memlock_limit(System& system = host_system());

}  // namespace bpfload
