// C declarations for BTF types, for generated headers: a member or variable of a BTF type
// becomes a declaration whose layout matches the object's, and the struct, union and enum
// types it needs are defined first, each once, in dependency order. Names are prefixed
// (the skeleton's name), so two headers, or a header and the caller's own types, never
// define the same name. What C cannot say with the same layout (bitfields, packed or
// misaligned members, 128-bit integers, forward-declared types) becomes a byte array of
// the right size, with the original type in a comment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "c_names.hpp"

struct btf;  // libbpf

namespace bpfload::gen {

/// The string at `offset` of `btf`'s strings, "" when out of range (hostile BTF: libbpf
/// returns NULL there).
[[nodiscard]] std::string_view btf_name(const struct btf* btf, uint32_t offset) noexcept;

/// One field laid out by CTypeWriter::lay_out: a variable of a DATASEC or a member.
struct FieldInput {
  std::string name;      ///< as the object names it; made an identifier by lay_out
  uint32_t type_id = 0;
  uint64_t offset = 0;   ///< bytes from the start of the struct
  uint64_t size = 0;     ///< bytes
};

/// A struct body: its member lines (padding arrays included) and, for the layout checks,
/// each member's identifier and the offset it must have.
struct StructBody {
  std::string lines;  ///< one indented declaration per line, each ending with ";\n"
  std::map<std::string, uint64_t> offsets;
  uint64_t alignment = 1;
  uint64_t natural_size = 0;  ///< sizeof the struct as a compiler lays it out
};

/// Writes C declarations of the types of one BTF.
class CTypeWriter {
 public:
  /// `prefix` goes before every type name it defines ("NAME__"). `prefix_enumerators`
  /// says the text is C (also compiled as C++): enumerators get the prefix too, as they
  /// share the file's scope, and layout checks are C99 array sizes; otherwise it is C++
  /// (static_assert). `type_names` is the scope type names are claimed in, shared with the
  /// caller's own names.
  CTypeWriter(const struct btf* btf, std::string prefix, bool prefix_enumerators, NameScope& type_names);

  /// `fields` laid out at their offsets in a struct of `size` bytes, with padding arrays
  /// ("__padN") between them. A field whose type cannot be declared with the same layout,
  /// or whose offset its type's alignment does not allow, becomes a byte array. Field
  /// names are made identifiers, unique within the body.
  [[nodiscard]] StructBody lay_out(const std::vector<FieldInput>& fields, uint64_t size);

  /// The C type of `type_id` for a parameter ("uint32_t", "struct NAME__counts"),
  /// defining what it needs first, when it is no array and C lays it out in exactly `size`
  /// bytes; nullopt otherwise.
  [[nodiscard]] std::optional<std::string> value_type(uint32_t type_id, uint64_t size);

  /// The definitions written so far (types, then each one's layout checks), in the order
  /// they must appear.
  [[nodiscard]] const std::string& definitions() const noexcept { return definitions_; }

  /// A short readable name of type `type_id` for comments ("struct event", "__u32",
  /// "char[16]"); "?" for an id the BTF does not have.
  [[nodiscard]] std::string describe(uint32_t type_id, unsigned depth = 0) const;

  /// Layout checks of `body` as struct `tag` (`struct NAME`), compile-time array sizes
  /// that are negative when a member's offset or the size differs from the object's.
  /// With `exact`, sizeof must be `size`; otherwise at least `size` (a section whose end is
  /// not aligned: the compiler rounds the struct up).
  [[nodiscard]] std::string layout_checks(std::string_view tag, const StructBody& body, uint64_t size, bool exact);

 private:
  struct Declared {
    std::string text;
    uint64_t alignment = 1;
  };
  static constexpr unsigned kMaxDepth = 64;
  [[nodiscard]] std::optional<Declared> declare(uint32_t type_id, const std::string& declarator);
  [[nodiscard]] std::optional<Declared> declare_unbounded(uint32_t type_id, const std::string& declarator);
  [[nodiscard]] std::optional<Declared> declare_int(uint32_t type_id, const std::string& declarator) const;
  [[nodiscard]] std::optional<Declared> declare_record(uint32_t type_id, const std::string& declarator);
  [[nodiscard]] std::optional<Declared> declare_enum(uint32_t type_id, const std::string& declarator);
  [[nodiscard]] uint32_t skip_qualifiers(uint32_t type_id) const;

  const struct btf* btf_;
  std::string prefix_;
  bool prefix_enumerators_;
  NameScope& type_names_;
  NameScope enumerator_names_;
  /// Struct, union and enum types already defined: their tag and alignment, or nullopt
  /// when they cannot be declared.
  std::map<uint32_t, std::optional<Declared>> records_;
  std::string definitions_;
  unsigned checks_ = 0;
  unsigned depth_ = 0;
};

}  // namespace bpfload::gen
