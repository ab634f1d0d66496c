// Files, directories and facts about the machine on the real system: mkdir, rmdir, stat,
// statfs, readdir, rename, the one hardened file reader, uname, the CPU count, getpid and
// RLIMIT_MEMLOCK.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <bpf/libbpf.h>

#include <fmt/format.h>

#include "kernel_errors.hpp"
#include "system_kernel.hpp"

namespace bpfload::sys {
namespace {

Error path_error(std::string_view call, const std::string& path, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{} '{}': {}", call, path, errno_text(err)), err);
}

Error io_error(std::string_view call, const std::string& path, int err) {
  return make_error(ErrorKind::Io, fmt::format("{} '{}': {}", call, path, errno_text(err)), err);
}

FileKind kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return FileKind::Directory;
  if (S_ISLNK(mode)) return FileKind::Symlink;
  if (S_ISREG(mode)) return FileKind::Regular;
  return FileKind::Other;
}

std::string_view what_it_is(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/// read(2) until `buffer` is full or the end, retrying EINTR. -1 with errno on failure.
ssize_t read_some(int fd, std::byte* buffer, size_t size) {
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, buffer + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

Error too_large(const std::string& path, uint64_t max_bytes) {
  return make_error(ErrorKind::LimitExceeded,
                    fmt::format("'{}' is larger than the limit of {} bytes", path, max_bytes));
}

}  // namespace

Status run(op::MakeDirectory& op) {
  if (::mkdir(op.path.c_str(), 0700) == 0) return {};
  return path_error("mkdir", op.path, errno);
}

Status run(op::RemoveDirectory& op) {
  if (::rmdir(op.path.c_str()) == 0) return {};
  return path_error("rmdir", op.path, errno);
}

Status run(op::PathKind& op) {
  struct stat st {};
  const int ret = op.follow_links ? ::stat(op.path.c_str(), &st) : ::lstat(op.path.c_str(), &st);
  if (ret != 0) {
    const int err = errno;
    if (err != ENOENT && err != ENOTDIR) return path_error(op.follow_links ? "stat" : "lstat", op.path, err);
    op.kind = FileKind::Missing;
    return {};
  }
  op.kind = kind_of(st.st_mode);
  op.device = static_cast<uint64_t>(st.st_dev);
  op.inode = static_cast<uint64_t>(st.st_ino);
  return {};
}

Status run(op::FilesystemMagic& op) {
  struct statfs fs {};
  if (::statfs(op.path.c_str(), &fs) == 0) {
    op.magic = static_cast<uint64_t>(fs.f_type);
    return {};
  }
  const int err = errno;
  if (err == ENOENT)
    return make_error(ErrorKind::NotFound, fmt::format("statfs '{}': it does not exist", op.path), err);
  return path_error("statfs", op.path, err);
}

Status run(op::ListDirectory& op) {
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::opendir(op.path.c_str()), &::closedir);
  if (!stream) {
    const int err = errno;
    if (err == ENOENT)
      return make_error(ErrorKind::NotFound, fmt::format("open directory '{}': it does not exist", op.path), err);
    return path_error("open directory", op.path, err);
  }
  op.entries.clear();
  errno = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dirfd(stream.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return path_error("stat", op.path + "/" + std::string(name), errno);
    }
    op.entries.push_back({std::string(name), kind_of(st.st_mode)});
    errno = 0;
  }
  if (errno != 0) return path_error("read directory", op.path, errno);
  std::sort(op.entries.begin(), op.entries.end(),
            [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return {};
}

Status run(op::Rename& op) {
  if (op.exchange) {
    if (::syscall(SYS_renameat2, AT_FDCWD, op.from.c_str(), AT_FDCWD, op.to.c_str(), RENAME_EXCHANGE) == 0) return {};
    const int err = errno;
    return make_error(ErrorKind::Kernel, fmt::format("swap '{}' and '{}': {}", op.from, op.to, errno_text(err)), err);
  }
  if (::rename(op.from.c_str(), op.to.c_str()) == 0) return {};
  const int err = errno;
  return make_error(ErrorKind::Kernel, fmt::format("rename '{}' to '{}': {}", op.from, op.to, errno_text(err)), err);
}

Status run(op::ReadFile& op) try {
  // O_NONBLOCK: opening a FIFO without a writer must not wait for one; O_NOCTTY: a
  // terminal named as input must not become the controlling one.
  Fd fd(::open(op.path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open", op.path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("stat", op.path, errno);
  // Devices and pipes have no size to check beforehand (/dev/zero never ends): refuse them.
  if (S_ISDIR(st.st_mode))
    return make_error(ErrorKind::InvalidArgument, fmt::format("'{}' is a directory; name a file in it", op.path));
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is {}, not a regular file; copy it to a file first", op.path,
                                  what_it_is(st.st_mode)));
  // /proc and /sys files say 0 (or a page) whatever they hold: the bound is also enforced
  // while reading.
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > op.max_bytes)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("'{}': {} bytes is larger than the limit of {} bytes", op.path,
                                  static_cast<int64_t>(st.st_size), op.max_bytes));
  // A large file that is not what is expected is refused before it is read whole.
  if (!op.prefix.empty()) {
    std::string head(op.prefix.size(), '\0');
    ssize_t n = 0;
    do n = ::pread(fd.get(), head.data(), head.size(), 0); while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(head.size()) || head != op.prefix)
      return make_error(ErrorKind::Malformed,
                        fmt::format("'{}': does not start with the expected magic bytes (not an ELF file?)", op.path));
  }
  op.bytes.clear();
  if (!op.sink) {
    // Sized from fstat when it says something; grown otherwise, never past max_bytes.
    op.bytes.resize(static_cast<size_t>(std::max<off_t>(st.st_size, 0)));
    size_t got = 0;
    for (;;) {
      if (got == op.bytes.size()) {
        if (got >= op.max_bytes) {
          // Full at the bound: one more byte means too large.
          std::byte probe{};
          const ssize_t more = read_some(fd.get(), &probe, 1);
          if (more < 0) return io_error("read", op.path, errno);
          if (more > 0) return too_large(op.path, op.max_bytes);
          break;
        }
        if (st.st_size > 0 && got == static_cast<size_t>(st.st_size)) {
          // The size said is read; a file that grew meanwhile is read no further.
          break;
        }
        op.bytes.resize(static_cast<size_t>(std::min<uint64_t>(op.max_bytes, std::max<size_t>(got * 2, 64 * 1024))));
      }
      const ssize_t n = read_some(fd.get(), op.bytes.data() + got, op.bytes.size() - got);
      if (n < 0) return io_error("read", op.path, errno);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    op.bytes.resize(got);
    return {};
  }
  std::vector<std::byte> chunk(64 * 1024);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = read_some(fd.get(), chunk.data(), chunk.size());
    if (n < 0) return io_error("read", op.path, errno);
    if (n == 0) return {};
    total += static_cast<uint64_t>(n);
    if (total > op.max_bytes) return too_large(op.path, op.max_bytes);
    BPFLOAD_TRY(op.sink(std::span<const std::byte>(chunk.data(), static_cast<size_t>(n))));
  }
} catch (const std::bad_alloc&) {
  return out_of_memory_error(fmt::format("reading '{}'", op.path));
}

Status run(op::KernelRelease& op) {
  utsname names {};
  if (::uname(&names) != 0) return make_error(ErrorKind::Kernel, fmt::format("uname: {}", errno_text(errno)), errno);
  op.release = names.release;
  return {};
}

Status run(op::PossibleCpus& op) {
  // libbpf parses /sys/devices/system/cpu/possible once and caches the answer.
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0)
    return make_error(ErrorKind::Io,
                      fmt::format("cannot count the possible CPUs (/sys/devices/system/cpu/possible): {}",
                                  errno_text(-cpus)),
                      -cpus);
  op.count = static_cast<unsigned>(cpus);
  return {};
}

Status run(op::ProcessId& op) {
  op.pid = static_cast<int>(::getpid());
  return {};
}

Status run(op::RaiseMemlockLimit&) {
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) return {};
  const int err = errno;
  return make_error(ErrorKind::Kernel, fmt::format("setrlimit(RLIMIT_MEMLOCK, unlimited): {}", errno_text(err)), err);
}

Status run(op::LockDirectory& op) {
  Fd fd(::open(op.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT) return make_error(ErrorKind::NotFound, fmt::format("no directory '{}' to lock", op.path), err);
    return path_error("open", op.path, err);
  }
  // flock(2) has no timeout; a holder that hangs must not hang us, so poll in short steps
  // (the holder is another bpfload's transaction, which takes milliseconds to seconds).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(op.wait_ms);
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) break;
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) return path_error("flock", op.path, err);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  op.fd = std::move(fd);
  return {};
}

Status run(op::PageSize& op) {
  const long page = ::sysconf(_SC_PAGESIZE);
  op.bytes = page > 0 ? static_cast<size_t>(page) : size_t{4096};
  return {};
}

}  // namespace bpfload::sys
