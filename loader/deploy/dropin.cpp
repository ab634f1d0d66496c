// The tc and ip drop-ins: check, load one section, attach it where tc or ip would, and
// undo the load's pins when the attach fails.
#include "bpfload/dropin.hpp"

#include <linux/bpf.h>

#include <algorithm>

#include <fmt/format.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/section_table.hpp"

namespace bpfload {
namespace {

bool is_tail_call_section(const std::string& section) {
  const auto kind = section_kind(section);
  return kind && kind->tail_call_key;
}

// tc's and ip's default section names, else the object's only section that is not a
// tail-call section.
Result<std::string> choose_section(const ObjectSpec& spec, const std::string& asked, bool tc, const std::string& object) {
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

// The kernel empties a prog array when its last user reference (an fd or a pin) goes,
// even while attached programs still use it: once the caller's process exits, tail calls
// through an unpinned one silently do nothing. Say so for each that holds slots.
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

void remove_pins_made(Kernel& kernel, const LoadReport& report) {
  for (const MapResult& map : report.maps)
    if (!map.pin_path.empty() && !map.reused) (void)kernel.unpin(map.pin_path);
  for (const ProgramResult& program : report.programs)
    if (!program.pin_path.empty()) (void)kernel.unpin(program.pin_path);
}

}  // namespace

Result<DropinResult> attach_dropin(const DropinRequest& request) {
  Kernel& kernel = request.kernel != nullptr ? *request.kernel : system_kernel();
  // Before anything is pinned: a missing device leaves nothing behind.
  Result<uint32_t> ifindex = kernel.interface_index(request.device);
  if (!ifindex.ok()) return std::move(ifindex).error();
  Result<std::vector<std::byte>> bytes =
      kernel.read_file(request.object, ParseLimits{}.max_object_bytes, std::string(kElfMagic));
  if (!bytes.ok()) return std::move(bytes).error();
  ParseOptions parse;
  parse.legacy_layout = request.legacy_layout;
  Result<ObjectSpec> spec = parse_object(*bytes, parse);
  if (!spec.ok()) return spec.error().with_context(request.object);
  DropinResult result;
  Result<std::string> section = choose_section(*spec, request.section, request.tc, request.object);
  if (!section.ok()) return std::move(section).error();
  result.section = *section;
  LoadOptions load;
  load.kernel = &kernel;
  load.pin_root = request.pin_root;
  const uint32_t type = request.tc ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_XDP;
  for (ProgramSpec& program : spec->programs) {
    if (program.section != *section && !is_tail_call_section(program.section)) continue;
    // tc and ip give every program of the object the hook's type, whatever the section says.
    if (program.type != type) {
      program.type = type;
      program.expected_attach_type = request.tc ? 0 : BPF_XDP;
      program.prog_flags = 0;
      program.type_overridden = true;
    }
    load.only_programs.push_back(program.name);
  }
  bool needs_object_id = false;
  for (const MapSpec& map : spec->maps) needs_object_id |= map.pinning == Pinning::ObjectNs;
  if (needs_object_id) {
    Result<std::string> id = object_id_for(*bytes);
    if (!id.ok()) return id.error().with_context("computing the object id");
    load.object_id = *id;
  }
  Result<LoadedObject> object = load_object(*spec, load, &result.report);
  if (!object.ok()) return std::move(object).error();
  AttachSet set;
  Status attached = [&]() -> Status {
    for (const ProgramSpec& program : spec->programs) {
      if (program.section != *section) continue;
      const int fd = object->program_fd(program.name);
      Result<Attachment> attachment = make_error(ErrorKind::InvalidArgument, "unreachable");
      if (request.tc) {
        TcOptions tc;
        tc.direction = request.direction;
        tc.netlink = true;  // what tc makes: persists without a pin, shown by `tc filter show`
        // One fixed filter, replaced by a re-run instead of stacking a second one.
        tc.handle = kDropinTcFilter.handle;
        tc.priority = kDropinTcFilter.priority;
        tc.replace = true;
        attachment = attach_tc(kernel, fd, program.name, request.device, tc);
      } else {
        XdpOptions xdp;
        xdp.mode = request.xdp_mode;
        xdp.netlink = true;  // what ip makes: persists without a pin, shown by `ip link`
        xdp.replace = true;  // a re-run replaces the device's program (atomically, in the kernel)
        attachment = attach_xdp(kernel, fd, program.name, request.device, xdp);
      }
      if (!attachment.ok()) return std::move(attachment).error();
      set.add(std::move(*attachment));
    }
    return {};
  }();
  if (!attached.ok()) {
    // `set` detaches what it holds as it goes; the load's own pins go too.
    set = AttachSet();
    remove_pins_made(kernel, result.report);
    return attached.error().with_context("nothing was left attached or pinned");
  }
  result.warnings = unpinned_prog_array_warnings(*spec, result.report);
  for (Attachment& attachment : set.attachments()) {
    attachment.keep();
    result.attachments.push_back(std::move(attachment));
  }
  return result;
}

}  // namespace bpfload
