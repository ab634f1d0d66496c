// `bpfload detach PATH` (a pinned link, or a pin directory and everything in it) and
// `bpfload link list` (every BPF link in the system).
#include <memory>
#include <string>

#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "bpfload/deploy.hpp"
#include "cli_output.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct DetachOptions {
  std::string path;
  bool json = false;
};

// A deployment's directory holds netlink attachments as empty directories, which only
// the deployment knows how to take away: it is removed as `bpfload delete` removes it.
int run_detach_deployment(const DetachOptions& options) {
  auto report = remove_deployment(options.path);
  if (!report) return report_error(report.error(), options.json);
  if (options.json) {
    print_json(Json{{"path", options.path}, {"removed", report->changes}, {"error", nullptr}});
    return kExitOk;
  }
  fmt::print("removed the deployment in {}:\n", escape_for_terminal(options.path));
  for (const std::string& line : report->recovered) fmt::print("  {}\n", escape_for_terminal(line));
  for (const std::string& line : report->changes) fmt::print("  {}\n", escape_for_terminal(line));
  return kExitOk;
}

int run_detach(const DetachOptions& options) {
  if (auto status = deployment_status(options.path); status && status->present && !status->digest.empty())
    return run_detach_deployment(options);
  auto removed = detach_pinned(system_kernel(), options.path);
  if (!removed) return report_error(removed.error(), options.json);
  if (options.json) {
    print_json(Json{{"path", options.path}, {"removed", *removed}, {"error", nullptr}});
    return kExitOk;
  }
  fmt::print("removed ({}):\n", removed->size());
  for (const std::string& path : *removed) fmt::print("  {}\n", path);
  return kExitOk;
}

struct LinkListOptions {
  bool json = false;
};

int run_link_list(const LinkListOptions& options) {
  auto links = list_links(system_kernel());
  if (!links) return report_error(links.error(), options.json);
  if (options.json) {
    Json entries = Json::array();
    for (const LinkEntry& link : *links) {
      entries.push_back(Json{{"id", link.info.id},
                             {"type", link.type_name},
                             {"prog_id", link.info.prog_id},
                             {"target", link.target}});
    }
    print_json(Json{{"links", entries}, {"error", nullptr}});
    return kExitOk;
  }
  fmt::print("links ({}):\n", links->size());
  for (const LinkEntry& link : *links) {
    fmt::print("  {}: {} prog {}{}\n", link.info.id, link.type_name, link.info.prog_id,
               link.target.empty() ? std::string() : " " + link.target);
  }
  return kExitOk;
}

}  // namespace

VerbRunner setup_detach(CLI::App& command) {
  auto options = std::make_shared<DetachOptions>();
  command.add_option("PATH", options->path,
                     "a pinned link (DIR/links/PROGRAM), or a pin directory: everything pinned below it "
                     "is detached and removed")
      ->required();
  command.add_flag("--json", options->json, "print one JSON document (see docs/cli.md)");
  return [options] { return run_detach(*options); };
}

VerbRunner setup_link(CLI::App& command) {
  auto options = std::make_shared<LinkListOptions>();
  CLI::App* list = command.add_subcommand("list", "every BPF link in the system and where it is attached");
  list->add_flag("--json", options->json, "print one JSON document (see docs/cli.md)");
  command.require_subcommand(1);
  return [options] { return run_link_list(*options); };
}

}  // namespace bpfload::cli
