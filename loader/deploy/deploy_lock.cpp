// The lock that serialises deployments: an flock on the pin directory's parent. bpffs
// keeps it across mount namespaces (a pod and the host see one inode), and the kernel
// drops it when its holder dies, so kill -9 never leaves it taken.
#include "deploy_lock.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "bpfload/system.hpp"
#include "deploy_layout.hpp"

namespace bpfload::deploy {
namespace {

Result<Fd> lock_one(Kernel& kernel, const std::string& dir, const std::string& pin_dir, unsigned wait_ms) {
  Result<Fd> lock = kernel.lock_directory(dir, wait_ms);
  if (lock.ok()) return lock;
  if (lock.error().sys_errno == EWOULDBLOCK)
    return make_error(ErrorKind::Kernel,
                      fmt::format("another bpfload has been applying or removing a deployment in {} for {} ms and "
                                  "still holds its lock; wait for it and run again (`fuser -v {}` names the process)",
                                  dir, wait_ms, dir),
                      EWOULDBLOCK);
  return lock.error().with_context(fmt::format("lock {} for the deployment in {}", dir, pin_dir));
}

}  // namespace

Result<DeploymentLock> lock_deployments_beside(Kernel& kernel, const std::string& pin_dir, unsigned wait_ms) {
  const std::string parent = parent_dir(pin_dir);
  std::string existing = parent;
  for (;;) {
    Result<bool> there = exists(kernel, existing);
    if (!there.ok()) return std::move(there).error();
    if (*there || parent_dir(existing) == existing) break;
    existing = parent_dir(existing);
  }
  DeploymentLock lock;
  Result<Fd> held = lock_one(kernel, existing, pin_dir, wait_ms);
  if (!held.ok()) return std::move(held).error();
  if (existing == parent) {
    lock.fd = std::move(*held);
    return lock;
  }
  // Made and locked while the ancestor is held: a run arriving meanwhile waits on the
  // ancestor, then finds the parent and waits on it.
  Status made = make_directories(kernel, parent, lock.created_parents);
  if (!made.ok()) return made.error().with_context(fmt::format("create {} for the deployment in {}", parent, pin_dir));
  Result<Fd> parent_lock = lock_one(kernel, parent, pin_dir, wait_ms);
  if (!parent_lock.ok()) {
    remove_created_parents(kernel, lock);
    return std::move(parent_lock).error();
  }
  lock.fd = std::move(*parent_lock);
  return lock;
}

void remove_created_parents(Kernel& kernel, const DeploymentLock& lock) {
  for (auto it = lock.created_parents.rbegin(); it != lock.created_parents.rend(); ++it)
    (void)kernel.remove_directory(*it);
}

}  // namespace bpfload::deploy
