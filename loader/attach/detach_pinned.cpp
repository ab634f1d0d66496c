// `bpfload detach PATH`: a pinned link, or a pin directory with everything in it.
//
// This verb deletes, so it proves before it touches: the whole tree is listed and every
// entry checked first (on a bpf filesystem, not the bpffs mount itself, no symlink, every
// file a pinned BPF object the kernel opens), and only then is anything detached or
// unlinked. An ordinary file or directory given by mistake is refused whole.
#include <linux/magic.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "bpfload/system.hpp"

namespace bpfload {
namespace {

namespace fs = std::filesystem;

// A pinned object is a link when the kernel can describe it as one; maps and programs
// fail link_info (their info struct differs in size and type) and are only unpinned.
Status remove_pin(AttachKernel& kernel, const std::string& path, std::vector<std::string>& removed) {
  auto fd = kernel.pinned(path);
  if (fd) {
    auto info = kernel.link_info(fd->get());
    if (info && info->id != 0 && info->prog_id != 0) {
      Status detached = kernel.link_detach(fd->get());
      const int err = detached ? 0 : detached.error().sys_errno;
      if (!detached && err != EOPNOTSUPP && err != EINVAL) {
        return detached.error().with_context(fmt::format("detach link pinned at '{}'", path));
      }
    }
  }
  Status status = kernel.unpin(path);
  if (!status) return status;
  removed.push_back(path);
  return {};
}

Error refused(const std::string& path, std::string_view why) {
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("detach: refusing '{}': {}; detach removes only pinned BPF objects and their "
                                "directories on a bpf filesystem, and nothing was removed",
                                path, why));
}

// Every file must be a pin: the kernel opens only pinned BPF objects with BPF_OBJ_GET.
Status check_is_pin(AttachKernel& kernel, const std::string& root, const std::string& entry) {
  auto fd = kernel.pinned(entry);
  if (fd) return {};
  const std::string why = entry == root ? std::string("it is not a pinned BPF object")
                                        : fmt::format("'{}' below it is not a pinned BPF object", entry);
  return refused(root, why);
}

// The bpffs mount itself holds every tool's pins (tc's globals, other agents'): removing
// all of it is never what a user means.
bool is_mount_root(const std::string& path) {
  struct stat self {};
  struct stat parent {};
  if (::lstat(path.c_str(), &self) != 0) return false;
  if (::lstat((fs::path(path) / "..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

struct PinTree {
  std::vector<std::string> links;
  std::vector<std::string> others;
  std::vector<std::string> directories;
};

Result<PinTree> list_pin_tree(AttachKernel& kernel, const std::string& path) {
  PinTree tree;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string entry = it->path().string();
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(status)) return refused(path, fmt::format("'{}' below it is a symbolic link", entry));
    if (fs::is_directory(status)) {
      tree.directories.push_back(entry);
      continue;
    }
    BPFLOAD_TRY(check_is_pin(kernel, path, entry));
    if (it->path().parent_path().filename() == "links") {
      tree.links.push_back(entry);
    } else {
      tree.others.push_back(entry);
    }
  }
  if (ec) return make_error(ErrorKind::Io, fmt::format("detach: cannot list '{}': {}", path, ec.message()), ec.value());
  return tree;
}

}  // namespace

Result<std::vector<std::string>> detach_pinned(AttachKernel& kernel, System& system, const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    return make_error(ErrorKind::NotFound, fmt::format("detach: nothing is pinned at '{}'", path), ENOENT);
  }
  if (fs::is_symlink(status)) return refused(path, "it is a symbolic link; give the pinned path itself");
  Result<uint64_t> magic = system.filesystem_magic(path);
  if (!magic) return std::move(magic).error().with_context("detach");
  if (*magic != BPF_FS_MAGIC)
    return refused(path, fmt::format("it is not on a bpf filesystem (filesystem magic {:#x})", *magic));
  std::vector<std::string> removed;
  if (!fs::is_directory(status)) {
    BPFLOAD_TRY(check_is_pin(kernel, path, path));
    BPFLOAD_TRY(remove_pin(kernel, path, removed));
    return removed;
  }
  if (is_mount_root(path)) {
    return refused(path, "it is the mount point of a bpf filesystem, holding every tool's pins; name the pin "
                         "directory below it");
  }
  Result<PinTree> listed = list_pin_tree(kernel, path);
  if (!listed) return std::move(listed).error();
  const PinTree& tree = *listed;
  // Links first, so nothing runs while the maps and programs it uses are unpinned.
  for (const std::string& link : tree.links) BPFLOAD_TRY(remove_pin(kernel, link, removed));
  for (const std::string& other : tree.others) BPFLOAD_TRY(remove_pin(kernel, other, removed));
  // Deepest first, then the directory itself.
  for (auto it = tree.directories.rbegin(); it != tree.directories.rend(); ++it) {
    if (kernel.remove_directory(*it)) removed.push_back(*it);
  }
  if (kernel.remove_directory(path)) removed.push_back(path);
  return removed;
}

Result<std::vector<std::string>> detach_pinned(AttachKernel& kernel, const std::string& path) {
  return detach_pinned(kernel, host_system(), path);
}

}  // namespace bpfload
