// Cross-map references of the legacy layouts, resolved once every map is known, and
// the BTF key/value annotation old libbpf and iproute2 objects carry for legacy maps.
#include <bpf/btf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <map>
#include <string>

#include <fmt/format.h>

#include "btf_util.hpp"
#include "maps_decode.hpp"

namespace bpfload {
namespace {

bool is_map_in_map(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

void set_template(MapSpec& outer, const MapSpec& inner) {
  outer.inner = std::make_shared<const MapSpec>(inner);
  outer.inner_name = inner.name;
}

/// samples/bpf: inner_map_idx indexes the maps of the same section in offset order
/// (bpf_load.c sorts the section's symbols by st_value), 0 being the first.
Status resolve_samples(std::vector<MapSpec>& maps) {
  std::map<std::string, std::vector<size_t>> by_section;
  for (size_t i = 0; i < maps.size(); ++i)
    if (maps[i].layout == MapLayout::Samples) by_section[maps[i].section].push_back(i);
  for (auto& [section, indices] : by_section) {
    std::stable_sort(indices.begin(), indices.end(),
                     [&](size_t a, size_t b) { return maps[a].offset < maps[b].offset; });
    for (size_t i : indices) {
      MapSpec& outer = maps[i];
      if (outer.samples_inner_map_idx < 0) continue;
      const auto index = static_cast<size_t>(outer.samples_inner_map_idx);
      if (index >= indices.size())
        return make_error(ErrorKind::Malformed,
                          fmt::format("section '{}': map '{}': inner_map_idx {} names no map (the section has {})",
                                      section, outer.name, index, indices.size()));
      if (indices[index] == i) {
        // 0 is also what an unset field reads as: the first map of its section has no
        // template of the object's, and its loader supplied one (--inner-map).
        if (index == 0) {
          outer.samples_inner_map_idx = -1;
          outer.inner_from_default_index = false;
          continue;
        }
        return make_error(ErrorKind::Malformed,
                          fmt::format("section '{}': map '{}': inner_map_idx {} names the map itself", section,
                                      outer.name, index));
      }
      set_template(outer, maps[indices[index]]);
    }
  }
  return {};
}

/// iproute2 (lib/bpf_legacy.c): a map-in-map's inner_id is the id of its template;
/// a map with an id, no inner_id and inner_idx != -1 goes into slot inner_idx of every
/// map-in-map whose inner_id is that id.
Status resolve_iproute2(std::vector<MapSpec>& maps) {
  auto by_id = [&](uint32_t id) -> const MapSpec* {
    for (const MapSpec& map : maps)
      if (map.layout == MapLayout::Iproute2 && map.iproute2_id == id) return &map;
    return nullptr;
  };
  for (MapSpec& outer : maps) {
    if (outer.layout != MapLayout::Iproute2 || !is_map_in_map(outer.type) || outer.iproute2_inner_id == 0) continue;
    const MapSpec* inner = by_id(outer.iproute2_inner_id);
    if (inner == nullptr)
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '{}': map '{}': inner_id {} names no map", outer.section, outer.name,
                                    outer.iproute2_inner_id));
    if (inner == &outer)
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '{}': map '{}': inner_id {} names the map itself", outer.section,
                                    outer.name, outer.iproute2_inner_id));
    set_template(outer, *inner);
  }
  for (const MapSpec& member : maps) {
    if (member.layout != MapLayout::Iproute2 || member.iproute2_id == 0 || member.iproute2_inner_id != 0 ||
        member.iproute2_inner_idx == -1)
      continue;
    for (MapSpec& outer : maps) {
      if (outer.layout != MapLayout::Iproute2 || !is_map_in_map(outer.type) ||
          outer.iproute2_inner_id != member.iproute2_id)
        continue;
      const auto slot = static_cast<uint32_t>(member.iproute2_inner_idx);
      const bool taken = std::any_of(outer.initial_slots.begin(), outer.initial_slots.end(),
                                     [&](const MapSlot& s) { return s.index == slot; });
      if (taken)
        return make_error(ErrorKind::Malformed,
                          fmt::format("section '{}': map '{}': slot {} is claimed twice (inner_idx of map '{}')",
                                      outer.section, outer.name, slot, member.name));
      outer.initial_slots.push_back(MapSlot{MapSlot::Kind::Map, slot, member.name});
    }
  }
  for (MapSpec& map : maps)
    std::sort(map.initial_slots.begin(), map.initial_slots.end(),
              [](const MapSlot& a, const MapSlot& b) { return a.index < b.index; });
  return {};
}

/// Map-kind slots (BTF `values`) must name a map of the object.
Status check_slot_targets(const std::vector<MapSpec>& maps) {
  for (const MapSpec& map : maps) {
    for (const MapSlot& slot : map.initial_slots) {
      if (slot.kind != MapSlot::Kind::Map) continue;
      const bool found =
          std::any_of(maps.begin(), maps.end(), [&](const MapSpec& other) { return other.name == slot.target; });
      if (!found)
        return make_error(ErrorKind::Malformed,
                          fmt::format("section '{}': map '{}': slot {} names unknown map '{}'", map.section, map.name,
                                      slot.index, slot.target));
    }
  }
  return {};
}

}  // namespace

Status resolve_inner_maps(std::vector<MapSpec>& maps) {
  BPFLOAD_TRY(resolve_samples(maps));
  BPFLOAD_TRY(resolve_iproute2(maps));
  return check_slot_targets(maps);
}

void annotate_legacy_map_btf(std::vector<MapSpec>& maps, const struct btf* btf) {
  if (btf == nullptr) return;
  // One pass over the types instead of a search per map (btf__find_by_name_kind is a scan).
  constexpr std::string_view kPrefix = "____btf_map_";
  std::unordered_map<std::string_view, uint32_t> annotation_by_map;
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t type_id = 1; type_id < count; ++type_id) {
    const struct btf_type* type = btf__type_by_id(btf, type_id);
    if (type == nullptr || !btf_is_struct(type)) continue;
    const std::string_view name = btfu::name_at(btf, type->name_off);
    if (name.starts_with(kPrefix)) annotation_by_map.emplace(name.substr(kPrefix.size()), type_id);
  }
  for (MapSpec& map : maps) {
    if (map.layout == MapLayout::Btf) continue;
    const auto found = annotation_by_map.find(map.name);
    if (found == annotation_by_map.end()) continue;
    const uint32_t id = found->second;
    const struct btf_type* type = btf__type_by_id(btf, static_cast<uint32_t>(id));
    if (type == nullptr || btf_vlen(type) != 2) continue;
    const struct btf_member* members = btf_members(type);
    if (btfu::name_at(btf, members[0].name_off) != "key" || btfu::name_at(btf, members[1].name_off) != "value")
      continue;
    // A mismatch means the annotation describes something else; the kernel would refuse it.
    if (btf__resolve_size(btf, members[0].type) != map.key_size ||
        btf__resolve_size(btf, members[1].type) != map.value_size)
      continue;
    map.btf_key_type_id = members[0].type;
    map.btf_value_type_id = members[1].type;
  }
}

}  // namespace bpfload
