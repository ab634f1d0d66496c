// Load-time constants: `const volatile` globals in .rodata set before load, as libbpf's
// skeletons do (skel->rodata->x = ...), type-checked against the variable's BTF. Pure: it
// edits the spec's data bytes; load_object then creates the frozen .rodata map from them.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Sets the read-only global `name` (declared `const volatile` in a .rodata* section) of
/// `spec` to `value`, written as its BTF type reads it: integers in decimal or 0x hex within
/// the type's range, bool as true/false/1/0, enums by enumerator name or number, char arrays
/// as text (NUL-padded, at most size - 1 bytes). Fails with NotFound when no .rodata
/// variable has that name (naming the section a writable one is in, if any), InvalidArgument
/// when the value does not fit the type or the type is none of these, Unsupported when the
/// object has no BTF to type it.
[[nodiscard]] Status set_constant(ObjectSpec& spec, std::string_view name, std::string_view value);

/// Where a global variable of an object lives: its bytes at `offset` of data section
/// `section`'s one value (the section's map after loading).
struct GlobalVariable {
  std::string name;
  std::string section;     ///< ".data", ".bss", ".rodata", ".data.custom", ...
  uint32_t offset = 0;     ///< byte offset in the section
  uint32_t size = 0;       ///< bytes
  uint32_t btf_type = 0;   ///< the variable's type in the object's BTF
  bool readonly = false;   ///< in a .rodata* section: frozen once loaded
};

/// The global variable `name` of `spec`, found through the BTF DATASECs with the offsets
/// the parse filled in. Fails with Unsupported when the object has no BTF, NotFound when
/// no data section declares that name, Malformed when the variable lies past its section.
[[nodiscard]] Result<GlobalVariable> find_global(const ObjectSpec& spec, std::string_view name);

/// `value` written as `variable`'s BTF type reads it, as set_constant parses it (integers,
/// bools, enumerators, char arrays as text): `variable.size` bytes in host order. Fails
/// with InvalidArgument when the value does not fit or the type is none of these.
[[nodiscard]] Result<std::vector<std::byte>> encode_global(const ObjectSpec& spec, const GlobalVariable& variable,
                                                           std::string_view value);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
