// Pin sets (<dir>/maps/*, <dir>/progs/*): removal, and swapping a new set in.
#include <linux/magic.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/system.hpp"
#include "kernel_errors.hpp"

namespace bpfload {
namespace {

Error fs_error(std::string_view what, const std::string& path, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{} '{}': {}", what, path, errno_text(err)), err);
}

// Pins are the only regular files bpffs holds; anything else in maps/ or progs/ is not
// bpfload's and stops the removal.
Status remove_pins_in(const std::string& dir, std::vector<std::string>& removed) {
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::opendir(dir.c_str()), &::closedir);
  if (!stream) {
    if (errno == ENOENT) return {};
    return fs_error("open directory", dir, errno);
  }
  // Another filesystem mounted over maps/ or progs/ holds ordinary files: refuse it
  // before unlinking anything.
  struct statfs fs {};
  if (::fstatfs(dirfd(stream.get()), &fs) != 0) return fs_error("statfs", dir, errno);
  if (static_cast<unsigned long>(fs.f_type) != BPF_FS_MAGIC)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is not on a bpf filesystem (filesystem magic {:#x}); bpfload removes only "
                                  "pins: nothing in it was removed",
                                  dir, static_cast<unsigned long>(fs.f_type)));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st {};
    if (::fstatat(dirfd(stream.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fs_error("stat", path, errno);
    if (!S_ISREG(st.st_mode))
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("'{}' is not a pin (a {}); bpfload removes only pins: remove it by hand", path,
                                    S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink" : "special file"));
    if (::unlinkat(dirfd(stream.get()), name.c_str(), 0) != 0) return fs_error("unlink", path, errno);
    removed.push_back(path);
  }
  if (::rmdir(dir.c_str()) != 0) return fs_error("rmdir", dir, errno);
  removed.push_back(dir);
  return {};
}

}  // namespace

Status remove_pin_set(const std::string& dir, std::vector<std::string>& removed) {
  BPFLOAD_TRY(check_bpffs(host_system(), dir));
  BPFLOAD_TRY(remove_pins_in(dir + "/maps", removed));
  BPFLOAD_TRY(remove_pins_in(dir + "/progs", removed));
  if (::rmdir(dir.c_str()) == 0) {
    removed.push_back(dir);
  } else if (errno != ENOTEMPTY && errno != EEXIST) {
    return fs_error("rmdir", dir, errno);
  }
  return {};
}

Status exchange_directories(const std::string& fresh, const std::string& dir) {
  if (::syscall(SYS_renameat2, AT_FDCWD, fresh.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) return {};
  if (errno != EINVAL && errno != ENOSYS)
    return make_error(ErrorKind::Kernel,
                      fmt::format("swap '{}' and '{}': {}", fresh, dir, errno_text(errno)), errno);
  // No RENAME_EXCHANGE here: two renames, with `dir` absent for the moment between them.
  const std::string aside = fresh + "-old";  // bpffs refuses '.' in names
  if (::rename(dir.c_str(), aside.c_str()) != 0) return fs_error("rename", dir, errno);
  if (::rename(fresh.c_str(), dir.c_str()) != 0) {
    const int err = errno;
    (void)::rename(aside.c_str(), dir.c_str());
    return fs_error("rename", fresh, err);
  }
  if (::rename(aside.c_str(), fresh.c_str()) != 0) return fs_error("rename", aside, errno);
  return {};
}

}  // namespace bpfload
