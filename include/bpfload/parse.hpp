// Reading a BPF ELF object into an ObjectSpec. Pure: no syscalls, no privileges.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

/// Sanity bounds no real object reaches; exceeding one is ErrorKind::LimitExceeded.
struct ParseLimits {
  size_t max_object_bytes = size_t{256} << 20;  ///< checked with fstat before reading
  size_t max_sections = 65536;
  size_t max_symbols = 1u << 20;
  size_t max_maps = 4096;
  size_t max_programs = 4096;
  size_t max_relocations = 1u << 20;
  size_t max_insns = 1u << 20;  ///< per section; the kernel's own limit is 1M processed
  // Data sections have no limit of their own: one with contents is bounded by the file
  // (max_object_bytes), a zero-filled (SHT_NOBITS) one is a size that costs nothing until
  // its map is created, when the kernel decides (it takes a 16 MiB .bss). One that no map
  // value can hold (over 4 GiB: value_size is 32-bit) is LimitExceeded.
};

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

/// Reads a whole input file of at most `max_bytes`. The size is checked with fstat
/// before anything is allocated; the file is opened non-blocking, so a FIFO without a
/// writer cannot block. Fails with InvalidArgument for anything but a regular file
/// (FIFO, device, directory), LimitExceeded when too large, Io when unreadable.
/// With `magic`, a file that does not start with it is refused (Malformed) before the
/// rest is read.
[[nodiscard]] Result<std::vector<std::byte>> read_input_file(const std::string& path, size_t max_bytes,
                                                           std::string_view magic = {});

/// The first bytes of every ELF file, for read_input_file.
inline constexpr std::string_view kElfMagic{"\x7f" "ELF", 4};

/// Reads `path` and parses it. Fails as parse_object, or with Io when unreadable.
[[nodiscard]] Result<ObjectSpec> parse_object_file(const std::string& path,
                                                   const ParseOptions& options = {});

/// Lower-case name of a layout ("libbpf", "samples", "iproute2", "btf", "auto").
[[nodiscard]] std::string_view to_string(MapLayout layout) noexcept;
/// Parses a layout name as given to --map-layout. Fails with InvalidArgument.
[[nodiscard]] Result<MapLayout> map_layout_from_string(std::string_view name);
/// Lower-case name of a pinning mode ("none", "object_ns", "global_ns", "by_name").
[[nodiscard]] std::string_view to_string(Pinning pinning) noexcept;

}  // namespace bpfload
