// `bpfload detach PATH`: a pinned link, or a pin directory with everything in it.
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

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

/// Every entry below `dir`, depth first: directories (parents before children), link
/// pins (in a directory named links), symlinks, other pins.
struct Tree {
  std::vector<std::string> directories;
  std::vector<std::string> links;
  std::vector<std::string> symlinks;
  std::vector<std::string> others;
};

Status walk(Kernel& kernel, const std::string& dir, Tree& tree) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) return std::move(entries).error().with_context(fmt::format("detach: cannot list '{}'", dir));
  const bool links_dir = dir.size() >= 6 && dir.compare(dir.size() - 6, 6, "/links") == 0;
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = dir + "/" + entry.name;
    switch (entry.kind) {
      case FileKind::Directory:
        tree.directories.push_back(path);
        BPFLOAD_TRY(walk(kernel, path, tree));
        break;
      case FileKind::Symlink: tree.symlinks.push_back(path); break;
      default: (links_dir ? tree.links : tree.others).push_back(path); break;
    }
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> detach_pinned(Kernel& kernel, const std::string& path) {
  Result<FileKind> kind = kernel.file_kind(path, false);
  if (!kind.ok()) return std::move(kind).error().with_context("detach");
  if (*kind == FileKind::Missing)
    return make_error(ErrorKind::NotFound, fmt::format("detach: nothing is pinned at '{}'", path), ENOENT);
  std::vector<std::string> removed;
  if (*kind != FileKind::Directory) {
    BPFLOAD_TRY(remove_pin(kernel, path, removed));
    return removed;
  }
  Tree tree;
  BPFLOAD_TRY(walk(kernel, path, tree));
  // Links first, so nothing runs while the maps and programs it uses are unpinned. A
  // symlink is only removed: what it points to is not this directory's to detach.
  for (const std::string& link : tree.links) BPFLOAD_TRY(remove_pin(kernel, link, removed));
  for (const std::string& other : tree.others) BPFLOAD_TRY(remove_pin(kernel, other, removed));
  for (const std::string& symlink : tree.symlinks) {
    BPFLOAD_TRY(kernel.unpin(symlink));
    removed.push_back(symlink);
  }
  // Deepest first, then the directory itself.
  for (auto it = tree.directories.rbegin(); it != tree.directories.rend(); ++it) {
    if (kernel.remove_directory(*it)) removed.push_back(*it);
  }
  if (kernel.remove_directory(path)) removed.push_back(path);
  return removed;
}

}  // namespace bpfload
