// Deployment reports as text and JSON.
#include "deploy_output.hpp"

#include <fmt/format.h>

namespace bpfload::cli {
namespace {

Json attachment_json(const DeployedAttachment& attachment) {
  return Json{{"object", attachment.object},
              {"program", attachment.program},
              {"target", attachment.target},
              {"mechanism", attachment.mechanism},
              {"link_id", attachment.link_id == 0 ? Json(nullptr) : Json(attachment.link_id)},
              {"prog_id", attachment.prog_id},
              {"pinned", attachment.pin},
              {"change", attachment.change.empty() ? Json(nullptr) : Json(attachment.change)}};
}

void print_attachment_line(const DeployedAttachment& attachment) {
  const std::string who = attachment.object.empty() ? attachment.program : attachment.object + "/" + attachment.program;
  std::string extra = attachment.link_id != 0 ? fmt::format("link {}", attachment.link_id) : attachment.mechanism;
  if (attachment.prog_id != 0) extra += fmt::format(", program {}", attachment.prog_id);
  if (!attachment.change.empty()) extra += ", " + attachment.change;
  fmt::print("  {} -> {} [{}]\n    pinned {}\n", escape_for_terminal(who), escape_for_terminal(attachment.target), extra,
             escape_for_terminal(attachment.pin));
}

}  // namespace

Json deploy_report_json(const DeployReport& report) {
  Json attached = Json::array();
  for (const DeployedAttachment& attachment : report.attachments) attached.push_back(attachment_json(attachment));
  return Json{{"outcome", std::string(to_string(report.outcome))},
              {"digest", report.digest.empty() ? Json(nullptr) : Json(report.digest)},
              {"recovered", report.recovered},
              {"changes", report.changes},
              {"attached", attached},
              {"not_attached", report.not_attached}};
}

void print_deploy_report(const DeployReport& report, const std::string& pin_dir, bool dry_run) {
  for (const std::string& line : report.recovered) fmt::print("recovered: {}\n", escape_for_terminal(line));
  for (const std::string& line : report.changes)
    fmt::print("{}{}\n", dry_run ? "would: " : "", escape_for_terminal(line));
  if (!report.attachments.empty()) {
    fmt::print("attached ({}):\n", report.attachments.size());
    for (const DeployedAttachment& attachment : report.attachments) print_attachment_line(attachment);
  }
  for (const std::string& reason : report.not_attached) fmt::print("  not attached: {}\n", escape_for_terminal(reason));
  switch (report.outcome) {
    case DeployOutcome::Unchanged:
      fmt::print("unchanged: {} already holds this deployment; nothing was touched\n", escape_for_terminal(pin_dir));
      break;
    case DeployOutcome::Created:
      fmt::print("{}: {} (remove with: bpfload delete {})\n", dry_run ? "would create" : "created",
                 escape_for_terminal(pin_dir), escape_for_terminal(pin_dir));
      break;
    case DeployOutcome::Upgraded:
      fmt::print("{}: {}\n", dry_run ? "would upgrade" : "upgraded", escape_for_terminal(pin_dir));
      break;
    case DeployOutcome::Removed:
      fmt::print("{}: {}\n", dry_run ? "would remove" : "removed", escape_for_terminal(pin_dir));
      break;
  }
}

Json deployment_status_json(const std::string& pin_dir, const DeploymentStatus& status) {
  Json attached = Json::array();
  for (const DeployedAttachment& attachment : status.attachments) attached.push_back(attachment_json(attachment));
  return Json{{"pin_dir", pin_dir},
              {"present", status.present},
              {"digest", status.digest.empty() ? Json(nullptr) : Json(status.digest)},
              {"staging", status.staging},
              {"maps", status.maps},
              {"programs", status.programs},
              {"attached", attached}};
}

void print_deployment_status(const std::string& pin_dir, const DeploymentStatus& status) {
  if (!status.present) {
    fmt::print("{}: nothing deployed\n", escape_for_terminal(pin_dir));
  } else {
    fmt::print("{}: {}\n", escape_for_terminal(pin_dir),
               status.digest.empty() ? std::string("pins of a plain load (no deployment record)")
                                     : fmt::format("deployment {}", status.digest));
  }
  for (const std::string& line : status.staging) fmt::print("  interrupted run: {}\n", escape_for_terminal(line));
  if (!status.maps.empty()) fmt::print("maps ({}):\n", status.maps.size());
  for (const std::string& line : status.maps) fmt::print("  {}\n", escape_for_terminal(line));
  if (!status.programs.empty()) fmt::print("programs ({}):\n", status.programs.size());
  for (const std::string& line : status.programs) fmt::print("  {}\n", escape_for_terminal(line));
  if (!status.attachments.empty()) fmt::print("attached ({}):\n", status.attachments.size());
  for (const DeployedAttachment& attachment : status.attachments) print_attachment_line(attachment);
}

}  // namespace bpfload::cli
