// The .BTF DATASEC fix-up: what clang leaves 0 in .BTF, filled in from the ELF object.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "bpfload/result.hpp"
#include "elf_view.hpp"

struct btf;  // libbpf

namespace bpfload {

/// Returns a copy of the raw `.BTF` bytes `btf` (of the object behind `view`) made
/// acceptable to the kernel, as libbpf's btf_fixup_datasec does: each DATASEC that
/// clang left with size 0 gets its ELF section's size and each of its non-extern
/// VAR_SECINFOs the st_value of the ELF symbol of the same name (static variables
/// without a symbol keep theirs); the VAR_SECINFOs of every DATASEC are then ordered
/// by offset. `.kconfig` / `.ksyms` become anonymous unions of ints. Extern FUNCs (kfuncs)
/// become static and their prototypes' unnamed arguments get a name, and global or weak
/// functions of hidden or internal visibility become static, both as libbpf does. Values are written in the
/// object's byte order. `parsed` is libbpf's parse of the same bytes (parse_btf), made
/// once by the caller and used here for host-order access; nullptr when libbpf refused
/// them. Fails with Malformed when the header is unusable or `parsed` is null, or names
/// the DATASEC and variable when a section or symbol is missing.
[[nodiscard]] Result<std::vector<std::byte>> fixup_btf_for_kernel(const elf::View& view,
                                                                  std::span<const std::byte> btf,
                                                                  const struct btf* parsed);

}  // namespace bpfload
