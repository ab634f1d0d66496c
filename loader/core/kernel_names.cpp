// Names of kernel objects and enums, shared by every layer (hence the core library):
// libbpf's spelling for enum values, and the sanitising the kernel wants for object names.
#include <linux/bpf.h>

#include <cctype>
#include <string>

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"

namespace bpfload {
namespace {

// libbpf's tables are indexed arrays; the bound keeps a hostile value from reaching them.
constexpr uint32_t kMaxEnumValue = 512;

template <typename NameOf>
std::string name_or_unknown(uint32_t value, NameOf name_of) {
  const char* known = value < kMaxEnumValue ? name_of(value) : nullptr;
  return known != nullptr ? std::string(known) : fmt::format("unknown({})", value);
}

template <typename NameOf>
std::optional<uint32_t> value_named(std::string_view name, NameOf name_of) {
  // libbpf returns NULL past its last known value; gaps are not expected but tolerated.
  for (uint32_t value = 0; value < kMaxEnumValue; ++value) {
    const char* known = name_of(value);
    if (known != nullptr && name == known) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint32_t> program_type_by_libbpf_name(std::string_view name) {
  return value_named(name, [](uint32_t v) { return libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(v)); });
}

std::optional<uint32_t> map_type_by_libbpf_name(std::string_view name) {
  return value_named(name, [](uint32_t v) { return libbpf_bpf_map_type_str(static_cast<bpf_map_type>(v)); });
}

std::string program_type_name(uint32_t type) {
  return name_or_unknown(type, [](uint32_t v) { return libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(v)); });
}

std::string map_type_name(uint32_t type) {
  return name_or_unknown(type, [](uint32_t v) { return libbpf_bpf_map_type_str(static_cast<bpf_map_type>(v)); });
}

std::string attach_type_name(uint32_t type) {
  return name_or_unknown(type,
                         [](uint32_t v) { return libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(v)); });
}

std::string kernel_object_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (out.size() == BPF_OBJ_NAME_LEN - 1) break;
    const bool valid = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
    out.push_back(valid ? c : '_');
  }
  return out;
}

}  // namespace bpfload
