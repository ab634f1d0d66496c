// `bpfload tc DEV ingress|egress OBJ [sec SECTION]` and `bpfload xdp DEV OBJ [sec SECTION]
// [mode native|generic]`: what `tc filter add ... bpf da obj` and `ip link set ... xdp obj`
// did, for objects today's tc and ip refuse. Only the chosen section is loaded (with the
// object's tail-call sections, as tc loads them), every program gets the hook's type, and
// the attachment is the same netlink one tc and ip make, so it outlives the command and
// the old commands show and remove it.
#include <linux/bpf.h>

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "attach_output.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/dropin.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/section_table.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "dropin_off.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct DropinOptions {
  bool tc = true;
  std::string device;
  std::string direction;        ///< tc: ingress | egress
  std::string object;
  std::vector<std::string> words;  ///< "sec SECTION", "mode MODE"
  std::string pin_root = "/sys/fs/bpf";
  std::string map_layout = "auto";  ///< legacy map layout, as `load --map-layout`
  bool replace = false;
  bool json = false;
};

struct Words {
  std::string section;
  std::string mode;
};

Result<Words> parse_words(const DropinOptions& options) {
  Words words;
  for (size_t i = 0; i < options.words.size(); i += 2) {
    const std::string& key = options.words[i];
    if (i + 1 >= options.words.size()) {
      return make_error(ErrorKind::InvalidArgument, fmt::format("'{}' needs a value", key));
    }
    const std::string& value = options.words[i + 1];
    if (key == "sec" || key == "section") {
      words.section = value;
    } else if (!options.tc && key == "mode") {
      if (value != "native" && value != "generic" && value != "offload") {
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("mode '{}': say native, generic or offload", value));
      }
      words.mode = value;
    } else {
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("unknown word '{}' (expected 'sec SECTION'{})", key,
                                    options.tc ? "" : " or 'mode native|generic'"));
    }
  }
  return words;
}

XdpMode xdp_mode(const std::string& mode) {
  if (mode == "native") return XdpMode::Native;
  if (mode == "generic") return XdpMode::Generic;
  if (mode == "offload") return XdpMode::Offload;
  return XdpMode::Auto;
}

int run_dropin(const DropinOptions& options) {
  auto words = parse_words(options);
  if (!words) return report_error(to_string(words.error().kind), words.error().message, 0, options.json, kExitUsage);
  TcDirection direction = TcDirection::Ingress;
  if (options.tc) {
    if (options.direction == "egress") {
      direction = TcDirection::Egress;
    } else if (options.direction != "ingress") {
      return report_error("invalid_argument",
                          fmt::format("'{}': say ingress or egress", options.direction), 0, options.json,
                          kExitUsage);
    }
  }
  auto layout = map_layout_from_string(options.map_layout);
  if (!layout) return report_error(layout.error().with_context("--map-layout"), options.json);
  DropinRequest request;
  request.tc = options.tc;
  request.device = options.device;
  request.direction = direction;
  request.object = options.object;
  request.section = words->section;
  request.xdp_mode = xdp_mode(words->mode);
  request.pin_root = options.pin_root;
  request.legacy_layout = *layout;
  auto result = attach_dropin(request);
  if (!result) return report_error(result.error(), options.json);
  const LoadReport& report = result->report;
  AttachSet set;
  for (Attachment& attachment : result->attachments) set.add(std::move(attachment));
  const std::vector<std::string>& warnings = result->warnings;
  Json attached = Json::array();
  if (!options.json) fmt::print("attached ({}):\n", set.attachments().size());
  for (Attachment& attachment : set.attachments()) {
    attachment.keep();
    const std::string hint = removal_hint(attachment, options.device);
    if (options.json) {
      attached.push_back(attachment_json(attachment, hint));
    } else {
      print_attachment(attachment);
      fmt::print("    remove with: {}\n", hint);
    }
  }
  if (options.json) {
    Json maps = Json::array();
    for (const MapResult& map : report.maps) {
      maps.push_back(Json{{"name", map.name},
                          {"id", map.id},
                          {"pinned", map.pin_path.empty() ? Json(nullptr) : Json(map.pin_path)},
                          {"reused", map.reused}});
    }
    Json programs = Json::array();
    for (const ProgramResult& program : report.programs) {
      programs.push_back(Json{{"name", program.name}, {"section", program.section}, {"id", program.id}});
    }
    print_json(Json{{"file", options.object},
                    {"device", options.device},
                    {"hook", options.tc ? options.direction : std::string("xdp")},
                    {"section", result->section},
                    {"maps", maps},
                    {"programs", programs},
                    {"attached", attached},
                    {"warnings", warnings},
                    {"error", nullptr}});
  } else {
    // Where each map is, so its counters can be read without bpftool.
    fmt::print("maps ({}):\n", report.maps.size());
    for (const MapResult& map : report.maps) {
      if (!map.pin_path.empty())
        fmt::print("  {} id {}: pinned at {}{}\n", map.name, map.id, map.pin_path, map.reused ? " (reused)" : "");
      else
        fmt::print("  {} id {}: not pinned (read it with `bpfload map dump id {}` while attached)\n", map.name,
                   map.id, map.id);
    }
    for (const std::string& warning : warnings) fmt::print("warning: {}\n", warning);
  }
  return kExitOk;
}

void add_common(CLI::App& command, DropinOptions& options) {
  command.add_option("WORDS", options.words, "sec SECTION" + std::string(options.tc ? "" : ", mode native|generic"));
  command.add_option("--pin-root", options.pin_root,
                     "bpffs directory for the pins the object asks for (tc/globals, as tc)")
      ->capture_default_str();
  command.add_flag("--replace", options.replace,
                   "accepted for compatibility: running the command again replaces what it attached before "
                   "(the tc filter with handle 1 priority 49152, the device's XDP program)");
  command.add_option("--map-layout", options.map_layout,
                     "legacy map definition layout: auto, libbpf, samples or iproute2 (auto reads 28-byte "
                     "definitions of a tc-style object as iproute2's)")
      ->capture_default_str();
  command.add_flag("--json", options.json, "print one JSON document (see docs/cli.md)");
}

// DEV, DIRECTION and OBJ are checked here rather than by CLI11, which would ask for them
// after `off` too.
int run_dropin_or_off(const DropinOptions& options, const CLI::App* off, const VerbRunner& run_off) {
  if (off->parsed()) return run_off();
  std::string missing;
  if (options.device.empty()) missing = "DEV";
  else if (options.tc && options.direction.empty()) missing = "DIRECTION";
  else if (options.object.empty()) missing = "OBJ";
  if (!missing.empty()) {
    return report_error("usage",
                        fmt::format("{} is required: bpfload {} (see bpfload help {})", missing,
                                    options.tc ? "tc DEV ingress|egress OBJ [sec SECTION], or tc off DEV [ingress|egress]"
                                               : "xdp DEV OBJ [sec SECTION] [mode MODE], or xdp off DEV",
                                    options.tc ? "tc" : "xdp"),
                        0, options.json, kExitUsage);
  }
  return run_dropin(options);
}

}  // namespace

VerbRunner setup_tc(CLI::App& command) {
  auto options = std::make_shared<DropinOptions>();
  options->tc = true;
  command.add_option("DEV", options->device, "network interface");
  command.add_option("DIRECTION", options->direction, "ingress or egress");
  command.add_option("OBJ", options->object, "BPF ELF object file");
  add_common(command, *options);
  CLI::App* off = nullptr;
  VerbRunner run_off = add_off_subcommand(command, true, off);
  return [options, off, run_off] { return run_dropin_or_off(*options, off, run_off); };
}

VerbRunner setup_xdp(CLI::App& command) {
  auto options = std::make_shared<DropinOptions>();
  options->tc = false;
  command.add_option("DEV", options->device, "network interface");
  command.add_option("OBJ", options->object, "BPF ELF object file");
  add_common(command, *options);
  CLI::App* off = nullptr;
  VerbRunner run_off = add_off_subcommand(command, false, off);
  return [options, off, run_off] { return run_dropin_or_off(*options, off, run_off); };
}

}  // namespace bpfload::cli
