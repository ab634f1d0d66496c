// Names of kernel objects and enums, shared by every layer (hence the core library):
// libbpf's spelling for enum values, and the sanitising the kernel wants for object names.
#include <linux/bpf.h>

#include <cctype>
#include <iterator>
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

// Values newer than the libbpf this builds against (Debian 12: 1.1), with libbpf's names.
const char* newer_program_type(uint32_t value) {
  return value == 32 ? "netfilter" : nullptr;  // 6.4
}
const char* newer_map_type(uint32_t value) {
  return value == 33 ? "arena" : nullptr;  // 6.9
}
const char* newer_attach_type(uint32_t value) {
  static constexpr const char* kNames[] = {
      "struct_ops",           "netfilter",           "tcx_ingress",          "tcx_egress",
      "trace_uprobe_multi",   "cgroup_unix_connect", "cgroup_unix_sendmsg",  "cgroup_unix_recvmsg",
      "cgroup_unix_getpeername", "cgroup_unix_getsockname", "netkit_primary", "netkit_peer",
      "trace_kprobe_session", "trace_uprobe_session", "trace_fsession"};  // 44 (6.2) .. 58 (7.0)
  return value >= 44 && value - 44 < std::size(kNames) ? kNames[value - 44] : nullptr;
}

template <typename NameOf>
std::string name_or_unknown(uint32_t value, NameOf name_of, const char* (*newer)(uint32_t)) {
  const char* known = value < kMaxEnumValue ? name_of(value) : nullptr;
  if (known == nullptr) known = newer(value);
  return known != nullptr ? std::string(known) : fmt::format("unknown({})", value);
}

template <typename NameOf>
std::optional<uint32_t> value_named(std::string_view name, NameOf name_of, const char* (*newer)(uint32_t)) {
  // libbpf returns NULL past its last known value; gaps are not expected but tolerated.
  for (uint32_t value = 0; value < kMaxEnumValue; ++value) {
    const char* known = name_of(value);
    if (known == nullptr) known = newer(value);
    if (known != nullptr && name == known) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint32_t> program_type_by_libbpf_name(std::string_view name) {
  return value_named(
      name, [](uint32_t v) { return libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(v)); }, newer_program_type);
}

std::optional<uint32_t> map_type_by_libbpf_name(std::string_view name) {
  return value_named(
      name, [](uint32_t v) { return libbpf_bpf_map_type_str(static_cast<bpf_map_type>(v)); }, newer_map_type);
}

std::string program_type_name(uint32_t type) {
  return name_or_unknown(
      type, [](uint32_t v) { return libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(v)); }, newer_program_type);
}

std::string map_type_name(uint32_t type) {
  return name_or_unknown(
      type, [](uint32_t v) { return libbpf_bpf_map_type_str(static_cast<bpf_map_type>(v)); }, newer_map_type);
}

std::string attach_type_name(uint32_t type) {
  return name_or_unknown(
      type, [](uint32_t v) { return libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(v)); },
      newer_attach_type);
}

namespace {

// BPF_PROG_LOAD's prog_flags (include/uapi/linux/bpf.h), with the kernel that added each.
struct ProgramFlag {
  std::string_view name;
  uint32_t value;
};
constexpr ProgramFlag kProgramFlags[] = {
    {"STRICT_ALIGNMENT", 1u << 0},      // 4.12
    {"ANY_ALIGNMENT", 1u << 1},         // 5.3
    {"TEST_RND_HI32", 1u << 2},         // 5.3
    {"TEST_STATE_FREQ", 1u << 3},       // 5.4
    {"SLEEPABLE", 1u << 4},             // 5.10
    {"XDP_HAS_FRAGS", 1u << 5},         // 5.18
    {"XDP_DEV_BOUND_ONLY", 1u << 6},    // 6.3
    {"TEST_REG_INVARIANTS", 1u << 7},   // 6.7
};

}  // namespace

std::optional<uint32_t> program_flag_by_name(std::string_view name) {
  std::string upper;
  for (const char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::string_view bare = upper;
  if (bare.starts_with("BPF_F_")) bare.remove_prefix(6);
  for (const ProgramFlag& flag : kProgramFlags)
    if (flag.name == bare) return flag.value;
  return std::nullopt;
}

std::string program_flags_text(uint32_t flags) {
  if (flags == 0) return "0";
  std::string out;
  for (const ProgramFlag& flag : kProgramFlags) {
    if ((flags & flag.value) == 0) continue;
    if (!out.empty()) out += '|';
    out += fmt::format("BPF_F_{}", flag.name);
    flags &= ~flag.value;
  }
  if (flags != 0) out += fmt::format("{}{:#x}", out.empty() ? "" : "|", flags);
  return out;
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
