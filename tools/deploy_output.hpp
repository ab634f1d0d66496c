// What the deployment verbs print (load --pin-dir, apply, status, delete): the outcome,
// what an interrupted run left and what was done about it, every change, every attachment.
#pragma once

#include "bpfload/deploy.hpp"
#include "cli_output.hpp"

namespace bpfload::cli {

/// {"outcome", "digest", "recovered", "changes", "attached", "not_attached"}.
[[nodiscard]] Json deploy_report_json(const DeployReport& report);

/// The report as text: recovered lines, changes, attachments, then the outcome line.
void print_deploy_report(const DeployReport& report, const std::string& pin_dir, bool dry_run);

/// {"pin_dir", "present", "digest", "staging", "maps", "programs", "attached"}.
[[nodiscard]] Json deployment_status_json(const std::string& pin_dir, const DeploymentStatus& status);
void print_deployment_status(const std::string& pin_dir, const DeploymentStatus& status);

}  // namespace bpfload::cli
