// set_constant: a .rodata variable found through its DATASEC, its value parsed by type.
#include "bpfload/constants.hpp"

#include <bpf/btf.h>
#include <linux/btf.h>

#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "bpfload/numbers.hpp"
#include "core_access.hpp"

namespace bpfload {
namespace {

struct Variable {
  std::string section;
  uint32_t type_id = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
};

std::optional<Variable> find_variable(const struct btf* btf, std::string_view name) {
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr || !btf_is_datasec(type)) continue;
    const char* section = btf__name_by_offset(btf, type->name_off);
    const struct btf_var_secinfo* vars = btf_var_secinfos(type);
    for (int i = 0; i < btf_vlen(type); ++i) {
      const struct btf_type* var = btf__type_by_id(btf, vars[i].type);
      if (var == nullptr || !btf_is_var(var)) continue;
      const char* var_name = btf__name_by_offset(btf, var->name_off);
      if (var_name == nullptr || name != var_name) continue;
      return Variable{section != nullptr ? section : "", var->type, vars[i].offset, vars[i].size};
    }
  }
  return std::nullopt;
}

Error invalid(std::string_view name, std::string what) {
  return make_error(ErrorKind::InvalidArgument, fmt::format("constant '{}': {}", name, what));
}

// The bytes `value` encodes to for the variable's type.
Result<std::vector<std::byte>> encode(const struct btf* btf, const Variable& variable, std::string_view name,
                                      std::string_view value) {
  uint32_t id = variable.type_id;
  const struct btf_type* type = core::skip_mods_and_typedefs(btf, id);
  if (type == nullptr) return invalid(name, "its BTF type is out of range");
  std::vector<std::byte> bytes(variable.size);
  const auto put = [&](uint64_t number) {
    std::memcpy(bytes.data(), &number, std::min<size_t>(bytes.size(), sizeof(number)));  // host order
  };
  if (btf_is_int(type) && (btf_int_encoding(type) & BTF_INT_BOOL) != 0) {
    if (value == "true" || value == "1") put(1);
    else if (value == "false" || value == "0") put(0);
    else return invalid(name, fmt::format("'{}' is not a bool (true, false, 1, 0)", value));
    return bytes;
  }
  if (btf_is_int(type)) {
    const uint32_t size = type->size;
    if (size == 0 || size > 8 || size != variable.size) return invalid(name, "an integer of unusual size");
    const bool is_signed = (btf_int_encoding(type) & BTF_INT_SIGNED) != 0;
    const unsigned bits = size * 8;
    if (is_signed) {
      const int64_t low = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
      const int64_t high = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
      Result<int64_t> number = parse_signed_number(value, low, high);
      if (!number.ok()) return invalid(name, fmt::format("a {}-bit signed integer: {}", bits, number.error().message));
      put(static_cast<uint64_t>(*number));
    } else {
      const uint64_t high = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
      Result<uint64_t> number = parse_unsigned_number(value, high);
      if (!number.ok())
        return invalid(name, fmt::format("a {}-bit unsigned integer: {}", bits, number.error().message));
      put(*number);
    }
    return bytes;
  }
  if (btf_is_any_enum(type)) {
    for (int i = 0; i < btf_vlen(type); ++i) {
      const uint32_t name_off = btf_is_enum(type) ? btf_enum(type)[i].name_off : btf_enum64(type)[i].name_off;
      const char* enumerator = btf__name_by_offset(btf, name_off);
      if (enumerator == nullptr || value != enumerator) continue;
      put(btf_is_enum(type) ? static_cast<uint64_t>(static_cast<int64_t>(btf_enum(type)[i].val))
                            : btf_enum64_value(btf_enum64(type) + i));
      return bytes;
    }
    // A number must fit the enum's size, read as signed or unsigned: an 8-byte value in a
    // 4-byte enum would be stored cut to its low bytes.
    const uint32_t size = type->size;
    if (size == 0 || size > 8 || size != variable.size) return invalid(name, "an enum of unusual size");
    const unsigned bits = size * 8;
    const int64_t low = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
    if (!value.starts_with('-') && bits < 64) {
      Result<uint64_t> number = parse_unsigned_number(value, (uint64_t{1} << bits) - 1);
      if (!number.ok())
        return invalid(name, fmt::format("no enumerator of its enum, and as a {}-byte number: {}", size,
                                         number.error().message));
      put(*number);
      return bytes;
    }
    Result<int64_t> number = parse_signed_number(value, low, INT64_MAX);
    if (!number.ok())
      return invalid(name, fmt::format("no enumerator of its enum, and as a {}-byte number: {}", size,
                                       number.error().message));
    put(static_cast<uint64_t>(*number));
    return bytes;
  }
  if (btf_is_array(type)) {
    uint32_t element = btf_array(type)->type;
    const struct btf_type* element_type = core::skip_mods_and_typedefs(btf, element);
    if (element_type != nullptr && btf_is_int(element_type) && element_type->size == 1) {
      if (value.size() + 1 > bytes.size())
        return invalid(name, fmt::format("'{}' is {} bytes; the char array holds {} with its NUL", value,
                                         value.size(), bytes.size()));
      std::memcpy(bytes.data(), value.data(), value.size());
      return bytes;
    }
  }
  return invalid(name, "only integers, bools, enums and char arrays can be set from text");
}

}  // namespace

Result<GlobalVariable> find_global(const ObjectSpec& spec, std::string_view name) {
  if (spec.btf == nullptr)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("global '{}': the object has no BTF to find and type it by", name));
  // Variable offsets are in the fixed-up bytes: clang leaves them 0 in the object's own.
  Result<BtfHandle> fixed = parse_btf(spec.btf->kernel_bytes());
  if (!fixed.ok()) return fixed.error().with_context(fmt::format("global '{}'", name));
  const std::optional<Variable> variable = find_variable(fixed->get(), name);
  if (!variable) return make_error(ErrorKind::NotFound, fmt::format("global '{}': no global of that name", name));
  const DataSectionSpec* section = nullptr;
  for (const DataSectionSpec& candidate : spec.data_sections)
    if (candidate.name == variable->section) section = &candidate;
  if (section == nullptr)
    return make_error(ErrorKind::NotFound,
                      fmt::format("global '{}' is in '{}', which is no data section of the object", name,
                                  variable->section));
  if (uint64_t{variable->offset} + variable->size > section->size())
    return make_error(ErrorKind::Malformed, fmt::format("global '{}' lies past the end of '{}'", name, section->name));
  return GlobalVariable{std::string(name), variable->section, variable->offset, variable->size, variable->type_id,
                        section->readonly};
}

Result<std::vector<std::byte>> encode_global(const ObjectSpec& spec, const GlobalVariable& variable,
                                             std::string_view value) {
  if (spec.btf == nullptr)
    return make_error(ErrorKind::Unsupported, fmt::format("global '{}': the object has no BTF", variable.name));
  return encode(spec.btf->get(), Variable{variable.section, variable.btf_type, variable.offset, variable.size},
                variable.name, value);
}

Status set_constant(ObjectSpec& spec, std::string_view name, std::string_view value) {
  if (spec.btf == nullptr)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("constant '{}': the object has no BTF to find and type it by", name));
  Result<GlobalVariable> variable = find_global(spec, name);
  if (!variable.ok()) {
    Error error = std::move(variable).error();
    if (error.kind != ErrorKind::NotFound) return error;
    return make_error(ErrorKind::NotFound, fmt::format("constant '{}': no global of that name", name));
  }
  if (!variable->readonly)
    return make_error(ErrorKind::NotFound,
                      fmt::format("constant '{}' is in '{}', not a read-only section: declare it const volatile "
                                  "(writable globals are set through the data map after loading: write_global)",
                                  name, variable->section));
  Result<std::vector<std::byte>> bytes = encode_global(spec, *variable, value);
  if (!bytes.ok()) return std::move(bytes).error();
  for (DataSectionSpec& section : spec.data_sections) {
    if (section.name != variable->section) continue;
    if (section.bytes.empty()) {
      section.bytes.assign(section.zero_size, std::byte{0});
      section.zero_size = 0;
    }
    std::memcpy(section.bytes.data() + variable->offset, bytes->data(), bytes->size());
  }
  return {};
}

}  // namespace bpfload
