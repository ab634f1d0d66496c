// Global variables of a loaded object by name, as libbpf's skeletons give them
// (skel->bss->x): .data and .bss read and written through their data maps while the
// programs run, .rodata read. Found through the object's BTF (find_global).
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "bpfload/constants.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The current bytes of global `name` of `object` (loaded from `spec`), read from its
/// section's map through `kernel` (nullptr: the Kernel of the load). Fails as find_global,
/// with NotFound when the section's map was not created, Kernel when the lookup fails.
[[nodiscard]] Result<std::vector<std::byte>> read_global(const ObjectSpec& spec, const LoadedObject& object,
                                                         std::string_view name, Kernel* kernel = nullptr);

/// Writes `value` (exactly the variable's size, host order) into global `name` of
/// `object`. Only those bytes change: the programs' own writes to the section's other
/// variables are kept (Kernel::map_write_value_bytes). Fails as find_global, with
/// InvalidArgument when the size differs or the variable is in a read-only section
/// (frozen at load: set it before loading with set_constant), NotFound when the section's
/// map was not created, Kernel when the write fails.
[[nodiscard]] Status write_global(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                                  std::span<const std::byte> value, Kernel* kernel = nullptr);

/// write_global with the value given as text and parsed by the variable's BTF type, as
/// set_constant parses it ("42", "0x2a", "true", an enumerator, text for a char array).
/// Fails as write_global, or with InvalidArgument when the text does not fit the type.
[[nodiscard]] Status write_global_text(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                                       std::string_view value, Kernel* kernel = nullptr);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
