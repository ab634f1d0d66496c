// Initial slots of prog arrays (tail calls) and of maps of maps, written once every
// program has loaded: iproute2 "ID/KEY" and samples "kind/N" sections, BTF `values`,
// and iproute2 inner_idx all arrive here as MapSpec::initial_slots.
#include <cerrno>
#include <string>

#include <fmt/format.h>

#include "load_context.hpp"

namespace bpfload {
namespace {

/// The fd a slot should hold, -1 when it is to be skipped (with `skip_reason` set).
Result<int> slot_fd(LoadContext& context, const MapSpec& map, const MapSlot& slot, std::string& skip_reason) {
  if (slot.kind == MapSlot::Kind::Map) {
    const auto target = context.spec.find_map(slot.target);
    if (!target)
      return make_error(ErrorKind::NotFound, fmt::format("map '{}' slot {}: no map named '{}'", map.name,
                                                         slot.index, slot.target));
    return context.map_fds[*target].get();
  }
  const auto target = context.spec.find_program(slot.target);
  if (!target)
    return make_error(ErrorKind::NotFound, fmt::format("map '{}' slot {}: no program named '{}'", map.name,
                                                       slot.index, slot.target));
  // only_programs: prog arrays reference only the programs asked for.
  if (!context.selected[*target]) return -1;
  if (context.prog_fds[*target].valid()) return context.prog_fds[*target].get();
  if (!context.options.keep_going)
    return make_error(ErrorKind::Kernel, fmt::format("map '{}' slot {}: program '{}' did not load", map.name,
                                                     slot.index, slot.target));
  skip_reason = fmt::format("map '{}' slot {} left empty: program '{}' did not load", map.name, slot.index,
                            slot.target);
  return -1;
}

}  // namespace

Status fill_map_slots(LoadContext& context, bool reused_maps) {
  const ObjectSpec& spec = context.spec;
  for (size_t i = 0; i < spec.maps.size(); ++i) {
    if (context.map_reused[i] != reused_maps) continue;
    const MapSpec& map = spec.maps[i];
    for (const MapSlot& slot : map.initial_slots) {
      std::string skip_reason;
      Result<int> fd = slot_fd(context, map, slot, skip_reason);
      if (!fd.ok()) return std::move(fd).error();
      if (*fd < 0) {
        if (!skip_reason.empty()) context.report.warnings.push_back(skip_reason);
        continue;
      }
      const uint32_t key = slot.index;
      const uint32_t value = static_cast<uint32_t>(*fd);
      Status written = context.kernel.map_update(context.map_fds[i].get(), std::as_bytes(std::span(&key, 1)),
                                                 std::as_bytes(std::span(&value, 1)), BPF_ANY);
      if (!written.ok())
        return written.error().with_context(
            fmt::format("map '{}': put {} '{}' in slot {}", map.name,
                        slot.kind == MapSlot::Kind::Map ? "map" : "program", slot.target, slot.index));
    }
  }
  return {};
}

}  // namespace bpfload
