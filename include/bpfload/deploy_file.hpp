// Deployment files: the desired state in YAML (which also reads JSON), as `bpfload apply`
// and bpfload_deploy_apply_file() take it. The schema is in docs/deploy.md.
#pragma once

#include <string>
#include <vector>

#include "bpfload/deploy.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Largest deployment file read (1 MiB): a description, not data.
inline constexpr uint64_t kMaxDeploymentFileBytes = uint64_t{1} << 20;

/// The deployments of `text` (one document: one deployment, or `deployments:` a list of
/// them). Relative object paths are taken from `base_dir`. Every refusal is
/// InvalidArgument starting "line N:" (1-based) and saying what to write: unknown keys,
/// wrong types, missing required keys, two attachments of one program to one place, two
/// deployments claiming one pin directory (or one inside the other).
[[nodiscard]] Result<std::vector<Deployment>> parse_deployments(const std::string& text, const std::string& base_dir,
                                                               const std::string& file_name = "deployment file");

/// Reads `path` through `kernel` (the hardened reader: a regular file of at most
/// kMaxDeploymentFileBytes) and parses it; object paths are relative to its directory.
/// Also fails with NotFound (line named) when an object file does not exist.
[[nodiscard]] Result<std::vector<Deployment>> read_deployment_file(const std::string& path, Kernel* kernel = nullptr);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
