// The names a deployment gives its pins and directories (deploy.hpp has the layout), and
// the walks over a set of them. Internal to the deploy layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

namespace bpfload::deploy {

/// The directory a staging set of `pin_dir` gets from process `pid`.
[[nodiscard]] std::string staging_dir(const std::string& pin_dir, int pid);
/// The marker directory made in a staging set before the first attachment is switched.
inline constexpr std::string_view kSwitchingMarker = "bpfload-switching";
/// Prefix of the directory naming the applied digest.
inline constexpr std::string_view kDigestPrefix = "bpfload-deployed-";

/// `set` or `set/object`.
[[nodiscard]] std::string object_dir(const std::string& set, const std::string& object);
/// "name" of a pin or directory path: what follows the last '/'.
[[nodiscard]] std::string base_name(const std::string& path);
[[nodiscard]] std::string parent_dir(const std::string& path);
/// The program a link pin or netlink entry pin name is for ("count-2" -> "count").
[[nodiscard]] std::string program_of_pin(const std::string& pin);

/// A netlink attachment, as its entry directory's name says.
struct NetlinkEntry {
  enum class Kind { Xdp, Tc } kind = Kind::Xdp;
  uint32_t ifindex = 0;
  uint32_t xdp_flags = 0;           ///< Xdp: XDP_FLAGS_*_MODE
  bool ingress = true;              ///< Tc
  uint32_t handle = 0;              ///< Tc
  uint32_t priority = 0;            ///< Tc
  bool created_qdisc = false;       ///< Tc: remove the clsact qdisc with the last filter
  std::string pin;                  ///< the attachment's pin name (program[-N])
  /// The entry's name: "xdp-IFINDEX-FLAGS-PIN", "tc-IFINDEX-ingress-HANDLE-PRIORITY-q-PIN".
  [[nodiscard]] std::string name() const;
  /// Same hook and filter (everything but the pin and qdisc ownership).
  [[nodiscard]] bool same_place(const NetlinkEntry& other) const noexcept;
};
/// Reads an entry name back; nullopt when it is not one.
[[nodiscard]] std::optional<NetlinkEntry> parse_netlink_entry(const std::string& name);

/// Names in `dir` (empty when it is missing), through the seam.
[[nodiscard]] Result<std::vector<DirectoryEntry>> entries_of(Kernel& kernel, const std::string& dir);
/// The object subdirectories of set `set` ("" for the set itself when it has maps/ or
/// progs/ directly).
[[nodiscard]] Result<std::vector<std::string>> objects_in(Kernel& kernel, const std::string& set);
/// The digest directory's digest in `set`, "" when none.
[[nodiscard]] Result<std::string> digest_of(Kernel& kernel, const std::string& set);

/// Removes every pin and directory of set `dir` (then `dir`), refusing before touching
/// anything when it holds something that is neither (a file, a symlink) or is not on
/// bpffs. Links pinned there stay attached if pinned elsewhere too: this unpins only.
[[nodiscard]] Status remove_set_tree(Kernel& kernel, const std::string& dir, std::vector<std::string>* removed = nullptr);

/// Whether something is at `path` (lstat).
[[nodiscard]] Result<bool> exists(Kernel& kernel, const std::string& path);

}  // namespace bpfload::deploy
