// Names of a deployment's pins and directories, and walks over a set of them.
#include "deploy_layout.hpp"

#include <linux/magic.h>

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "bpfload/system.hpp"

namespace bpfload::deploy {
namespace {

bool parse_u32(std::string_view text, uint32_t& value) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split_dash(std::string_view text, size_t fields) {
  // The last field (the pin name) takes the rest, dashes and all.
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < fields) {
    const size_t dash = text.find('-');
    if (dash == std::string_view::npos) break;
    parts.push_back(text.substr(0, dash));
    text.remove_prefix(dash + 1);
  }
  parts.push_back(text);
  return parts;
}

Status check_tree(Kernel& kernel, const std::string& dir) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) return std::move(entries).error();
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = dir + "/" + entry.name;
    if (entry.kind == FileKind::Directory) {
      BPFLOAD_TRY(check_tree(kernel, path));
      continue;
    }
    if (entry.kind != FileKind::Regular)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("'{}' is neither a pin nor a directory; bpfload removes only what it made: "
                                    "nothing was removed (remove it by hand)",
                                    path));
  }
  return {};
}

Status remove_tree(Kernel& kernel, const std::string& dir, std::vector<std::string>* removed) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok()) return std::move(entries).error();
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = dir + "/" + entry.name;
    if (entry.kind == FileKind::Directory) {
      BPFLOAD_TRY(remove_tree(kernel, path, removed));
      continue;
    }
    Status unpinned = kernel.unpin(path);
    if (!unpinned.ok() && unpinned.error().sys_errno != ENOENT) return unpinned;
    if (removed != nullptr) removed->push_back(path);
  }
  Status gone = kernel.remove_directory(dir);
  if (!gone.ok() && gone.error().sys_errno != ENOENT) return gone;
  if (removed != nullptr) removed->push_back(dir);
  return {};
}

}  // namespace

std::string staging_dir(const std::string& pin_dir, int pid) { return fmt::format("{}-bpfload-new-{}", pin_dir, pid); }

std::string object_dir(const std::string& set, const std::string& object) {
  return object.empty() ? set : set + "/" + object;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string program_of_pin(const std::string& pin) {
  const size_t dash = pin.find_last_of('-');
  if (dash == std::string::npos || dash + 1 == pin.size()) return pin;
  for (size_t i = dash + 1; i < pin.size(); ++i)
    if (std::isdigit(static_cast<unsigned char>(pin[i])) == 0) return pin;
  return pin.substr(0, dash);
}

std::string NetlinkEntry::name() const {
  if (kind == Kind::Xdp) return fmt::format("xdp-{}-{}-{}", ifindex, xdp_flags, pin);
  return fmt::format("tc-{}-{}-{}-{}-{}-{}", ifindex, ingress ? "ingress" : "egress", handle, priority,
                     created_qdisc ? "q" : "n", pin);
}

bool NetlinkEntry::same_place(const NetlinkEntry& other) const noexcept {
  if (kind != other.kind || ifindex != other.ifindex) return false;
  if (kind == Kind::Xdp) return xdp_flags == other.xdp_flags;
  return ingress == other.ingress && handle == other.handle && priority == other.priority;
}

std::optional<NetlinkEntry> parse_netlink_entry(const std::string& name) {
  NetlinkEntry entry;
  if (name.starts_with("xdp-")) {
    const auto parts = split_dash(std::string_view(name).substr(4), 3);
    if (parts.size() != 3 || parts[2].empty()) return std::nullopt;
    if (!parse_u32(parts[0], entry.ifindex) || !parse_u32(parts[1], entry.xdp_flags)) return std::nullopt;
    entry.kind = NetlinkEntry::Kind::Xdp;
    entry.pin = std::string(parts[2]);
    return entry;
  }
  if (name.starts_with("tc-")) {
    const auto parts = split_dash(std::string_view(name).substr(3), 6);
    if (parts.size() != 6 || parts[5].empty()) return std::nullopt;
    if (!parse_u32(parts[0], entry.ifindex) || !parse_u32(parts[2], entry.handle) ||
        !parse_u32(parts[3], entry.priority))
      return std::nullopt;
    if (parts[1] != "ingress" && parts[1] != "egress") return std::nullopt;
    if (parts[4] != "q" && parts[4] != "n") return std::nullopt;
    entry.kind = NetlinkEntry::Kind::Tc;
    entry.ingress = parts[1] == "ingress";
    entry.created_qdisc = parts[4] == "q";
    entry.pin = std::string(parts[5]);
    return entry;
  }
  return std::nullopt;
}

Result<bool> exists(Kernel& kernel, const std::string& path) {
  Result<FileKind> kind = kernel.file_kind(path, false);
  if (!kind.ok()) return std::move(kind).error();
  return *kind != FileKind::Missing;
}

Result<std::vector<DirectoryEntry>> entries_of(Kernel& kernel, const std::string& dir) {
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(dir);
  if (!entries.ok() && entries.error().kind == ErrorKind::NotFound) return std::vector<DirectoryEntry>{};
  return entries;
}

Result<std::vector<std::string>> objects_in(Kernel& kernel, const std::string& set) {
  Result<std::vector<DirectoryEntry>> entries = entries_of(kernel, set);
  if (!entries.ok()) return std::move(entries).error();
  std::vector<std::string> objects;
  bool direct = false;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind != FileKind::Directory) continue;
    if (entry.name == "maps" || entry.name == "progs" || entry.name == "links" || entry.name == "netlink") {
      direct = true;
      continue;
    }
    if (entry.name == kSwitchingMarker || entry.name.starts_with(kDigestPrefix)) continue;
    objects.push_back(entry.name);
  }
  if (direct) objects.insert(objects.begin(), std::string());
  return objects;
}

Result<std::string> digest_of(Kernel& kernel, const std::string& set) {
  Result<std::vector<DirectoryEntry>> entries = entries_of(kernel, set);
  if (!entries.ok()) return std::move(entries).error();
  for (const DirectoryEntry& entry : *entries)
    if (entry.kind == FileKind::Directory && entry.name.starts_with(kDigestPrefix))
      return entry.name.substr(kDigestPrefix.size());
  return std::string();
}

Status remove_set_tree(Kernel& kernel, const std::string& dir, std::vector<std::string>* removed) {
  Result<bool> there = exists(kernel, dir);
  if (!there.ok()) return std::move(there).error();
  if (!*there) return {};
  BPFLOAD_TRY(check_bpffs(kernel, dir));
  BPFLOAD_TRY(check_tree(kernel, dir));
  return remove_tree(kernel, dir, removed);
}

}  // namespace bpfload::deploy
