// Finishing or undoing what an interrupted run left beside a pin directory.
#pragma once

#include <string>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

namespace bpfload::deploy {

/// The staging directories of `pin_dir` (D-bpfload-new-PID) there are now, with their pids.
struct StagingDir {
  std::string path;
  int pid = 0;
  bool running = false;  ///< a process with that pid exists (and it is not this one)
};
[[nodiscard]] Result<std::vector<StagingDir>> staging_dirs(Kernel& kernel, const std::string& pin_dir);

/// Undoes (the switching marker still in the staging directory, or none) or finishes (the
/// marker in `pin_dir`) every interrupted run on `pin_dir`, one line each in the result.
/// InvalidArgument when another running process is deploying there.
[[nodiscard]] Result<std::vector<std::string>> recover(Kernel& kernel, const std::string& pin_dir);

}  // namespace bpfload::deploy
