// Deployments through the C API: the file read and applied by the C++ library, which
// holds every step; this converts arguments and errors only.
#include <cstddef>
#include "bpfload/deploy.hpp"
#include "bpfload/deploy_file.hpp"
#include "capi_object.hpp"

using bpfload::DeployOptions;
using bpfload::DeployOutcome;
using bpfload::Status;
using bpfload::capi::call_guarded;
using bpfload::capi::null_argument;
using bpfload::capi::thread_error_slot;

namespace {

bpfload_deploy_outcome outcome_of(DeployOutcome outcome) {
  switch (outcome) {
    case DeployOutcome::Created: return BPFLOAD_DEPLOY_CREATED;
    case DeployOutcome::Upgraded: return BPFLOAD_DEPLOY_UPGRADED;
    case DeployOutcome::Unchanged: return BPFLOAD_DEPLOY_UNCHANGED;
    case DeployOutcome::Removed: return BPFLOAD_DEPLOY_REMOVED;
  }
  return BPFLOAD_DEPLOY_UNCHANGED;
}

Status options_from(const char* function, const bpfload_deploy_opts* opts, DeployOptions& options) {
  if (opts == nullptr) return {};
  // The first version of the struct ended before `error`.
  BPFLOAD_TRY(bpfload::capi::check_opts_size(function, opts, opts->sz, offsetof(bpfload_deploy_opts, error),
                                             sizeof(bpfload_deploy_opts)));
  options.dry_run = opts->dry_run != 0;
  return {};
}

}  // namespace

extern "C" {

BPFLOAD_API bpfload_status bpfload_deploy_apply_file(const char* path, const bpfload_deploy_opts* opts,
                                                     bpfload_deploy_outcome* outcome) {
  return bpfload::capi::call_without_object(bpfload::capi::error_buf_of(opts), [&]() -> Status {
    if (path == nullptr) return null_argument("bpfload_deploy_apply_file", "path");
    DeployOptions options;
    options.replace = true;
    BPFLOAD_TRY(options_from("bpfload_deploy_apply_file", opts, options));
    auto deployments = bpfload::read_deployment_file(path);
    if (!deployments.ok()) return std::move(deployments).error();
    for (const bpfload::Deployment& deployment : *deployments) {
      auto report = bpfload::apply_deployment(deployment, options);
      if (!report.ok()) return report.error().with_context(deployment.pin_dir);
      if (outcome != nullptr) *outcome = outcome_of(report->outcome);
    }
    return {};
  });
}

BPFLOAD_API bpfload_status bpfload_deploy_remove(const char* pin_dir, const bpfload_deploy_opts* opts) {
  return bpfload::capi::call_without_object(bpfload::capi::error_buf_of(opts), [&]() -> Status {
    if (pin_dir == nullptr) return null_argument("bpfload_deploy_remove", "pin_dir");
    DeployOptions options;
    BPFLOAD_TRY(options_from("bpfload_deploy_remove", opts, options));
    auto report = bpfload::remove_deployment(pin_dir, options);
    if (!report.ok()) return std::move(report).error();
    return {};
  });
}

}  // extern "C"
