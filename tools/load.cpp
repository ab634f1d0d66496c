// `bpfload load OBJ`: parse, load and optionally pin an object, and report what happened.
#include <linux/bpf.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "attach_output.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/constants.hpp"
#include "bpfload/deploy.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "deploy_output.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct LoadVerbOptions {
  ObjectOptions object;
  std::string pin_dir;
  CLI::Option* pin_dir_option = nullptr;  ///< to tell `--pin-dir ''` from no --pin-dir
  bool replace = false;
  std::string pin_root = "/sys/fs/bpf";
  uint32_t log_level = 0;
  bool keep_going = false;
  bool no_ids = false;
  bool any_filesystem = false;  ///< --no-bpffs-check
  std::vector<std::string> max_entries;  ///< MAP=N
  std::vector<std::string> value_sizes;  ///< MAP=N (--value-size)
  std::vector<std::string> reuse_maps;   ///< MAP=PATH
  std::vector<std::string> inner_maps;   ///< MAP=INNER
  std::string object_id;
  bool json = false;
  bool attach = false;          ///< --attach
  std::string device;           ///< --dev, for XDP and tc
  std::string cgroup;           ///< --cgroup, for cgroup programs
  std::string btf_path;         ///< --btf
  std::vector<std::string> settings;  ///< --set NAME=VALUE
  std::vector<std::string> recreate_maps;  ///< --recreate-map NAME
  std::string direction;        ///< --direction ingress|egress, for tc programs
  std::string tc_attach;        ///< --tc-attach tcx|clsact
  std::string xdp_attach;       ///< --xdp-attach link|netlink
  bool dry_run = false;
  std::vector<std::string> programs;  ///< --program NAME: load only these (SEC("?...") ones included)
  std::vector<std::string> no_attach;  ///< --no-attach NAME: with --attach, load it but leave it unattached
  ProgramLoadOptions program_options;  ///< --prog-flags, --program-log-level
  bool full_log = false;               ///< --full-log
};

// What `load` keeps of a verifier log, and so prints of a refused program: its end,
// where the verdict is. --full-log keeps the whole log.
constexpr size_t kLoadLogLimit = size_t{1} << 20;

Result<LoadOptions> make_load_options(const LoadVerbOptions& options, const ObjectSpec& spec) {
  LoadOptions load;
  load.pin_root = options.pin_root;
  if (options.pin_dir_option != nullptr && options.pin_dir_option->count() > 0 && options.pin_dir.empty())
    return make_error(ErrorKind::InvalidArgument, "--pin-dir: the path is empty (leave the option out to pin nothing)");
  if (!options.pin_dir.empty()) load.pin_dir = options.pin_dir;
  if (options.replace && !load.pin_dir)
    return make_error(ErrorKind::InvalidArgument, "--replace: replaces the pin set in --pin-dir, which is not given");
  load.replace_pins = options.replace;
  load.log_level = options.log_level;
  load.log_limit = options.full_log ? 0 : kLoadLogLimit;
  BPFLOAD_TRY(apply_program_load_options(options.program_options, spec, load));
  for (const std::string& name : options.programs) {
    if (!spec.find_program(name))
      return make_error(ErrorKind::NotFound, fmt::format("--program: the object has no program '{}'", name));
    load.only_programs.push_back(name);
  }
  for (const std::string& name : options.no_attach) {
    if (!options.attach)
      return make_error(ErrorKind::InvalidArgument, "--no-attach: leaves a program out of --attach, which is not given");
    if (!spec.find_program(name))
      return make_error(ErrorKind::NotFound, fmt::format("--no-attach: the object has no program '{}'", name));
  }
  load.keep_going = options.keep_going;
  // Attaching a `.struct_ops` map (not `.link`) is writing its value: done by the load.
  load.register_struct_ops = options.attach;
  load.btf_path = options.btf_path;
  load.query_info = !options.no_ids;
  load.require_bpffs = !options.any_filesystem;
  for (const std::string& text : options.max_entries) {
    auto assignment = split_assignment(text, "--max-entries");
    if (!assignment) return std::move(assignment).error();
    if (!spec.find_map(assignment->first))
      return make_error(ErrorKind::NotFound,
                        fmt::format("--max-entries: the object has no map '{}'", assignment->first));
    auto value = parse_unsigned(assignment->second, UINT32_MAX, "--max-entries");
    if (!value) return std::move(value).error();
    load.maps[assignment->first].max_entries = static_cast<uint32_t>(*value);
  }
  for (const std::string& text : options.value_sizes) {
    auto assignment = split_assignment(text, "--value-size");
    if (!assignment) return std::move(assignment).error();
    if (!spec.find_map(assignment->first))
      return make_error(ErrorKind::NotFound,
                        fmt::format("--value-size: the object has no map '{}'", assignment->first));
    auto value = parse_unsigned(assignment->second, UINT32_MAX, "--value-size");
    if (!value) return std::move(value).error();
    load.maps[assignment->first].value_size = static_cast<uint32_t>(*value);
  }
  for (const std::string& text : options.reuse_maps) {
    auto assignment = split_assignment(text, "--reuse-map");
    if (!assignment) return std::move(assignment).error();
    if (!spec.find_map(assignment->first))
      return make_error(ErrorKind::NotFound,
                        fmt::format("--reuse-map: the object has no map '{}'", assignment->first));
    load.maps[assignment->first].reuse_path = assignment->second;
  }
  for (const std::string& text : options.inner_maps) {
    auto assignment = split_assignment(text, "--inner-map");
    if (!assignment) return std::move(assignment).error();
    const auto outer = spec.find_map(assignment->first);
    if (!outer)
      return make_error(ErrorKind::NotFound, fmt::format("--inner-map: the object has no map '{}'", assignment->first));
    if (!spec.find_map(assignment->second))
      return make_error(ErrorKind::NotFound,
                        fmt::format("--inner-map {}: the object has no map '{}' to use as the inner template",
                                    assignment->first, assignment->second));
    const uint32_t type = spec.maps[*outer].type;
    if (type != BPF_MAP_TYPE_ARRAY_OF_MAPS && type != BPF_MAP_TYPE_HASH_OF_MAPS)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("--inner-map: map '{}' is a {}, not a map of maps", assignment->first,
                                    map_type_name(type)));
    load.maps[assignment->first].inner_map = assignment->second;
  }
  load.object_id = options.object_id;
  bool needs_object_id = false;
  for (const MapSpec& map : spec.maps) needs_object_id |= map.pinning == Pinning::ObjectNs;
  // tc names the PIN_OBJECT_NS directory after the object's SHA-1; do the same by default
  // so maps land where tc would put them.
  if (load.object_id.empty() && needs_object_id) {
    // Read again only here: the parse took over the first buffer, so the object is held
    // in memory once for everyone else.
    auto bytes = read_whole_file(options.object.path);
    if (!bytes) return std::move(bytes).error().with_context("computing the object id (give --object-id)");
    auto id = object_id_for(*bytes);
    if (!id) return id.error().with_context("computing the object id (give --object-id)");
    load.object_id = *id;
  }
  return load;
}

Json optional_path(const std::string& path) {
  return path.empty() ? Json(nullptr) : Json(path);
}

Json map_result_json(const MapResult& map) {
  return Json{{"name", map.name},
              {"type", map_type_name(map.type)},
              {"type_id", map.type},
              {"id", map.id},
              {"pinned", optional_path(map.pin_path)},
              {"reused", map.reused},
              {"data_section", map.is_data_section}};
}

uint32_t insns_processed(const ProgramResult& program) {
  return program.stats.present ? program.stats.insns_processed : program.verified_insns;
}

Json program_result_json(const ProgramResult& program) {
  Json error = nullptr;
  if (!program.loaded) {
    error = error_json("kernel", program.error.empty() ? "not loaded" : program.error,
                       program.sys_errno);
  }
  return Json{{"name", program.name},
              {"section", program.section},
              {"type", program_type_name(program.type)},
              {"type_id", program.type},
              {"loaded", program.loaded},
              {"id", program.id},
              {"pinned", optional_path(program.pin_path)},
              {"insns", program.insns},
              {"insns_processed", insns_processed(program)},
              {"xlated_size", program.xlated_size},
              {"jited_size", program.jited_size},
              {"load_attempts", program.load_attempts},
              {"verifier_log", program.verifier_log},
              {"log_truncated", program.log_truncated},
              {"log_true_size", program.log_true_size},
              {"core_poisoned", program.core_poisoned},
              {"error", error}};
}

Json load_json(const std::string& path, const LoadOptions& load, const LoadReport& report,
               const Error* error) {
  Json maps = Json::array();
  for (const MapResult& map : report.maps)
    if (!map.name.empty()) maps.push_back(map_result_json(map));  // empty: never reached
  Json programs = Json::array();
  for (const ProgramResult& program : report.programs) programs.push_back(program_result_json(program));
  return Json{{"file", path},
              {"object_id", load.object_id.empty() ? Json(nullptr) : Json(load.object_id)},
              {"pin_dir", load.pin_dir ? Json(*load.pin_dir) : Json(nullptr)},
              {"btf_loaded", report.btf_loaded},
              {"btf_error", report.btf_error.empty() ? Json(nullptr) : Json(report.btf_error)},
              {"btf_rewrites", report.btf_rewrites},
              {"target_btf", report.target_btf.empty() ? Json(nullptr) : Json(report.target_btf)},
              {"core_relocations", report.core_relocations},
              {"maps", maps},
              {"programs", programs},
              {"warnings", report.warnings},
              {"error", error == nullptr ? Json(nullptr) : error_json(*error)}};
}

void print_log(const std::string& log, bool truncated, uint32_t true_size) {
  fmt::print("    verifier log:\n");
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    // The log quotes the object's source lines (BTF line info): escaped like its names.
    fmt::print("      {}\n", escape_for_terminal(std::string_view(log).substr(start, end - start)));
    start = end + 1;
  }
  if (truncated) {
    fmt::print("      [verifier log cut: this is part of it{}; --full-log keeps all of it]\n",
               true_size != 0 ? fmt::format(", the whole log is {} bytes", true_size) : std::string());
  }
}

void print_load_text(const LoadReport& report, const LoadOptions& load, const Error* error,
                     bool show_logs) {
  // A load refused before anything was created has nothing to list: the error says it all.
  const bool nothing_attempted = report.maps.empty() && report.programs.empty();
  if (error != nullptr && nothing_attempted) {
    if (!error->verifier_log.empty()) print_log(error->verifier_log, false, 0);
    return;
  }
  // A failed load reports the maps it reached; the others have no name yet.
  size_t reached = 0;
  for (const MapResult& map : report.maps) reached += map.name.empty() ? 0 : 1;
  fmt::print("maps ({}{}):\n", reached,
             reached == report.maps.size() ? "" : fmt::format(" of {}, the load stopped before the others",
                                                               report.maps.size()));
  for (const MapResult& map : report.maps) {
    if (map.name.empty()) continue;
    std::string pin = map.pin_path.empty()
                          ? std::string("not pinned")
                          : fmt::format("{} {}", map.reused ? "reused" : "pinned", map.pin_path);
    // --no-ids: the id was not asked for, and 0 would read as a real id.
    const std::string id = map.id == 0 ? std::string() : fmt::format(" id {}", map.id);
    fmt::print("  {}: {}{}{} {}\n", escape_for_terminal(map.name), map_type_name(map.type),
               map.is_data_section ? " (global data)" : "", id, escape_for_terminal(pin));
  }
  fmt::print("programs ({}):\n", report.programs.size());
  for (const ProgramResult& program : report.programs) {
    if (program.loaded) {
      const std::string id = program.id == 0 ? std::string() : fmt::format(" id {}", program.id);
      const uint32_t processed = insns_processed(program);
      const std::string verified = processed == 0 ? std::string() : fmt::format(" processed {}", processed);
      fmt::print("  {} (section \"{}\"): {} loaded{} {} insns {}{}\n", escape_for_terminal(program.name),
                 escape_for_terminal(program.section), program_type_name(program.type), id,
                 program.pin_path.empty() ? std::string("not pinned")
                                          : fmt::format("pinned {}", escape_for_terminal(program.pin_path)),
                 program.insns, verified);
    } else {
      fmt::print("  {} (section \"{}\"): {} FAILED: {}\n", escape_for_terminal(program.name),
                 escape_for_terminal(program.section), program_type_name(program.type),
                 program.error.empty() ? "not loaded" : escape_for_terminal(program.error));
    }
    if ((show_logs || !program.loaded) && !program.verifier_log.empty())
      print_log(program.verifier_log, program.log_truncated, program.log_true_size);
  }
  for (const std::string& warning : report.warnings) fmt::print("warning: {}\n", escape_for_terminal(warning));
  for (const std::string& rewrite : report.btf_rewrites) fmt::print("BTF: {}\n", escape_for_terminal(rewrite));
  if (!report.btf_loaded && !report.btf_error.empty())
    fmt::print("BTF not loaded: {}\n", escape_for_terminal(report.btf_error));
  if (error != nullptr) {
    bool log_shown = false;
    for (const ProgramResult& program : report.programs) log_shown |= !program.verifier_log.empty();
    if (!log_shown && !error->verifier_log.empty()) print_log(error->verifier_log, false, 0);
    if (!load.keep_going)
      fmt::print("rolled back: the load failed, so every map and program above was closed and every pin "
                 "it made removed (pins that existed before are untouched)\n");
    return;
  }
  if (load.pin_dir) return;
  bool any_pin = false;
  for (const MapResult& map : report.maps) any_pin |= !map.pin_path.empty();
  for (const ProgramResult& program : report.programs) any_pin |= !program.pin_path.empty();
  fmt::print("{}", any_pin ? "note: only the pins listed above remain; everything else is released when "
                       "bpfload exits (use --pin-dir to keep it)\n"
                     : "note: nothing was pinned, so the kernel releases everything when bpfload "
                       "exits (use --pin-dir to keep it)\n");
}

Result<AttachTargets> attach_targets(const LoadVerbOptions& options) {
  AttachTargets targets;
  targets.device = options.device;
  targets.cgroup = options.cgroup;
  if (options.direction == "ingress") {
    targets.tc_direction = TcDirection::Ingress;
  } else if (options.direction == "egress") {
    targets.tc_direction = TcDirection::Egress;
  } else if (!options.direction.empty()) {
    return make_error(ErrorKind::InvalidArgument, fmt::format("--direction {}: say ingress or egress", options.direction));
  }
  if (options.tc_attach == "clsact") {
    targets.tc.netlink = true;
  } else if (!options.tc_attach.empty() && options.tc_attach != "tcx") {
    return make_error(ErrorKind::InvalidArgument, fmt::format("--tc-attach {}: say tcx or clsact", options.tc_attach));
  }
  if (options.xdp_attach == "netlink") {
    targets.xdp.netlink = true;
  } else if (!options.xdp_attach.empty() && options.xdp_attach != "link") {
    return make_error(ErrorKind::InvalidArgument, fmt::format("--xdp-attach {}: say link or netlink", options.xdp_attach));
  }
  return targets;
}

// `load --pin-dir`: a deployment of one object, so a re-run is "unchanged", --replace
// over an attached set upgrades it in place with its maps kept, and a failure leaves the
// previous set exactly as it was.
int run_load_deployment(const LoadVerbOptions& options, const ParseOptions& parse, const LoadOptions& load) {
  ObjectDeployment object;
  object.path = options.object.path;
  object.parse = parse;
  for (const std::string& text : options.settings) {
    auto assignment = split_assignment(text, "--set");
    if (!assignment) return report_error(assignment.error(), options.json);
    object.settings.emplace_back(assignment->first, assignment->second);
  }
  object.maps = load.maps;
  object.object_id = load.object_id;
  object.pin_root = load.pin_root;
  object.btf_path = load.btf_path;
  object.require_bpffs = load.require_bpffs;
  object.log_level = load.log_level;
  object.program_log_levels = load.program_log_levels;
  object.program_flags = load.program_flags;
  object.log_limit = load.log_limit;
  object.only_programs = load.only_programs;
  object.attach_all = options.attach;
  object.no_attach.insert(options.no_attach.begin(), options.no_attach.end());
  auto targets = attach_targets(options);
  if (!targets) return report_error(targets.error(), options.json);
  object.targets = *targets;
  object.recreate_maps.insert(options.recreate_maps.begin(), options.recreate_maps.end());
  Deployment deployment;
  deployment.pin_dir = options.pin_dir;
  deployment.objects.push_back(std::move(object));
  DeployOptions deploy;
  deploy.replace = options.replace;
  deploy.require_attachment = options.attach;
  deploy.dry_run = options.dry_run;
  auto report = apply_deployment(deployment, deploy);
  if (!report) {
    const Error& error = report.error();
    if (options.json) {
      print_json(Json{{"file", options.object.path}, {"pin_dir", options.pin_dir}, {"outcome", "failed"},
                      {"error", error_json(error)}});
    } else {
      if (!error.verifier_log.empty()) print_log(error.verifier_log, false, 0);
      fmt::print("nothing changed: {} is as it was before this command\n", escape_for_terminal(options.pin_dir));
    }
    print_error_line(error.message);
    return exit_code_for(error);
  }
  if (options.json) {
    Json document = report->loads.empty()
                        ? Json{{"file", options.object.path}, {"pin_dir", options.pin_dir}}
                        : load_json(options.object.path, load, report->loads.front(), nullptr);
    document["pin_dir"] = options.pin_dir;
    const Json deployed = deploy_report_json(*report);  // items() iterates it: it must outlive the loop
    for (const auto& [key, value] : deployed.items()) document[key] = value;
    print_json(document);
    return kExitOk;
  }
  if (!report->loads.empty()) {
    LoadOptions shown = load;
    shown.pin_dir = options.pin_dir;
    print_load_text(report->loads.front(), shown, nullptr, options.log_level != 0);
  }
  print_deploy_report(*report, options.pin_dir, options.dry_run);
  return kExitOk;
}

int run_load(const LoadVerbOptions& options) {
  auto parse_options = make_parse_options(options.object);
  if (!parse_options) return report_error(parse_options.error(), options.json);
  // parse_object_file holds the object in memory once; the bytes are read again only
  // for an iproute2 object id.
  auto spec = parse_object_file(options.object.path, *parse_options);
  if (!spec) {
    const Error error = spec.error();
    return report_error(to_string(error.kind), error.message, error.sys_errno, options.json,
                        kExitUsage);
  }
  for (const std::string& text : options.settings) {
    auto assignment = split_assignment(text, "--set");
    if (!assignment) return report_error(assignment.error(), options.json);
    Status set = set_constant(*spec, assignment->first, assignment->second);
    if (!set.ok()) return report_error(set.error().with_context("--set"), options.json);
  }
  auto load = make_load_options(options, *spec);
  if (!load) return report_error(load.error(), options.json);

  if (options.attach && options.pin_dir.empty()) {
    return report_error("invalid_argument",
                        "--attach needs --pin-dir: the links are pinned at DIR/links/PROGRAM so they stay "
                        "attached after bpfload exits",
                        0, options.json, kExitUsage);
  }
  if (!options.pin_dir.empty() && !options.keep_going) return run_load_deployment(options, *parse_options, *load);
  if (options.attach)
    return report_error("invalid_argument", "--attach with --keep-going: attaching is all or nothing", 0, options.json,
                        kExitUsage);
  LoadReport report;
  auto loaded = load_object(*spec, *load, &report);
  const Error* error = !loaded ? &loaded.error() : nullptr;
  if (options.json) {
    print_json(load_json(options.object.path, *load, report, error));
  } else {
    print_load_text(report, *load, error, options.log_level != 0);
  }
  if (error != nullptr) {
    print_error_line(error->message);
    return exit_code_for(*error);
  }
  for (const ProgramResult& program : report.programs) {
    if (!program.loaded) {
      print_error_line(fmt::format("program '{}' was not loaded: {}", program.name, program.error));
      return kExitRefused;
    }
  }
  return kExitOk;
}

}  // namespace

VerbRunner setup_load(CLI::App& command) {
  auto options = std::make_shared<LoadVerbOptions>();
  command.add_option("OBJ", options->object.path, "BPF ELF object file")->required();
  add_object_options(command, options->object);
  options->pin_dir_option = command.add_option("--pin-dir", options->pin_dir,
                     "pin every map at DIR/maps/NAME and every program at DIR/progs/NAME, so "
                     "they outlive the command");
  command.add_flag("--replace", options->replace,
                   "when --pin-dir holds an earlier set: upgrade it (maps with an unchanged definition keep their "
                   "contents, attached programs are replaced in place), all or nothing");
  command.add_option("--pin-root", options->pin_root,
                     "bpffs directory for pins the object asks for (iproute2 tc/globals, libbpf "
                     "by-name)")
      ->capture_default_str();
  number_option(command.add_option("--log-level", options->log_level,
                     "verifier log level: bits 1 (level 1), 2 (level 2), 4 (statistics); 0..7"),
                7);
  command.add_flag("--no-bpffs-check", options->any_filesystem,
                   "pin even where --pin-root/--pin-dir is not on a bpf filesystem (the kernel "
                   "itself still refuses pins outside bpffs)");
  command.add_flag("--no-ids", options->no_ids,
                   "do not ask the kernel for map and program ids and sizes (one bpf() call each, which "
                   "libbpf does not make); they show as 0");
  command.add_flag("--keep-going", options->keep_going,
                   "load the programs that can load instead of all or nothing");
  one_value_each(command.add_option("--no-attach", options->no_attach,
                                    "with --attach: load program NAME but leave it unattached (of twins such as "
                                    "a tp_btf and a raw_tp handler, the one not to run); repeatable or A,B"))
      ->delimiter(',');
  one_value_each(command.add_option("--program,--programs", options->programs,
                                    "load only this program (its subprograms and maps come along; with --attach, "
                                    "only these attach); repeatable or A,B; names a "
                                    "SEC(\"?...\") program, which a plain load leaves out"))
      ->delimiter(',');
  add_program_load_options(command, options->program_options);
  command.add_flag("--full-log", options->full_log,
                   "keep and print a refused program's whole verifier log (default: its last 1 MiB, where the "
                   "verdict is)");
  one_value_each(command.add_option("--max-entries", options->max_entries,
                                    "set a map's max_entries, as MAP=N; repeatable"));
  one_value_each(command.add_option("--value-size", options->value_sizes,
                                    "set the size of a map's value, as MAP=N (a stack-trace map: 8 bytes per "
                                    "frame); a map whose BTF value type no longer fits loses its BTF key/value "
                                    "types, as with libbpf; repeatable"));
  one_value_each(command.add_option("--reuse-map", options->reuse_maps,
                                    "use the map pinned at PATH instead of creating MAP, as "
                                    "MAP=PATH; repeatable"));
  one_value_each(command.add_option("--inner-map", options->inner_maps,
                                    "create map-in-map MAP with the map INNER of the object as its inner "
                                    "template, as MAP=INNER (what samples' and Katran's loaders fixed up "
                                    "in user space); repeatable"));
  one_value_each(command.add_option("--set", options->settings,
                                    "set a const volatile global of .rodata before loading, as NAME=VALUE "
                                    "(checked against its BTF type); repeatable"));
  command.add_option("--btf", options->btf_path,
                     "BTF to apply CO-RE relocations and find fentry/tp_btf/... targets against (raw BTF or "
                     "an ELF with .BTF, e.g. from BTFHub); default: the running kernel's /sys/kernel/btf");
  command.add_option("--object-id", options->object_id,
                     "directory name for iproute2 PIN_OBJECT_NS maps (default: the SHA-1 of the "
                     "object, as tc uses)");
  command.add_flag("--attach", options->attach,
                   "attach every program whose section says where (xdp, tc ingress/egress, tracepoint/, "
                   "raw_tp/, kprobe/, uprobe/, cgroup_skb/..., fentry/...); links are pinned at "
                   "DIR/links/PROGRAM (needs --pin-dir); all or nothing");
  command.add_option("--dev", options->device, "network interface for XDP and tc programs (with --attach)");
  command.add_option("--direction", options->direction,
                     "tc direction, ingress or egress, for tc programs whose section does not say (with --attach)");
  command.add_option("--tc-attach", options->tc_attach,
                     "how tc programs attach: tcx (a link, the default where the kernel has it) or clsact (a "
                     "filter of a clsact qdisc, handle 1 priority 1, as tc makes)");
  command.add_option("--xdp-attach", options->xdp_attach,
                     "how XDP programs attach: link (the default) or netlink (as ip makes)");
  one_value_each(command.add_option("--recreate-map", options->recreate_maps,
                                    "with --pin-dir over an earlier set: recreate map NAME empty when its definition "
                                    "changed, instead of refusing the upgrade; repeatable"));
  command.add_flag("--dry-run", options->dry_run, "with --pin-dir: say what would change, change nothing");
  command.add_option("--cgroup", options->cgroup, "cgroup v2 directory for cgroup programs (with --attach)");
  add_json_flags(command, options->json);
  return [options] { return run_load(*options); };
}

}  // namespace bpfload::cli
