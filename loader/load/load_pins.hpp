// Pin paths and the rollback journal of pins and directories a load created.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/system.hpp"

namespace bpfload {

/// Records every pin and directory a load creates so a failed load can remove them,
/// newest first. Pins it did not create (reused maps) are never touched.
class PinJournal {
 public:
  explicit PinJournal(Kernel& kernel) : kernel_(kernel) {}
  PinJournal(const PinJournal&) = delete;
  PinJournal& operator=(const PinJournal&) = delete;

  /// Creates `dir` and missing parents, journaling the ones it made. Fails with Kernel.
  [[nodiscard]] Status make_directories(const std::string& dir);
  /// Pins `fd` at `path` (creating the parent directory); fails with Kernel naming the path.
  [[nodiscard]] Status pin(int fd, const std::string& path);
  /// Removes every journaled pin and directory, newest first. Best effort.
  void rollback();
  /// Forgets the journal: the pins now belong to the user.
  void commit() { entries_.clear(); }

 private:
  struct Entry {
    bool is_directory = false;
    std::string path;
  };
  Kernel& kernel_;
  std::vector<Entry> entries_;
};

/// Checks that `name` can be a file name: not "", ".", "..", no '/', no NUL, at most
/// 255 bytes. `what` names the object for the message ("map 'x'"). Fails with InvalidArgument.
[[nodiscard]] Status check_path_name(std::string_view name, std::string_view what);

/// The object-requested pin path of a map with `pinning`, nullopt for Pinning::None.
/// Fails with InvalidArgument for ObjectNs without options.object_id.
[[nodiscard]] Result<std::optional<std::string>> map_pin_path(const std::string& name, Pinning pinning,
                                                              const LoadOptions& options);

/// Checks that `path` (or, when it does not exist yet, its nearest existing parent)
/// is on bpffs, with a message saying how to mount one. `what` names the option.
[[nodiscard]] Status check_pin_root(Kernel& system, const std::string& path, std::string_view what);

/// True when something exists at `path` (lstat succeeds). Fails with Kernel when it
/// cannot tell (EACCES, ...).
[[nodiscard]] Result<bool> path_exists(Kernel& system, const std::string& path);

}  // namespace bpfload
