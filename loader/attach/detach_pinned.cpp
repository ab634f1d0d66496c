// `bpfload detach PATH`: a pinned link, or a pin directory with everything in it.
//
// This verb deletes, so it proves before it touches: the whole tree is listed and every
// entry checked first (on a bpf filesystem, not the bpffs mount itself, no symlink, every
// file a pinned BPF object the kernel opens), and only then is anything detached or
// unlinked. An ordinary file or directory given by mistake is refused whole. Every look
// and every change goes through the Kernel seam.
#include <linux/magic.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "bpfload/system.hpp"

namespace bpfload {
namespace {

// A pinned object is a link when the kernel can describe it as one; maps and programs
// fail link_info (their info struct differs in size and type) and are only unpinned.
Status remove_pin(Kernel& kernel, const std::string& path, std::vector<std::string>& removed) {
  auto fd = kernel.obj_get(path);
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
Status check_is_pin(Kernel& kernel, const std::string& root, const std::string& entry) {
  auto fd = kernel.obj_get(entry);
  if (fd) return {};
  const std::string why = entry == root ? std::string("it is not a pinned BPF object")
                                        : fmt::format("'{}' below it is not a pinned BPF object", entry);
  return refused(root, why);
}

// The bpffs mount itself holds every tool's pins (tc's globals, other agents'): removing
// all of it is never what a user means. A mount point is on another device than its
// parent, or is its own parent (/).
Result<bool> is_mount_root(Kernel& kernel, const std::string& path) {
  Result<op::PathKind> self = kernel.run(op::PathKind{path, false});
  if (!self.ok()) return std::move(self).error();
  Result<op::PathKind> parent = kernel.run(op::PathKind{path + "/..", false});
  if (!parent.ok()) return std::move(parent).error();
  return self->device != parent->device || self->inode == parent->inode;
}

struct PinTree {
  std::vector<std::string> links;
  std::vector<std::string> others;
  std::vector<std::string> directories;  ///< parents before children
};

Status list_pin_tree(Kernel& kernel, const std::string& root, const std::string& dir, PinTree& tree) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) return std::move(entries).error().with_context(fmt::format("detach: cannot list '{}'", dir));
  const bool links_dir = dir.size() >= 6 && dir.compare(dir.size() - 6, 6, "/links") == 0;
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = dir + "/" + entry.name;
    if (entry.kind == FileKind::Symlink) return refused(root, fmt::format("'{}' below it is a symbolic link", path));
    if (entry.kind == FileKind::Directory) {
      tree.directories.push_back(path);
      BPFLOAD_TRY(list_pin_tree(kernel, root, path, tree));
      continue;
    }
    BPFLOAD_TRY(check_is_pin(kernel, root, path));
    (links_dir ? tree.links : tree.others).push_back(path);
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> detach_pinned(Kernel& kernel, const std::string& path) {
  Result<FileKind> kind = kernel.file_kind(path, false);
  if (!kind) return std::move(kind).error().with_context("detach");
  if (*kind == FileKind::Missing)
    return make_error(ErrorKind::NotFound, fmt::format("detach: nothing is pinned at '{}'", path), ENOENT);
  if (*kind == FileKind::Symlink) return refused(path, "it is a symbolic link; give the pinned path itself");
  Result<uint64_t> magic = kernel.filesystem_magic(path);
  if (!magic) return std::move(magic).error().with_context("detach");
  if (*magic != BPF_FS_MAGIC)
    return refused(path, fmt::format("it is not on a bpf filesystem (filesystem magic {:#x})", *magic));
  std::vector<std::string> removed;
  if (*kind != FileKind::Directory) {
    BPFLOAD_TRY(check_is_pin(kernel, path, path));
    BPFLOAD_TRY(remove_pin(kernel, path, removed));
    return removed;
  }
  Result<bool> mount_root = is_mount_root(kernel, path);
  if (!mount_root) return std::move(mount_root).error().with_context("detach");
  if (*mount_root) {
    return refused(path, "it is the mount point of a bpf filesystem, holding every tool's pins; name the pin "
                         "directory below it");
  }
  PinTree tree;
  BPFLOAD_TRY(list_pin_tree(kernel, path, path, tree));
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

}  // namespace bpfload
