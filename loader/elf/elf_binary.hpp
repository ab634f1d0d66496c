// Any ELF64 file read from bytes in memory: an executable or shared library (uprobe
// targets), a vmlinux with .BTF. Separate from View (elf_view.hpp), which accepts only BPF
// objects, but held to the same rules: every offset and size checked, overflow first, no
// system call. Both byte orders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "bpfload/result.hpp"

namespace bpfload::elf {

/// The bytes of the first section named `name`. Fails with NotFound when there is none,
/// Malformed when a header or table lies outside `file`, Unsupported for ELF32.
[[nodiscard]] Result<std::span<const std::byte>> binary_section(std::span<const std::byte> file,
                                                                 std::string_view name);

/// The file offset of function `symbol` (STT_FUNC, defined) from .symtab or .dynsym,
/// mapped through the executable PT_LOAD segment that holds its address: what the uprobe
/// PMU takes. Fails with NotFound when no such function is defined, Malformed when its
/// address is in no executable segment or the file's tables are out of bounds,
/// Unsupported for ELF32.
[[nodiscard]] Result<uint64_t> function_file_offset(std::span<const std::byte> file, std::string_view symbol);

}  // namespace bpfload::elf
