// The one table from section names to program and attach types. Section names follow
// libbpf's SEC() list, plus the legacy tail-call sections of iproute2 ("ID/KEY") and
// samples/bpf ("socket/N", "kprobe/N", ...). Pure: part of the spec layer.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// What a section name says about the programs in it.
struct SectionKind {
  uint32_t prog_type = 0;             ///< enum bpf_prog_type
  uint32_t expected_attach_type = 0;  ///< enum bpf_attach_type, 0 when none
  uint32_t prog_flags = 0;            ///< BPF_F_SLEEPABLE etc.
  std::string attach_to;              ///< the part after the prefix, e.g. "sys_write"
  /// A legacy tail-call section: the program belongs in a prog array at this key.
  std::optional<uint32_t> tail_call_key;
  /// iproute2 "ID/KEY": the bpf_elf_map.id of the prog array; unset for samples' "kind/N".
  std::optional<uint32_t> tail_call_map_id;
  /// false for libbpf's "?name": the program is loaded only when asked for by name.
  bool autoload = true;
};

/// One entry of the table, named as libbpf's SEC_DEF names it: "kprobe+" matches
/// "kprobe" and "kprobe/...", a name without '+' only itself.
struct SectionDefinition {
  std::string name;
  uint32_t prog_type = 0;
  uint32_t expected_attach_type = 0;
  uint32_t prog_flags = 0;  ///< BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS
};

/// The table's entries in match order (first match wins), without the legacy
/// tail-call conventions. For tests comparing it with libbpf's list.
[[nodiscard]] std::vector<SectionDefinition> section_definitions();

/// Looks `section` up in the table. A leading '?' (libbpf: not autoloaded) is stripped
/// and clears SectionKind::autoload. nullopt when the name is unknown (the caller
/// decides whether that is an error or needs an override).
[[nodiscard]] std::optional<SectionKind> section_kind(std::string_view section);

/// The program type named `name` (libbpf's spelling, e.g. "xdp", "sched_cls"; a
/// section prefix such as "tc" or "classifier" is accepted too). Fails with InvalidArgument.
[[nodiscard]] Result<uint32_t> program_type_from_name(std::string_view name);
/// The map type named `name` (libbpf's spelling, e.g. "hash", "array", "prog_array").
/// Fails with InvalidArgument.
[[nodiscard]] Result<uint32_t> map_type_from_name(std::string_view name);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
