#include "pin_path.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "kernel_errors.hpp"

namespace bpfload {
namespace {

bool on_bpffs(int dir_fd) {
  struct statfs fs {};
  return ::fstatfs(dir_fd, &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

}  // namespace

Result<Fd> open_pin_directory(const std::string& dir) {
  if (dir.empty()) return make_error(ErrorKind::InvalidArgument, "pin directory: empty path");
  const bool absolute = dir.front() == '/';
  Fd current(::open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) return make_error(ErrorKind::Kernel, fmt::format("open '{}': {}", dir, errno_text(errno)), errno);
  std::string walked = absolute ? "" : ".";
  size_t pos = 0;
  while (pos < dir.size()) {
    size_t end = dir.find('/', pos);
    if (end == std::string::npos) end = dir.size();
    const std::string part = dir.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    walked += "/" + part;
    int next = ::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && (errno == ENOTDIR || errno == ELOOP)) {
      struct stat st {};
      if (::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        if (on_bpffs(current.get()))
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format("'{}' is a symbolic link inside a bpf filesystem; bpfload does not pin "
                                        "through symlinks (the pins would land elsewhere): remove it or give "
                                        "the real directory",
                                        walked),
                            ELOOP);
        next = ::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      } else {
        errno = ENOTDIR;
      }
    }
    if (next < 0) {
      const int err = errno;
      return make_error(ErrorKind::Kernel, fmt::format("open directory '{}': {}", walked, errno_text(err)), err);
    }
    current = Fd(next);
  }
  return current;
}

std::string bpf_fd_kind(int fd) {
  char target[64] = {};
  const std::string link = fmt::format("/proc/self/fd/{}", fd);
  const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
  if (n <= 0) return "";
  const std::string_view name(target, static_cast<size_t>(n));
  if (name == "anon_inode:bpf-map") return "map";
  if (name == "anon_inode:bpf-prog") return "prog";
  if (name == "anon_inode:bpf_link") return "link";
  if (name == "anon_inode:btf") return "btf";
  if (name.starts_with("anon_inode:bpf")) return std::string(name.substr(11));
  return "file";
}

std::string_view bpf_kind_phrase(std::string_view kind) {
  if (kind == "map") return "a map";
  if (kind == "prog") return "a program";
  if (kind == "link") return "a BPF link";
  if (kind == "btf") return "a BTF object";
  if (kind == "file") return "not a BPF object";
  return "another kind of BPF object";
}

}  // namespace bpfload
