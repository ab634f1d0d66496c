// Load-time constants: `const volatile` globals in .rodata set before load, as libbpf's
// skeletons do (skel->rodata->x = ...), type-checked against the variable's BTF. Pure: it
// edits the spec's data bytes; load_object then creates the frozen .rodata map from them.
#pragma once

#include <string>
#include <string_view>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

/// Sets the read-only global `name` (declared `const volatile` in a .rodata* section) of
/// `spec` to `value`, written as its BTF type reads it: integers in decimal or 0x hex within
/// the type's range, bool as true/false/1/0, enums by enumerator name or number, char arrays
/// as text (NUL-padded, at most size - 1 bytes). Fails with NotFound when no .rodata
/// variable has that name (naming the section a writable one is in, if any), InvalidArgument
/// when the value does not fit the type or the type is none of these, Unsupported when the
/// object has no BTF to type it.
[[nodiscard]] Status set_constant(ObjectSpec& spec, std::string_view name, std::string_view value);

}  // namespace bpfload
