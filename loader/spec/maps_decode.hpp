// Map decoders: legacy `maps` sections in their three layouts, and BTF `.maps`.
// (The .BTF DATASEC fix-up is declared in btf_fixup.hpp.)
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "elf_view.hpp"

struct btf;  // libbpf

namespace bpfload {

/// Decodes every map in a legacy section (`maps` or `maps/...`), one per symbol.
/// Entry size comes from st_size, else section size / symbol count (each symbol must
/// then sit at a multiple of it). Layout: `forced` unless Auto, else by entry size.
/// Inner-map references (samples inner_map_idx, iproute2 inner_id/inner_idx) are
/// resolved within `maps_so_far` + this section's maps by resolve_inner_maps().
/// Fails with Malformed naming the section, map and offset (non-zero bytes past the
/// layout, sizes that do not fit), or LimitExceeded.
[[nodiscard]] Result<std::vector<MapSpec>> decode_legacy_maps(const elf::View& view,
                                                              const elf::Section& section,
                                                              const ParseOptions& options);

/// Decodes BTF-defined maps in `.maps` using `btf` (the object's parsed .BTF), with
/// `.rel.maps` giving initial `values` (program or map names). Fails with Malformed
/// naming the map and member.
[[nodiscard]] Result<std::vector<MapSpec>> decode_btf_maps(const elf::View& view,
                                                           const elf::Section& section,
                                                           const struct btf* btf,
                                                           const ParseOptions& options);

/// `.struct_ops` and `.struct_ops.link`.
[[nodiscard]] bool is_struct_ops_section(std::string_view name);

/// Decodes each variable of a struct_ops section into a BPF_MAP_TYPE_STRUCT_OPS map with
/// its StructOpsSpec (members from `btf`, programs from the section's relocations). Fails
/// with Malformed naming the section, map and member.
[[nodiscard]] Result<std::vector<MapSpec>> decode_struct_ops_maps(const elf::View& view,
                                                                  const elf::Section& section,
                                                                  const struct btf* btf);

/// Gives each struct_ops program its struct and member from the maps pointing to it; one
/// no map points to is not autoloaded (as libbpf). Fails with Malformed when a map points
/// to no program, to a program of another type, or two members share a program.
[[nodiscard]] Status link_struct_ops_programs(ObjectSpec& spec);

/// Resolves legacy inner-map references and iproute2 inner_idx slots across all maps
/// of the object (sets MapSpec::inner, inner_name, initial_slots). Fails with Malformed
/// when an index or id names no map.
[[nodiscard]] Status resolve_inner_maps(std::vector<MapSpec>& maps);

/// Fills btf_key_type_id / btf_value_type_id of legacy maps from the
/// `____btf_map_<name>` structs that BPF_ANNOTATE_KV_PAIR emits. Never fails.
void annotate_legacy_map_btf(std::vector<MapSpec>& maps, const struct btf* btf);

}  // namespace bpfload
