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

bool is_tail_call_section(const std::string& section) {
  const auto kind = section_kind(section);
  return kind && kind->tail_call_key;
}

// tc's and ip's default section names, else the object's only section that is not a
// tail-call section.
Result<std::string> choose_section(const ObjectSpec& spec, const std::string& asked, bool tc,
                                   const std::string& object) {
  std::vector<std::string> sections;
  for (const ProgramSpec& program : spec.programs) {
    if (is_tail_call_section(program.section)) continue;
    if (std::find(sections.begin(), sections.end(), program.section) == sections.end())
      sections.push_back(program.section);
  }
  const std::string wanted = !asked.empty() ? asked : (tc ? "classifier" : "prog");
  if (std::find(sections.begin(), sections.end(), wanted) != sections.end()) return wanted;
  if (asked.empty() && sections.size() == 1) return sections.front();
  return make_error(ErrorKind::NotFound,
                    fmt::format("{} has no program section '{}'; its sections: {} (choose one with 'sec SECTION')",
                                object, wanted, fmt::join(sections, ", ")));
}

Result<LoadOptions> dropin_load_options(const DropinOptions& options, ObjectSpec& spec,
                                        const std::string& section, std::span<const std::byte> bytes) {
  LoadOptions load;
  load.pin_root = options.pin_root;
  const uint32_t type = options.tc ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_XDP;
  for (ProgramSpec& program : spec.programs) {
    if (program.section != section && !is_tail_call_section(program.section)) continue;
    // tc and ip give every program of the object the hook's type, whatever the section says.
    if (program.type != type) {
      program.type = type;
      program.expected_attach_type = options.tc ? 0 : BPF_XDP;
      program.prog_flags = 0;
      program.type_overridden = true;
    }
    load.only_programs.push_back(program.name);
  }
  bool needs_object_id = false;
  for (const MapSpec& map : spec.maps) needs_object_id |= map.pinning == Pinning::ObjectNs;
  if (needs_object_id) {
    auto id = object_id_for(bytes);
    if (!id) return id.error().with_context("computing the object id");
    load.object_id = *id;
  }
  return load;
}

// The kernel empties a prog array when its last user reference (an fd or a pin) goes,
// even while attached programs still use it: once this command exits, tail calls through
// an unpinned one silently do nothing. Say so for each that holds slots.
std::vector<std::string> unpinned_prog_array_warnings(const ObjectSpec& spec, const LoadReport& report) {
  std::vector<std::string> warnings;
  for (size_t m = 0; m < spec.maps.size() && m < report.maps.size(); ++m) {
    const MapSpec& map = spec.maps[m];
    if (map.type != BPF_MAP_TYPE_PROG_ARRAY || map.initial_slots.empty() || !report.maps[m].pin_path.empty()) continue;
    warnings.push_back(fmt::format(
        "prog array '{}' is not pinned: the kernel empties it when this command exits, and the tail calls through "
        "it will then do nothing; pin it (pinning PIN_GLOBAL_NS in its definition, as tc's objects do, or load it "
        "with `bpfload load --pin-dir DIR --attach`)",
        map.name));
  }
  return warnings;
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
  auto bytes = read_whole_file(options.object);
  if (!bytes) return report_error(bytes.error(), options.json);
  auto layout = map_layout_from_string(options.map_layout);
  if (!layout) return report_error(layout.error().with_context("--map-layout"), options.json);
  ParseOptions parse;
  parse.legacy_layout = *layout;
  auto spec = parse_object(*bytes, parse);
  if (!spec) {
    const Error error = spec.error().with_context(options.object);
    return report_error(to_string(error.kind), error.message, error.sys_errno, options.json, kExitUsage);
  }
  auto section = choose_section(*spec, words->section, options.tc, options.object);
  if (!section) return report_error(section.error(), options.json);
  auto load = dropin_load_options(options, *spec, *section, *bytes);
  if (!load) return report_error(load.error(), options.json);

  LoadReport report;
  auto object = load_object(*spec, *load, &report);
  if (!object) return report_error(object.error(), options.json);

  Kernel& kernel = system_kernel();
  AttachSet set;
  for (const ProgramSpec& program : spec->programs) {
    if (program.section != *section) continue;
    const int fd = object->program_fd(program.name);
    Result<Attachment> attachment = make_error(ErrorKind::InvalidArgument, "unreachable");
    if (options.tc) {
      TcOptions tc;
      tc.direction = direction;
      tc.netlink = true;  // what tc makes: persists without a pin, shown by `tc filter show`
      tc.replace = options.replace;
      attachment = attach_tc(kernel, fd, program.name, options.device, tc);
    } else {
      XdpOptions xdp;
      xdp.mode = xdp_mode(words->mode);
      xdp.netlink = true;  // what ip makes: persists without a pin, shown by `ip link`
      xdp.replace = options.replace;
      attachment = attach_xdp(kernel, fd, program.name, options.device, xdp);
    }
    // Returning destroys `set`, detaching what was attached before: all or nothing.
    if (!attachment) return report_error(attachment.error(), options.json);
    set.add(std::move(*attachment));
  }
  const std::vector<std::string> warnings = unpinned_prog_array_warnings(*spec, report);
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
                    {"section", *section},
                    {"maps", maps},
                    {"programs", programs},
                    {"attached", attached},
                    {"warnings", warnings},
                    {"error", nullptr}});
  } else {
    for (const std::string& warning : warnings) fmt::print("warning: {}\n", warning);
  }
  return kExitOk;
}

void add_common(CLI::App& command, DropinOptions& options) {
  command.add_option("WORDS", options.words, "sec SECTION" + std::string(options.tc ? "" : ", mode native|generic"));
  command.add_option("--pin-root", options.pin_root,
                     "bpffs directory for the pins the object asks for (tc/globals, as tc)")
      ->capture_default_str();
  command.add_flag("--replace", options.replace, "replace a program already attached there");
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
