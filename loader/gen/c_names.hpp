// Identifiers for generated C and C++ code: a name from an object (a map, a program, a
// BTF member) made into one a compiler accepts, never a keyword of either language, and
// unique within its scope.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace bpfload::gen {

/// True when `name` is a C identifier ([A-Za-z_][A-Za-z0-9_]*) and no keyword of C99,
/// C11/C23 or C++20 (so the same name compiles in the C header built as C++).
[[nodiscard]] bool is_c_identifier(std::string_view name) noexcept;

/// `name` as an identifier: characters outside [A-Za-z0-9_] become '_', a leading digit
/// or an empty name gets a '_' prefix, a keyword gets a '_' suffix. Never fails.
[[nodiscard]] std::string c_identifier(std::string_view name);

/// `text` from the object made safe inside a generated comment, C's /* */ or C++'s //:
/// control characters and bytes past ASCII become '?', a backslash (which would splice
/// the next line into a // comment) too, and "*/" is broken up. Never fails.
[[nodiscard]] std::string comment_text(std::string_view text);

/// The identifiers used in one scope (a struct's members, a header's type names):
/// `claim` returns c_identifier(name), or with "_2", "_3"... appended when it is taken.
class NameScope {
 public:
  NameScope() = default;
  /// A scope where `reserved` are taken already (the generator's own names).
  explicit NameScope(std::set<std::string> reserved) : taken_(std::move(reserved)) {}
  [[nodiscard]] std::string claim(std::string_view name);

 private:
  std::set<std::string> taken_;
};

}  // namespace bpfload::gen
