// `bpfload apply FILE`, `bpfload status FILE|DIR`, `bpfload delete FILE|DIR`: deployment
// files (docs/deploy.md) applied, compared and removed through the library's deployment.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/deploy.hpp"
#include "bpfload/deploy_file.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "deploy_output.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct DeployVerbOptions {
  std::string target;  ///< FILE, or for status/delete also a pin directory
  bool dry_run = false;
  bool json = false;
};

/// The pin directories `target` names: a pin directory itself (a directory), or those of
/// the deployment file it is.
Result<std::vector<std::string>> pin_dirs_of(const std::string& target) {
  Result<FileKind> kind = system_kernel().file_kind(target, true);
  if (!kind.ok()) return std::move(kind).error();
  if (*kind == FileKind::Directory) return std::vector<std::string>{target};
  if (*kind == FileKind::Missing && target.starts_with("/sys/fs/bpf/")) return std::vector<std::string>{target};
  Result<std::vector<Deployment>> deployments = read_deployment_file(target);
  if (!deployments.ok()) return std::move(deployments).error();
  std::vector<std::string> dirs;
  for (const Deployment& deployment : *deployments) dirs.push_back(deployment.pin_dir);
  return dirs;
}

int run_apply(const DeployVerbOptions& options) {
  Result<std::vector<Deployment>> deployments = read_deployment_file(options.target);
  if (!deployments.ok()) return report_error(deployments.error(), options.json);
  Json documents = Json::array();
  for (const Deployment& deployment : *deployments) {
    DeployOptions deploy;
    deploy.replace = true;  // a file says what should be there: an upgrade is what apply is for
    deploy.dry_run = options.dry_run;
    Result<DeployReport> report = apply_deployment(deployment, deploy);
    if (!report.ok()) {
      const Error& error = report.error();
      if (options.json) {
        documents.push_back(Json{{"pin_dir", deployment.pin_dir}, {"outcome", "failed"}, {"error", error_json(error)}});
        print_json(Json{{"file", options.target}, {"deployments", documents}});
      } else {
        if (!error.verifier_log.empty()) fmt::print("verifier log:\n{}\n", escape_for_terminal(error.verifier_log));
        fmt::print("nothing changed: {} is as it was before this command\n", escape_for_terminal(deployment.pin_dir));
      }
      print_error_line(fmt::format("{}: {}", deployment.pin_dir, error.message));
      return exit_code_for(error);
    }
    if (options.json) {
      Json document = deploy_report_json(*report);
      document["pin_dir"] = deployment.pin_dir;
      documents.push_back(document);
    } else {
      print_deploy_report(*report, deployment.pin_dir, options.dry_run);
    }
  }
  if (options.json) print_json(Json{{"file", options.target}, {"dry_run", options.dry_run}, {"deployments", documents}});
  return kExitOk;
}

int run_status(const DeployVerbOptions& options) {
  Result<std::vector<std::string>> dirs = pin_dirs_of(options.target);
  if (!dirs.ok()) return report_error(dirs.error(), options.json);
  // Against a file, also whether what is deployed is what the file describes.
  Result<std::vector<Deployment>> desired = make_error(ErrorKind::NotFound, "");
  Result<FileKind> kind = system_kernel().file_kind(options.target, true);
  if (kind.ok() && *kind == FileKind::Regular) desired = read_deployment_file(options.target);
  Json documents = Json::array();
  int exit = kExitOk;
  for (size_t i = 0; i < dirs->size(); ++i) {
    Result<DeploymentStatus> status = deployment_status((*dirs)[i]);
    if (!status.ok()) return report_error(status.error(), options.json);
    std::string verdict;
    if (desired.ok()) {
      Result<std::string> digest = deployment_digest((*desired)[i]);
      if (!digest.ok()) return report_error(digest.error(), options.json);
      verdict = !status->present          ? "not deployed"
                : status->digest == *digest ? "deployed as described"
                                            : "differs from the file (bpfload apply to make it so)";
      if (verdict != "deployed as described") exit = kExitRefused;
    }
    if (options.json) {
      Json document = deployment_status_json((*dirs)[i], *status);
      document["verdict"] = verdict.empty() ? Json(nullptr) : Json(verdict);
      documents.push_back(document);
    } else {
      print_deployment_status((*dirs)[i], *status);
      if (!verdict.empty()) fmt::print("{}\n", verdict);
    }
  }
  if (options.json) print_json(Json{{"target", options.target}, {"deployments", documents}});
  return exit;
}

int run_delete(const DeployVerbOptions& options) {
  Result<std::vector<std::string>> dirs = pin_dirs_of(options.target);
  if (!dirs.ok()) return report_error(dirs.error(), options.json);
  Json documents = Json::array();
  for (const std::string& dir : *dirs) {
    DeployOptions deploy;
    deploy.dry_run = options.dry_run;
    Result<DeployReport> report = remove_deployment(dir, deploy);
    if (!report.ok()) {
      if (report.error().kind == ErrorKind::NotFound && dirs->size() > 1) continue;  // one of several never applied
      return report_error(report.error().with_context(dir), options.json);
    }
    if (options.json) {
      Json document = deploy_report_json(*report);
      document["pin_dir"] = dir;
      documents.push_back(document);
    } else {
      print_deploy_report(*report, dir, options.dry_run);
    }
  }
  if (options.json) print_json(Json{{"target", options.target}, {"deployments", documents}});
  return kExitOk;
}

VerbRunner setup(CLI::App& command, int (*run)(const DeployVerbOptions&), const char* target_help, bool dry_run) {
  auto options = std::make_shared<DeployVerbOptions>();
  command.add_option("TARGET", options->target, target_help)->required();
  if (dry_run) command.add_flag("--dry-run", options->dry_run, "say what would change; change nothing");
  add_json_flags(command, options->json);
  return [options, run] { return run(*options); };
}

}  // namespace

VerbRunner setup_apply(CLI::App& command) {
  return setup(command, run_apply, "deployment file (YAML or JSON; docs/deploy.md)", true);
}

VerbRunner setup_status(CLI::App& command) {
  return setup(command, run_status, "deployment file, or a pin directory", false);
}

VerbRunner setup_delete(CLI::App& command) {
  return setup(command, run_delete, "deployment file, or a pin directory", true);
}

}  // namespace bpfload::cli
