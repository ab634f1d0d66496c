#include "map_btf.hpp"

#include <cstring>
#include <limits>

#include <bpf/btf.h>
#include <fmt/format.h>

namespace bpfload::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;

// Deep enough for any real map value; a cycle in hostile BTF stops here.
constexpr int kMaxDepth = 32;

uint32_t skip_modifiers(const struct btf* btf, uint32_t id) {
  for (int i = 0; i < kMaxDepth; ++i) {
    const btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr) return id;
    switch (btf_kind(type)) {
      case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = type->type;
        continue;
      default: return id;
    }
  }
  return id;
}

std::string_view name_of(const struct btf* btf, uint32_t offset) {
  const char* name = btf__name_by_offset(btf, offset);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

uint64_t read_bits(std::span<const std::byte> bytes, uint32_t bit_offset, uint32_t bits) {
  // Little-endian host (the only order bpfload loads on): bit i of the value is bit i%8 of byte i/8.
  uint64_t value = 0;
  for (uint32_t i = 0; i < bits; ++i) {
    const uint32_t bit = bit_offset + i;
    if (bit / 8 >= bytes.size()) break;
    if ((static_cast<unsigned>(bytes[bit / 8]) >> (bit % 8)) & 1u) value |= uint64_t{1} << i;
  }
  return value;
}

void write_bits(std::span<std::byte> bytes, uint32_t bit_offset, uint32_t bits, uint64_t value) {
  for (uint32_t i = 0; i < bits; ++i) {
    const uint32_t bit = bit_offset + i;
    if (bit / 8 >= bytes.size()) break;
    auto byte = static_cast<unsigned>(bytes[bit / 8]);
    if ((value >> i) & 1u) {
      byte |= 1u << (bit % 8);
    } else {
      byte &= ~(1u << (bit % 8));
    }
    bytes[bit / 8] = std::byte(byte);
  }
}

// clang emits `char` as a 1-byte signed INT named "char", without BTF_INT_CHAR; bpftool
// goes by the name too. __u8 arrays stay lists of numbers.
bool is_char(const struct btf* btf, const btf_type* type) {
  if (type == nullptr || !btf_is_int(type) || type->size != 1) return false;
  if (btf_int_encoding(type) & BTF_INT_CHAR) return true;
  const std::string_view name = name_of(btf, type->name_off);
  return name == "char" || name == "signed char" || name == "unsigned char";
}

OrderedJson integer_json(uint64_t raw, uint32_t bits, bool is_signed, bool is_bool) {
  if (is_bool) return raw != 0;
  if (!is_signed || bits == 0) return raw;
  if (bits < 64 && (raw >> (bits - 1)) & 1u) return static_cast<int64_t>(raw | (~uint64_t{0} << bits));
  return static_cast<int64_t>(raw);
}

OrderedJson bytes_list(std::span<const std::byte> bytes) {
  OrderedJson list = OrderedJson::array();
  for (std::byte b : bytes) list.push_back(static_cast<unsigned>(b));
  return list;
}

OrderedJson to_json(const struct btf* btf, uint32_t id, std::span<const std::byte> bytes, uint32_t bit_offset,
                    uint32_t bitfield_bits, int depth);

OrderedJson enum_json(const struct btf* btf, const btf_type* type, uint64_t raw) {
  const bool is_signed = btf_kflag(type);
  const uint32_t bits = type->size * 8;
  if (btf_is_enum(type)) {
    const struct btf_enum* values = btf_enum(type);
    for (uint16_t i = 0; i < btf_vlen(type); ++i) {
      if (static_cast<uint32_t>(values[i].val) == static_cast<uint32_t>(raw)) return std::string(name_of(btf, values[i].name_off));
    }
  } else {
    const struct btf_enum64* values = btf_enum64(type);
    for (uint16_t i = 0; i < btf_vlen(type); ++i) {
      if (btf_enum64_value(&values[i]) == raw) return std::string(name_of(btf, values[i].name_off));
    }
  }
  return integer_json(raw, bits, is_signed, false);
}

OrderedJson to_json(const struct btf* btf, uint32_t id, std::span<const std::byte> bytes, uint32_t bit_offset,
                    uint32_t bitfield_bits, int depth) {
  id = skip_modifiers(btf, id);
  const btf_type* type = btf__type_by_id(btf, id);
  if (type == nullptr || depth > kMaxDepth) return bytes_list(bytes);
  const __s64 size = btf__resolve_size(btf, id);
  switch (btf_kind(type)) {
    case BTF_KIND_INT: {
      const uint32_t encoding = btf_int_encoding(type);
      const uint32_t bits = bitfield_bits != 0 ? bitfield_bits : btf_int_bits(type);
      if (bits > 64) return bytes_list(bytes.subspan(bit_offset / 8, std::min<size_t>(type->size, bytes.size() - bit_offset / 8)));
      const uint64_t raw = read_bits(bytes, bit_offset + btf_int_offset(type), bits);
      if ((encoding & BTF_INT_CHAR) && bits == 8) {
        return raw >= 0x20 && raw < 0x7f ? OrderedJson(std::string(1, static_cast<char>(raw))) : OrderedJson(raw);
      }
      return integer_json(raw, bits, encoding & BTF_INT_SIGNED, encoding & BTF_INT_BOOL);
    }
    case BTF_KIND_PTR: return read_bits(bytes, bit_offset, 64);
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
      return enum_json(btf, type, read_bits(bytes, bit_offset, bitfield_bits != 0 ? bitfield_bits : type->size * 8));
    case BTF_KIND_ARRAY: {
      const struct btf_array* array = btf_array(type);
      const __s64 element_size = btf__resolve_size(btf, array->type);
      if (element_size <= 0) return bytes_list(bytes);
      // char[N] reads as a string, as bpftool prints it, when it holds text.
      const btf_type* element = btf__type_by_id(btf, skip_modifiers(btf, array->type));
      if (is_char(btf, element)) {
        const size_t start = bit_offset / 8;
        std::string text;
        bool printable = true;
        for (uint32_t i = 0; i < array->nelems && start + i < bytes.size(); ++i) {
          const char c = static_cast<char>(bytes[start + i]);
          if (c == '\0') break;
          printable &= c >= 0x20 && c < 0x7f;
          text += c;
        }
        if (printable) return text;
      }
      OrderedJson list = OrderedJson::array();
      for (uint32_t i = 0; i < array->nelems; ++i)
        list.push_back(to_json(btf, array->type, bytes, bit_offset + i * static_cast<uint32_t>(element_size) * 8, 0, depth + 1));
      return list;
    }
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      OrderedJson object = OrderedJson::object();
      const btf_member* members = btf_members(type);
      for (uint16_t i = 0; i < btf_vlen(type); ++i) {
        const uint32_t offset = btf_member_bit_offset(type, i);
        const uint32_t bits = btf_member_bitfield_size(type, i);
        std::string name(name_of(btf, members[i].name_off));
        OrderedJson member = to_json(btf, members[i].type, bytes, bit_offset + offset, bits, depth + 1);
        // An anonymous struct or union member's fields belong to the parent, as in C.
        if (name.empty() && member.is_object()) {
          for (auto& [key, inner] : member.items()) object[key] = inner;
        } else {
          object[name.empty() ? fmt::format("#{}", i) : name] = std::move(member);
        }
      }
      return object;
    }
    default: {
      const size_t start = bit_offset / 8;
      const size_t length = size > 0 ? static_cast<size_t>(size) : 0;
      if (start >= bytes.size()) return OrderedJson::array();
      return bytes_list(bytes.subspan(start, std::min(length, bytes.size() - start)));
    }
  }
}

Error bad_value(std::string_view path, std::string_view why, const struct btf* btf, uint32_t id) {
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("{}: {} (its type is {}; for example {})", path, why, btf_type_name(btf, id),
                                btf_example(btf, id)));
}

Result<uint64_t> json_integer(const nlohmann::json& value, uint32_t bits, bool is_signed, std::string_view path,
                              const struct btf* btf, uint32_t id) {
  if (value.is_boolean()) return uint64_t{value.get<bool>() ? 1u : 0u};
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    const uint64_t max = bits >= 64 ? std::numeric_limits<uint64_t>::max()
                                    : (uint64_t{1} << (is_signed ? bits - 1 : bits)) - 1;
    if (v > max) return bad_value(path, fmt::format("{} does not fit in {} bits", v, bits), btf, id);
    return v;
  }
  if (value.is_number_integer()) {
    const int64_t v = value.get<int64_t>();
    if (!is_signed && v < 0) return bad_value(path, fmt::format("{} is negative, the type is unsigned", v), btf, id);
    if (bits < 64 && v < -(int64_t{1} << (bits - 1)))
      return bad_value(path, fmt::format("{} does not fit in {} bits", v, bits), btf, id);
    return static_cast<uint64_t>(v);
  }
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text.size() == 1 && bits == 8) return uint64_t{static_cast<unsigned char>(text[0])};
  }
  return bad_value(path, fmt::format("{} is not an integer", value.dump()), btf, id);
}

Status from_json(const struct btf* btf, uint32_t id, const nlohmann::json& value, std::span<std::byte> out,
                 uint32_t bit_offset, uint32_t bitfield_bits, const std::string& path, int depth) {
  id = skip_modifiers(btf, id);
  const btf_type* type = btf__type_by_id(btf, id);
  if (type == nullptr || depth > kMaxDepth)
    return make_error(ErrorKind::InvalidArgument, fmt::format("{}: the map's BTF type {} cannot be read", path, id));
  switch (btf_kind(type)) {
    case BTF_KIND_INT: {
      const uint32_t bits = bitfield_bits != 0 ? bitfield_bits : btf_int_bits(type);
      if (bits > 64) return bad_value(path, "integers wider than 64 bits are given as hex bytes", btf, id);
      auto number = json_integer(value, bits, btf_int_encoding(type) & BTF_INT_SIGNED, path, btf, id);
      if (!number) return std::move(number).error();
      write_bits(out, bit_offset + btf_int_offset(type), bits, *number);
      return {};
    }
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
      const uint32_t bits = bitfield_bits != 0 ? bitfield_bits : type->size * 8;
      if (value.is_string()) {
        const std::string name = value.get<std::string>();
        for (uint16_t i = 0; i < btf_vlen(type); ++i) {
          const bool is64 = btf_is_enum64(type);
          const uint32_t name_off = is64 ? btf_enum64(type)[i].name_off : btf_enum(type)[i].name_off;
          if (name_of(btf, name_off) != name) continue;
          const uint64_t raw = is64 ? btf_enum64_value(&btf_enum64(type)[i])
                                    : static_cast<uint64_t>(static_cast<int64_t>(btf_enum(type)[i].val));
          write_bits(out, bit_offset, bits, raw);
          return {};
        }
        return bad_value(path, fmt::format("'{}' is not a member of the enum", name), btf, id);
      }
      auto number = json_integer(value, bits, btf_kflag(type), path, btf, id);
      if (!number) return std::move(number).error();
      write_bits(out, bit_offset, bits, *number);
      return {};
    }
    case BTF_KIND_PTR: {
      auto number = json_integer(value, 64, false, path, btf, id);
      if (!number) return std::move(number).error();
      write_bits(out, bit_offset, 64, *number);
      return {};
    }
    case BTF_KIND_ARRAY: {
      const struct btf_array* array = btf_array(type);
      const __s64 element_size = btf__resolve_size(btf, array->type);
      if (element_size <= 0) return bad_value(path, "the element type has no size", btf, id);
      if (value.is_string() && element_size == 1) {
        const std::string text = value.get<std::string>();
        if (text.size() > array->nelems)
          return bad_value(path, fmt::format("{} characters do not fit in {}", text.size(), array->nelems), btf, id);
        for (size_t i = 0; i < text.size(); ++i) write_bits(out, bit_offset + static_cast<uint32_t>(i) * 8, 8, static_cast<unsigned char>(text[i]));
        return {};
      }
      if (!value.is_array() || value.size() != array->nelems)
        return bad_value(path, fmt::format("give a list of {} elements", array->nelems), btf, id);
      for (uint32_t i = 0; i < array->nelems; ++i) {
        BPFLOAD_TRY(from_json(btf, array->type, value[i], out, bit_offset + i * static_cast<uint32_t>(element_size) * 8, 0,
                              fmt::format("{}[{}]", path, i), depth + 1));
      }
      return {};
    }
    case BTF_KIND_STRUCT: {
      if (!value.is_object()) return bad_value(path, "give an object of its members", btf, id);
      const btf_member* members = btf_members(type);
      for (const auto& [key, member_value] : value.items()) {
        bool found = false;
        for (uint16_t i = 0; i < btf_vlen(type) && !found; ++i) {
          if (name_of(btf, members[i].name_off) != key) continue;
          found = true;
          BPFLOAD_TRY(from_json(btf, members[i].type, member_value, out, bit_offset + btf_member_bit_offset(type, i),
                                btf_member_bitfield_size(type, i), path + "." + key, depth + 1));
        }
        if (!found) return bad_value(path, fmt::format("no member named '{}'", key), btf, id);
      }
      return {};
    }
    case BTF_KIND_UNION:
      return bad_value(path, "a union is ambiguous: give the bytes (hex:...)", btf, id);
    default:
      return bad_value(path, "this kind of type is not accepted as JSON: give the bytes (hex:...)", btf, id);
  }
}

std::string example(const struct btf* btf, uint32_t id, int depth) {
  id = skip_modifiers(btf, id);
  const btf_type* type = btf__type_by_id(btf, id);
  if (type == nullptr || depth > 4) return "0";
  switch (btf_kind(type)) {
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
      if (btf_vlen(type) == 0) return "0";
      return fmt::format("\"{}\"", name_of(btf, btf_is_enum(type) ? btf_enum(type)[0].name_off
                                                                   : btf_enum64(type)[0].name_off));
    case BTF_KIND_ARRAY: {
      const struct btf_array* array = btf_array(type);
      std::string text = "[";
      for (uint32_t i = 0; i < array->nelems && i < 4; ++i) text += (i ? "," : "") + example(btf, array->type, depth + 1);
      return text + (array->nelems > 4 ? ",...]" : "]");
    }
    case BTF_KIND_STRUCT: {
      std::string text = "{";
      const btf_member* members = btf_members(type);
      for (uint16_t i = 0; i < btf_vlen(type); ++i)
        text += fmt::format("{}\"{}\":{}", i ? "," : "", name_of(btf, members[i].name_off),
                            example(btf, members[i].type, depth + 1));
      return text + "}";
    }
    default: return "0";
  }
}

}  // namespace

nlohmann::ordered_json btf_to_json(const struct btf* btf, uint32_t type_id, std::span<const std::byte> bytes) {
  return to_json(btf, type_id, bytes, 0, 0, 0);
}

Result<std::vector<std::byte>> btf_from_json(const struct btf* btf, uint32_t type_id, size_t size,
                                             const nlohmann::json& value, std::string_view what) {
  const __s64 type_size = btf__resolve_size(btf, type_id);
  if (type_size != static_cast<__s64>(size))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: the map's BTF type {} is {} bytes, the map's {} size {}", what,
                                  btf_type_name(btf, type_id), type_size, what, size));
  std::vector<std::byte> bytes(size);
  BPFLOAD_TRY(from_json(btf, type_id, value, bytes, 0, 0, std::string(what), 0));
  return bytes;
}

std::string btf_type_name(const struct btf* btf, uint32_t type_id) {
  const btf_type* type = btf__type_by_id(btf, type_id);
  if (type == nullptr) return fmt::format("BTF type {}", type_id);
  const std::string_view name = name_of(btf, type->name_off);
  switch (btf_kind(type)) {
    case BTF_KIND_STRUCT: return fmt::format("struct {}", name.empty() ? "(anonymous)" : name);
    case BTF_KIND_UNION: return fmt::format("union {}", name.empty() ? "(anonymous)" : name);
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64: return fmt::format("enum {}", name.empty() ? "(anonymous)" : name);
    case BTF_KIND_ARRAY: {
      const struct btf_array* array = btf_array(type);
      return fmt::format("{}[{}]", btf_type_name(btf, array->type), array->nelems);
    }
    case BTF_KIND_PTR: return "a pointer";
    default: return name.empty() ? fmt::format("BTF type {}", type_id) : std::string(name);
  }
}

std::string btf_example(const struct btf* btf, uint32_t type_id) { return example(btf, type_id, 0); }

}  // namespace bpfload::cli
