// `bpfload detach PATH`: a pinned link, or a pin directory with everything in it.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

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

}  // namespace

Result<std::vector<std::string>> detach_pinned(AttachKernel& kernel, const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    return make_error(ErrorKind::NotFound, fmt::format("detach: nothing is pinned at '{}'", path), ENOENT);
  }
  std::vector<std::string> removed;
  if (!fs::is_directory(status)) {
    BPFLOAD_TRY(remove_pin(kernel, path, removed));
    return removed;
  }
  // Links first, so nothing runs while the maps and programs it uses are unpinned.
  std::vector<std::string> links;
  std::vector<std::string> others;
  std::vector<std::string> directories;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string entry = it->path().string();
    if (it->is_directory(ec)) {
      directories.push_back(entry);
    } else if (it->path().parent_path().filename() == "links") {
      links.push_back(entry);
    } else {
      others.push_back(entry);
    }
  }
  if (ec) return make_error(ErrorKind::Io, fmt::format("detach: cannot list '{}': {}", path, ec.message()), ec.value());
  for (const std::string& link : links) BPFLOAD_TRY(remove_pin(kernel, link, removed));
  for (const std::string& other : others) BPFLOAD_TRY(remove_pin(kernel, other, removed));
  // Deepest first, then the directory itself.
  for (auto it = directories.rbegin(); it != directories.rend(); ++it) {
    if (kernel.remove_directory(*it)) removed.push_back(*it);
  }
  if (kernel.remove_directory(path)) removed.push_back(path);
  return removed;
}

}  // namespace bpfload
