#include "dropin_off.hpp"

#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "cli_output.hpp"

namespace bpfload::cli {
namespace {

struct OffOptions {
  bool tc = false;
  std::string device;
  std::string direction;  ///< tc: "", ingress or egress
  bool json = false;
};

Json removed_json(const std::vector<DeviceDetachment>& removed) {
  Json entries = Json::array();
  for (const DeviceDetachment& entry : removed) {
    entries.push_back(Json{{"hook", entry.hook},
                           {"mechanism", entry.mechanism},
                           {"prog_id", entry.prog_id == 0 ? Json(nullptr) : Json(entry.prog_id)},
                           {"link_id", entry.link_id == 0 ? Json(nullptr) : Json(entry.link_id)}});
  }
  return entries;
}

std::string describe(const DeviceDetachment& entry) {
  if (entry.mechanism == "link") return fmt::format("{}: link {} (program {}) detached", entry.hook, entry.link_id, entry.prog_id);
  if (entry.mechanism == "netlink") return fmt::format("{}: program {} removed", entry.hook, entry.prog_id);
  if (entry.mechanism == "tc-filters") return fmt::format("{}: every filter deleted", entry.hook);
  return fmt::format("{}: qdisc deleted", entry.hook);
}

int run_off(const OffOptions& options) {
  std::optional<TcDirection> direction;
  if (options.direction == "ingress") {
    direction = TcDirection::Ingress;
  } else if (options.direction == "egress") {
    direction = TcDirection::Egress;
  } else if (!options.direction.empty()) {
    return report_error("invalid_argument", fmt::format("'{}': say ingress or egress, or nothing for both",
                                                        options.direction),
                        0, options.json, kExitUsage);
  }
  Kernel& kernel = system_kernel();
  auto removed = options.tc ? detach_tc_device(kernel, options.device, direction)
                            : detach_xdp_device(kernel, options.device);
  if (!removed) return report_error(removed.error(), options.json);
  const std::string hook = options.tc ? (options.direction.empty() ? std::string("tc") : options.direction)
                                      : std::string("xdp");
  if (options.json) {
    print_json(Json{{"device", options.device}, {"hook", hook}, {"removed", removed_json(*removed)},
                    {"error", nullptr}});
    return kExitOk;
  }
  if (removed->empty()) {
    fmt::print("nothing was attached to {} ({})\n", options.device, hook);
    return kExitOk;
  }
  fmt::print("removed from {} ({}):\n", options.device, removed->size());
  for (const DeviceDetachment& entry : *removed) fmt::print("  {}\n", describe(entry));
  return kExitOk;
}

}  // namespace

VerbRunner add_off_subcommand(CLI::App& command, bool tc, CLI::App*& off) {
  auto options = std::make_shared<OffOptions>();
  options->tc = tc;
  off = command.add_subcommand(
      "off", tc ? "remove every tc program from DEV: tcx links and the filters of clsact ingress/egress; "
                  "without a direction the clsact qdisc too (as 'tc qdisc del dev DEV clsact')"
                : "remove every XDP program from DEV in every mode, links included (as 'ip link set dev "
                  "DEV xdp off')");
  off->add_option("DEV", options->device, "network interface")->required();
  if (tc) off->add_option("DIRECTION", options->direction, "ingress or egress (default: both)");
  add_json_flags(*off, options->json);
  return [options] { return run_off(*options); };
}

}  // namespace bpfload::cli
