// Taking turns: one bpfload at a time applies or removes a deployment in a directory.
#pragma once

#include <string>
#include <vector>

#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

namespace bpfload::deploy {

/// The lock of the directory a pin directory sits in, held while `fd` is open.
struct DeploymentLock {
  Fd fd;
  /// Directories above the pin directory this run made to have something to lock,
  /// parents first; a run that fails removes them again (remove_created_parents).
  std::vector<std::string> created_parents;
};

/// Takes the lock of the directory `pin_dir` sits in, waiting up to `wait_ms`. The parent,
/// not `pin_dir` itself: the pin directory is swapped with its staging directory by
/// rename, and a lock on its inode would move with it. A missing parent is made under the
/// lock of its nearest existing ancestor, so every run ends up locking the same inode.
/// Fails with Kernel (EWOULDBLOCK: another bpfload still holds it, named with what to
/// do; others from mkdir or open).
[[nodiscard]] Result<DeploymentLock> lock_deployments_beside(Kernel& kernel, const std::string& pin_dir,
                                                             unsigned wait_ms);

/// Removes the (empty) parents `lock` made, deepest first; what is not empty stays.
void remove_created_parents(Kernel& kernel, const DeploymentLock& lock);

}  // namespace bpfload::deploy
