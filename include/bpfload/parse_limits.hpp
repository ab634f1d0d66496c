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
  /// One data section's size (its map's value size), SHT_NOBITS included. The kernel
  /// refuses array values above KMALLOC_MAX_SIZE (4 MiB on x86-64) anyway.
  size_t max_data_section_bytes = size_t{16} << 20;
  /// All data sections together: what a load asks the kernel to allocate for global data.
  size_t max_data_bytes = size_t{64} << 20;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
