// Names of kernel objects and enums, shared by every layer (hence the core library):
// libbpf's spelling for enum values, and the sanitising the kernel wants for object names.
#include <linux/bpf.h>

#include <cctype>
#include <string>

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/program_types.hpp"

namespace bpfload {
namespace {

// libbpf's tables are indexed arrays; the bound keeps a hostile value from reaching them.
constexpr uint32_t kMaxEnumValue = 512;

template <typename NameOf>
std::string name_or_unknown(uint32_t value, NameOf name_of) {
  const char* known = value < kMaxEnumValue ? name_of(value) : nullptr;
  return known != nullptr ? std::string(known) : fmt::format("unknown({})", value);
}

}  // namespace

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
