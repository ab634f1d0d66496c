#include "c_names.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace bpfload::gen {
namespace {

// C99, C11 and C23 keywords, C++20 keywords and alternative tokens, and the macros of
// <stdbool.h> the C header includes: none of them can name a member or a type.
constexpr std::array<std::string_view, 117> kKeywords = {
    "_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex", "_Decimal128", "_Decimal32",
    "_Decimal64", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local", "alignas",
    "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
    "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield", "compl", "concept",
    "const", "const_cast", "consteval", "constexpr", "constinit", "continue", "decltype", "default",
    "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false",
    "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "register", "reinterpret_cast", "requires", "restrict", "return", "short", "signed", "sizeof",
    "static", "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
    "throw", "true", "try", "typedef", "typeid", "typename", "typeof", "typeof_unqual", "union",
    "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    "__bool_true_false_are_defined", "final", "override", "import", "module", "nullptr_t",
    "__cplusplus", "offsetof",
};

bool is_keyword(std::string_view name) noexcept {
  return std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end();
}

bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool is_c_identifier(std::string_view name) noexcept {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  if (!std::all_of(name.begin(), name.end(), is_word_char)) return false;
  return !is_keyword(name);
}

std::string c_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) out += is_word_char(c) ? c : '_';
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  if (is_keyword(out)) out += '_';
  return out;
}

std::string comment_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c >= 0x7f || c == '\\') ? '?' : text[i];
    if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') out += ' ';
  }
  return out;
}

std::string NameScope::claim(std::string_view name) {
  const std::string base = c_identifier(name);
  std::string candidate = base;
  for (unsigned suffix = 2; taken_.contains(candidate); ++suffix) candidate = fmt::format("{}_{}", base, suffix);
  taken_.insert(candidate);
  return candidate;
}

}  // namespace bpfload::gen
