// Reading a BPF ELF object into an ObjectSpec. Pure: no syscalls, no privileges; the bytes
// come from the caller (object_file.hpp reads a file through the Kernel seam).
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/parse_limits.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Choices the caller can make about how an object is read.
struct ParseOptions {
  /// Legacy map layout; Auto detects it from the entry size.
  MapLayout legacy_layout = MapLayout::Auto;
  /// Program type overrides: key is a program name, a section name or a glob over
  /// section names ("cls-*", fnmatch syntax), value a program type name as libbpf spells
  /// it ("xdp", "sched_cls", "socket_filter", ...). A program name wins over a section
  /// name, which wins over a glob; among globs the first in key order.
  std::map<std::string, std::string> program_types;
  /// Type for programs whose section implies none and that no override names, as tc
  /// (sched_cls) or ip (xdp) assumed; "" leaves them unknown.
  std::string default_program_type;
  /// Accept a legacy definition whose inner_map_idx is non-zero on a map that is not a
  /// map-in-map (bpf_load.c ignored the field there); by default that is Malformed.
  bool ignore_stray_inner_map_idx = false;
  ParseLimits limits;
};

/// Parses an object held in memory. The bytes need not outlive the call.
/// Fails with Malformed (with section, symbol or offset named), Unsupported
/// (not ELF64 EM_BPF, unknown relocation type), LimitExceeded, or InvalidArgument
/// (an override names an unknown type or section).
[[nodiscard]] Result<ObjectSpec> parse_object(std::span<const std::byte> bytes,
                                              const ParseOptions& options = {});

/// As above, taking over `bytes` instead of copying them: the object is then held in
/// memory once.
[[nodiscard]] Result<ObjectSpec> parse_object(std::vector<std::byte>&& bytes, const ParseOptions& options = {});

/// Lower-case name of a layout ("libbpf", "samples", "iproute2", "btf", "auto").
[[nodiscard]] std::string_view to_string(MapLayout layout) noexcept;
/// Parses a layout name as given to --map-layout. Fails with InvalidArgument.
[[nodiscard]] Result<MapLayout> map_layout_from_string(std::string_view name);
/// Lower-case name of a pinning mode ("none", "object_ns", "global_ns", "by_name").
[[nodiscard]] std::string_view to_string(Pinning pinning) noexcept;

}  // namespace bpfload
BPFLOAD_PUBLIC_END
