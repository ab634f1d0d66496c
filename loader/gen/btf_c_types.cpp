#include "btf_c_types.hpp"

#include <algorithm>
#include <climits>
#include <vector>

#include <bpf/btf.h>
#include <fmt/format.h>

namespace bpfload::gen {
namespace {

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) / alignment * alignment; }

std::string int_type(uint64_t size, bool is_signed) {
  return fmt::format("{}int{}_t", is_signed ? "" : "u", size * 8);
}

bool plain_int_size(uint64_t size) { return size == 1 || size == 2 || size == 4 || size == 8; }

}  // namespace

std::string_view btf_name(const struct btf* btf, uint32_t offset) noexcept {
  const char* name = btf__name_by_offset(btf, offset);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

CTypeWriter::CTypeWriter(const struct btf* btf, std::string prefix, bool prefix_enumerators, NameScope& type_names)
    : btf_(btf), prefix_(std::move(prefix)), prefix_enumerators_(prefix_enumerators), type_names_(type_names) {}

uint32_t CTypeWriter::skip_qualifiers(uint32_t type_id) const {
  // A typedef adds a name, not a layout: the generated type is what it names. Bounded: a
  // chain longer than the BTF has types is a loop.
  for (uint32_t steps = 0; steps <= btf__type_cnt(btf_); ++steps) {
    const btf_type* type = btf__type_by_id(btf_, type_id);
    if (type == nullptr) return type_id;
    switch (btf_kind(type)) {
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        type_id = type->type;
        break;
      default:
        return type_id;
    }
  }
  return 0;
}

std::optional<CTypeWriter::Declared> CTypeWriter::declare(uint32_t type_id, const std::string& declarator) {
  // Nesting deeper than any real type is a loop in hostile BTF: a byte array instead.
  if (++depth_ > kMaxDepth) {
    --depth_;
    return std::nullopt;
  }
  std::optional<Declared> declared = declare_unbounded(type_id, declarator);
  --depth_;
  return declared;
}

std::optional<CTypeWriter::Declared> CTypeWriter::declare_unbounded(uint32_t type_id, const std::string& declarator) {
  type_id = skip_qualifiers(type_id);
  const btf_type* type = type_id == 0 ? nullptr : btf__type_by_id(btf_, type_id);
  if (type == nullptr) return std::nullopt;
  switch (btf_kind(type)) {
    case BTF_KIND_INT:
      return declare_int(type_id, declarator);
    case BTF_KIND_PTR:
      // A kernel address in the object's 64-bit world, not something to dereference here.
      return Declared{"uint64_t " + declarator, 8};
    case BTF_KIND_ARRAY: {
      const struct btf_array* array = btf_array(type);
      if (array->nelems == 0) return std::nullopt;  // a zero-length array is not C99
      return declare(array->type, fmt::format("{}[{}]", declarator, array->nelems));
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return declare_record(type_id, declarator);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return declare_enum(type_id, declarator);
    case BTF_KIND_FLOAT:
      if (type->size == 4) return Declared{"float " + declarator, 4};
      if (type->size == 8) return Declared{"double " + declarator, 8};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<CTypeWriter::Declared> CTypeWriter::declare_int(uint32_t type_id, const std::string& declarator) const {
  const btf_type* type = btf__type_by_id(btf_, type_id);
  const uint32_t size = type->size;
  const uint32_t encoding = btf_int_encoding(type);
  if (btf_int_offset(type) != 0 || !plain_int_size(size)) return std::nullopt;
  if ((encoding & BTF_INT_BOOL) != 0 && size == 1) return Declared{"bool " + declarator, 1};
  if (btf_int_bits(type) != size * 8) return std::nullopt;
  const std::string_view name = btf_name(btf_, type->name_off);
  if (size == 1 && ((encoding & BTF_INT_CHAR) != 0 || name == "char")) return Declared{"char " + declarator, 1};
  return Declared{int_type(size, (encoding & BTF_INT_SIGNED) != 0) + " " + declarator, size};
}

std::optional<CTypeWriter::Declared> CTypeWriter::declare_record(uint32_t type_id, const std::string& declarator) {
  auto with = [&](const std::optional<Declared>& record) -> std::optional<Declared> {
    if (!record) return std::nullopt;
    return Declared{record->text + " " + declarator, record->alignment};
  };
  if (auto known = records_.find(type_id); known != records_.end()) return with(known->second);
  records_[type_id] = std::nullopt;  // until defined; a by-value cycle cannot be declared

  const btf_type* type = btf__type_by_id(btf_, type_id);
  const bool is_union = btf_kind(type) == BTF_KIND_UNION;
  std::vector<FieldInput> fields;
  const btf_member* members = btf_members(type);
  for (uint16_t i = 0; i < btf_vlen(type); ++i) {
    const uint32_t bit_offset = btf_member_bit_offset(type, i);
    if (btf_member_bitfield_size(type, i) != 0 || bit_offset % 8 != 0) return std::nullopt;
    const int64_t size = btf__resolve_size(btf_, members[i].type);
    if (size < 0) return std::nullopt;
    fields.push_back(FieldInput{std::string(btf_name(btf_, members[i].name_off)), members[i].type, bit_offset / 8,
                                static_cast<uint64_t>(size)});
  }
  if (fields.empty() || type->size == 0) return std::nullopt;  // C99 has no empty structs

  StructBody body;
  if (is_union) {
    NameScope names;
    uint64_t largest = 0;
    for (const FieldInput& field : fields) {
      if (field.offset != 0 || field.size == 0) return std::nullopt;
      const std::string name = names.claim(field.name.empty() ? "anon" : field.name);
      std::optional<Declared> member = declare(field.type_id, name);
      if (!member) member = Declared{fmt::format("uint8_t {}[{}]", name, field.size), 1};
      body.lines += fmt::format("  {};\n", member->text);
      body.offsets[name] = 0;
      body.alignment = std::max(body.alignment, member->alignment);
      largest = std::max(largest, field.size);
    }
    if (largest < type->size)
      body.lines += fmt::format("  uint8_t {}[{}];\n", names.claim("__pad"), type->size);
    body.natural_size = align_up(std::max<uint64_t>(largest, type->size), body.alignment);
  } else {
    body = lay_out(fields, type->size);
  }
  if (body.natural_size != type->size) return std::nullopt;  // packed, or padded otherwise than C would

  const std::string_view type_name = btf_name(btf_, type->name_off);
  const std::string tag = fmt::format("{} {}{}", is_union ? "union" : "struct", prefix_,
                                      type_names_.claim(type_name.empty() ? fmt::format("anon{}", type_id) : std::string(type_name)));
  definitions_ += fmt::format("{} {{\n{}}};\n", tag, body.lines);
  definitions_ += layout_checks(tag, body, type->size, true);
  definitions_ += "\n";
  records_[type_id] = Declared{tag, body.alignment};
  return with(records_[type_id]);
}

std::optional<CTypeWriter::Declared> CTypeWriter::declare_enum(uint32_t type_id, const std::string& declarator) {
  const btf_type* type = btf__type_by_id(btf_, type_id);
  const bool is_signed = btf_kflag(type);
  const std::optional<Declared> as_int =
      plain_int_size(type->size) ? std::optional<Declared>(Declared{int_type(type->size, is_signed) + " " + declarator,
                                                                    type->size})
                                 : std::nullopt;
  if (auto known = records_.find(type_id); known != records_.end()) {
    if (!known->second) return as_int;
    return Declared{known->second->text + " " + declarator, 4};
  }
  // C99 enums are int-sized with int values; anything else keeps its size as an integer.
  bool fits = btf_kind(type) == BTF_KIND_ENUM && type->size == 4 && btf_vlen(type) > 0;
  const struct btf_enum* values = btf_enum(type);
  for (uint16_t i = 0; fits && i < btf_vlen(type); ++i) {
    const int64_t value = is_signed ? int64_t{static_cast<int32_t>(values[i].val)} : int64_t{values[i].val};
    fits = value >= INT_MIN && value <= INT_MAX;
  }
  if (!fits) {
    records_[type_id] = std::nullopt;
    return as_int;
  }
  const std::string_view type_name = btf_name(btf_, type->name_off);
  const std::string tag = fmt::format("enum {}{}", prefix_,
                                      type_names_.claim(type_name.empty() ? fmt::format("anon{}", type_id) : std::string(type_name)));
  std::string lines;
  for (uint16_t i = 0; i < btf_vlen(type); ++i) {
    const int64_t value = is_signed ? int64_t{static_cast<int32_t>(values[i].val)} : int64_t{values[i].val};
    const std::string name = type_names_.claim(btf_name(btf_, values[i].name_off));
    lines += fmt::format("  {}{} = {},\n", prefix_enumerators_ ? prefix_ : "", name, value);
  }
  definitions_ += fmt::format("{} {{\n{}}};\n\n", tag, lines);
  records_[type_id] = Declared{tag, 4};
  return Declared{tag + " " + declarator, 4};
}

std::optional<std::string> CTypeWriter::value_type(uint32_t type_id, uint64_t size) {
  if (btf__resolve_size(btf_, type_id) != static_cast<int64_t>(size)) return std::nullopt;
  std::optional<Declared> declared = declare(type_id, "");
  if (!declared || declared->text.find('[') != std::string::npos) return std::nullopt;
  std::string text = declared->text;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

StructBody CTypeWriter::lay_out(const std::vector<FieldInput>& input, uint64_t size) {
  std::vector<FieldInput> fields = input;
  std::stable_sort(fields.begin(), fields.end(),
                   [](const FieldInput& a, const FieldInput& b) { return a.offset < b.offset; });
  StructBody body;
  NameScope names;
  uint64_t end = 0;
  for (const FieldInput& field : fields) {
    if (field.size == 0 || field.offset < end) continue;  // nothing to hold, or overlapping what is laid out
    const std::string name = names.claim(field.name.empty() ? "anon" : field.name);
    std::optional<Declared> member = declare(field.type_id, name);
    const int64_t type_size = btf__resolve_size(btf_, field.type_id);
    std::string comment;
    if (!member || field.offset % member->alignment != 0 || type_size != static_cast<int64_t>(field.size)) {
      member = Declared{fmt::format("uint8_t {}[{}]", name, field.size), 1};
      comment = fmt::format(" /* {} */", comment_text(describe(field.type_id)));
    }
    if (field.offset > end) body.lines += fmt::format("  uint8_t {}[{}];\n", names.claim("__pad"), field.offset - end);
    body.lines += fmt::format("  {};{}\n", member->text, comment);
    body.offsets[name] = field.offset;
    body.alignment = std::max(body.alignment, member->alignment);
    end = field.offset + field.size;
  }
  if (size > end) body.lines += fmt::format("  uint8_t {}[{}];\n", names.claim("__pad"), size - end);
  body.natural_size = align_up(std::max(end, size), body.alignment);
  return body;
}

std::string CTypeWriter::layout_checks(std::string_view tag, const StructBody& body, uint64_t size, bool exact) {
  // C99 has no static_assert: an array of size -1 is the compile error instead.
  std::string out;
  if (!prefix_enumerators_) {  // C++: static_assert says what differs
    for (const auto& [member, offset] : body.offsets)
      out += fmt::format("static_assert(offsetof({0}, {1}) == {2}, \"{0}::{1} is not at offset {2} as in the object\");\n",
                         tag, member, offset);
    out += fmt::format("static_assert(sizeof({0}) {1} {2}, \"{0} is not {2} bytes as in the object\");\n", tag,
                       exact ? "==" : ">=", size);
    return out;
  }
  const std::string check_prefix = prefix_.empty() ? std::string("bpfload_") : prefix_;
  for (const auto& [member, offset] : body.offsets)
    out += fmt::format("typedef char {}layout_check{}[offsetof({}, {}) == {} ? 1 : -1];\n", check_prefix, checks_++,
                       tag, member, offset);
  out += fmt::format("typedef char {}layout_check{}[sizeof({}) {} {} ? 1 : -1];\n", check_prefix, checks_++, tag,
                     exact ? "==" : ">=", size);
  return out;
}

std::string CTypeWriter::describe(uint32_t type_id, unsigned depth) const {
  if (depth > kMaxDepth) return "?";
  if (type_id == 0) return "void";
  const btf_type* type = btf__type_by_id(btf_, type_id);
  if (type == nullptr) return "?";
  const std::string name(btf_name(btf_, type->name_off));
  switch (btf_kind(type)) {
    case BTF_KIND_STRUCT: return "struct " + (name.empty() ? std::string("(anonymous)") : name);
    case BTF_KIND_UNION: return "union " + (name.empty() ? std::string("(anonymous)") : name);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: return "enum " + (name.empty() ? std::string("(anonymous)") : name);
    case BTF_KIND_PTR: return describe(type->type, depth + 1) + " *";
    case BTF_KIND_ARRAY: return fmt::format("{}[{}]", describe(btf_array(type)->type, depth + 1), btf_array(type)->nelems);
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: return describe(type->type, depth + 1);
    case BTF_KIND_FUNC_PROTO: return "function";
    default: return name.empty() ? std::string("?") : name;
  }
}

}  // namespace bpfload::gen
