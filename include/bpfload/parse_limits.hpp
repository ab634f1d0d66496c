// The sanity bounds of reading an object, shared by the ELF view and the decoder. Plain
// data (core layer).
#pragma once

#include "bpfload/export.h"

#include <cstddef>

BPFLOAD_PUBLIC_BEGIN
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

}  // namespace bpfload
BPFLOAD_PUBLIC_END
