// Pin sets (<dir>/maps/*, <dir>/progs/*): removal, and swapping a new set
// in. Over the Kernel seam, so a fake filesystem sees every step.
#include <linux/magic.h>

#include <cerrno>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/system.hpp"

namespace bpfload {
namespace {

std::string_view kind_phrase(FileKind kind) {
  switch (kind) {
    case FileKind::Directory: return "directory";
    case FileKind::Symlink: return "symlink";
    default: return "special file";
  }
}

// Pins are the only regular files bpffs holds; anything else in maps/ or progs/ is
// not bpfload's and stops the removal.
Status remove_pins_in(Kernel& kernel, const std::string& dir, std::vector<std::string>& removed) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) {
    if (entries.error().kind == ErrorKind::NotFound) return {};
    return std::move(entries).error();
  }
  // Another filesystem mounted over maps/ or progs/ holds ordinary files: refuse it
  // before unlinking anything.
  Result<uint64_t> magic = kernel.filesystem_magic(dir);
  if (!magic.ok()) return std::move(magic).error();
  if (*magic != BPF_FS_MAGIC)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is not on a bpf filesystem (filesystem magic {:#x}); bpfload removes only "
                                  "pins: nothing in it was removed",
                                  dir, *magic));
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = dir + "/" + entry.name;
    if (entry.kind != FileKind::Regular)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("'{}' is not a pin (a {}); bpfload removes only pins: remove it by hand", path,
                                    kind_phrase(entry.kind)));
    BPFLOAD_TRY(kernel.unpin(path));
    removed.push_back(path);
  }
  BPFLOAD_TRY(kernel.remove_directory(dir));
  removed.push_back(dir);
  return {};
}

}  // namespace

Status remove_pin_set(Kernel& kernel, const std::string& dir, std::vector<std::string>& removed) {
  BPFLOAD_TRY(check_bpffs(kernel, dir));
  // Anything beside maps/ and progs/ (links/ of attached programs, a deployment's
  // directories) would be left behind, still attached: refuse before touching anything.
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) return std::move(entries).error();
  std::vector<std::string> empty_dirs;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind == FileKind::Directory && (entry.name == "maps" || entry.name == "progs")) continue;
    // A deployment's record of what it applied (`load --pin-dir` makes one) goes with the set.
    if (entry.kind == FileKind::Directory && entry.name.starts_with("bpfload-deployed-")) {
      empty_dirs.push_back(dir + "/" + entry.name);
      continue;
    }
    if (entry.kind == FileKind::Directory && entry.name == "links") {
      Result<std::vector<DirectoryEntry>> links = kernel.list_directory(dir + "/links");
      if (links.ok() && links->empty()) {
        empty_dirs.push_back(dir + "/links");
        continue;
      }
    }
    const bool attached = entry.name == "links" || entry.name == "netlink" || entry.name.starts_with("bpfload-");
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} holds '{}', which {}: nothing was removed; `bpfload delete {}` detaches "
                                  "its programs and removes every pin and directory",
                                  dir, entry.name,
                                  attached ? "holds attachments (programs still running)"
                                           : "is not part of a `load --pin-dir` pin set",
                                  dir));
  }
  BPFLOAD_TRY(remove_pins_in(kernel, dir + "/maps", removed));
  BPFLOAD_TRY(remove_pins_in(kernel, dir + "/progs", removed));
  for (const std::string& empty : empty_dirs) {
    BPFLOAD_TRY(kernel.remove_directory(empty));
    removed.push_back(empty);
  }
  BPFLOAD_TRY(kernel.remove_directory(dir));
  removed.push_back(dir);
  return {};
}

Status exchange_directories(Kernel& kernel, const std::string& fresh, const std::string& dir) {
  Status swapped = kernel.exchange(fresh, dir);
  if (swapped.ok()) return {};
  const int err = swapped.error().sys_errno;
  if (err != EINVAL && err != ENOSYS) return swapped;
  // No RENAME_EXCHANGE here: three renames, with `dir` absent for the moment between them.
  const std::string aside = fresh + "-old";  // bpffs refuses '.' in names
  BPFLOAD_TRY(kernel.rename(dir, aside));
  Status moved = kernel.rename(fresh, dir);
  if (!moved.ok()) {
    (void)kernel.rename(aside, dir);
    return moved;
  }
  return kernel.rename(aside, fresh);
}

}  // namespace bpfload
