// What a section's name says it holds, for the decoders that must agree on it.
#pragma once

#include <string_view>

namespace bpfload {

/// Legacy map definitions: `maps` and `maps/...`.
[[nodiscard]] inline bool is_legacy_maps_section(std::string_view name) {
  return name == "maps" || name.starts_with("maps/");
}

/// Global data, as libbpf reads it: `.data`, `.data.*`, `.bss`, `.bss.*`, `.rodata`,
/// `.rodata.*`. `.data.rel.ro` (clang's home for constant tables of pointers) is one of
/// `.data.*`; `.bss.<name>` is what `SEC(".bss.<name>")` on a zero-initialised global gives.
[[nodiscard]] inline bool is_data_section(std::string_view name) {
  return name == ".data" || name.starts_with(".data.") || name == ".bss" || name.starts_with(".bss.") ||
         name == ".rodata" || name.starts_with(".rodata.");
}

/// Global data the program may only read: `.rodata*` and `.data.rel.ro*`, which the
/// compiler fills with constants (the section is writable only for a dynamic linker
/// that BPF never has).
[[nodiscard]] inline bool is_readonly_data_section(std::string_view name) {
  return name.starts_with(".rodata") || name == ".data.rel.ro" || name.starts_with(".data.rel.ro.");
}

}  // namespace bpfload
