// Reading a deployment's objects and checking its description before anything is made.
#pragma once

#include <string>
#include <vector>

#include "bpfload/deploy.hpp"
#include "bpfload/spec.hpp"

namespace bpfload::deploy {

/// One object read, parsed and configured (settings, program types applied).
struct PreparedObject {
  const ObjectDeployment* description = nullptr;
  ObjectSpec spec;
  std::string sha1;       ///< of the object's bytes
  std::string object_id;  ///< iproute2 object-ns directory name ("" when none is needed)
};

/// Checks the description (names, pin directory) and reads every object through `kernel`.
[[nodiscard]] Result<std::vector<PreparedObject>> prepare(Kernel& kernel, const Deployment& deployment);

/// SHA-1 of the canonical description and the objects' digests.
[[nodiscard]] Result<std::string> digest_of(const Deployment& deployment, const std::vector<PreparedObject>& objects);

/// Checks that every device and cgroup the attachments name exists, before anything is
/// loaded or pinned. NotFound names it.
[[nodiscard]] Status check_targets(Kernel& kernel, const std::vector<PreparedObject>& objects);

}  // namespace bpfload::deploy
