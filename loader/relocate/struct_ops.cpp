#include "bpfload/struct_ops.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include <bpf/btf.h>
#include <fmt/format.h>

namespace bpfload {
namespace {

const struct btf_type* skip_modifiers(const struct btf* btf, uint32_t id) {
  const struct btf_type* type = btf__type_by_id(btf, id);
  while (type != nullptr && (btf_is_mod(type) || btf_is_typedef(type))) type = btf__type_by_id(btf, type->type);
  return type;
}

bool is_function_pointer(const struct btf* btf, uint32_t id) {
  const struct btf_type* pointer = skip_modifiers(btf, id);
  if (pointer == nullptr || !btf_is_ptr(pointer)) return false;
  const struct btf_type* pointee = skip_modifiers(btf, pointer->type);
  return pointee != nullptr && btf_is_func_proto(pointee);
}

std::string name_of(const struct btf* btf, uint32_t offset) {
  const char* name = btf__name_by_offset(btf, offset);
  return name != nullptr ? std::string(name) : std::string();
}

}  // namespace

Result<StructOpsKernelLayout> struct_ops_kernel_layout(const std::string& type_name, const TargetBtf& target) {
  const struct btf* btf = target.vmlinux.get();
  StructOpsKernelLayout layout;
  layout.type_name = type_name;
  const int struct_id = btf__find_by_name_kind(btf, type_name.c_str(), BTF_KIND_STRUCT);
  if (struct_id <= 0)
    return make_error(ErrorKind::NotFound,
                      fmt::format("struct_ops: no struct {} in {}", type_name, target.origin));
  const std::string value_name = "bpf_struct_ops_" + type_name;
  const int value_id = btf__find_by_name_kind(btf, value_name.c_str(), BTF_KIND_STRUCT);
  if (value_id <= 0)
    return make_error(ErrorKind::NotFound,
                      fmt::format("struct_ops: {} has no struct {}, so this kernel takes no struct_ops of type {} "
                                  "(is its subsystem built in?)",
                                  target.origin, value_name, type_name));
  layout.struct_btf_id = static_cast<uint32_t>(struct_id);
  layout.value_btf_id = static_cast<uint32_t>(value_id);
  const struct btf_type* value = btf__type_by_id(btf, layout.value_btf_id);
  layout.value_size = value->size;
  // The struct itself is the value's member named `data`.
  std::optional<uint32_t> data_offset;
  const struct btf_member* value_members = btf_members(value);
  for (uint32_t i = 0; i < btf_vlen(value); ++i)
    if (name_of(btf, value_members[i].name_off) == "data" &&
        skip_modifiers(btf, value_members[i].type) == btf__type_by_id(btf, layout.struct_btf_id))
      data_offset = btf_member_bit_offset(value, i) / 8;
  if (!data_offset)
    return make_error(ErrorKind::Malformed,
                      fmt::format("struct_ops: {} in {} has no member 'data' of type struct {}", value_name,
                                  target.origin, type_name));
  const struct btf_type* type = btf__type_by_id(btf, layout.struct_btf_id);
  const struct btf_member* members = btf_members(type);
  for (uint32_t i = 0; i < btf_vlen(type); ++i) {
    StructOpsKernelLayout::Member member;
    member.name = name_of(btf, members[i].name_off);
    member.offset = *data_offset + btf_member_bit_offset(type, i) / 8;
    const int64_t size = btf__resolve_size(btf, members[i].type);
    member.size = size > 0 ? static_cast<uint32_t>(size) : 0;
    member.function = is_function_pointer(btf, members[i].type);
    layout.members.push_back(std::move(member));
  }
  return layout;
}

Result<uint32_t> struct_ops_member_index(const StructOpsKernelLayout& layout, const std::string& member) {
  for (size_t i = 0; i < layout.members.size(); ++i)
    if (layout.members[i].name == member) return static_cast<uint32_t>(i);
  return make_error(ErrorKind::NotFound,
                    fmt::format("struct_ops: struct {} of this kernel has no member '{}'", layout.type_name, member));
}

Result<std::vector<std::byte>> struct_ops_value(const MapSpec& map, const StructOpsKernelLayout& layout,
                                                const std::function<int(const std::string& program)>& program_fd) {
  if (!map.struct_ops)
    return make_error(ErrorKind::InvalidArgument, fmt::format("map '{}' is not a struct_ops map", map.name));
  const StructOpsSpec& ops = *map.struct_ops;
  std::vector<std::byte> value(layout.value_size, std::byte{0});
  const auto where = [&](const StructOpsMember& member) {
    return fmt::format("struct_ops map '{}' ({}) member '{}'", map.name, ops.type_name, member.name);
  };
  for (const StructOpsMember& member : ops.members) {
    const auto kernel = std::find_if(layout.members.begin(), layout.members.end(),
                                     [&](const StructOpsKernelLayout::Member& k) { return k.name == member.name; });
    const auto bytes = std::span(ops.data).subspan(std::min<size_t>(member.offset, ops.data.size()),
                                                   std::min<size_t>(member.size, ops.data.size() - std::min<size_t>(member.offset, ops.data.size())));
    const bool set = !member.program.empty() ||
                     std::any_of(bytes.begin(), bytes.end(), [](std::byte b) { return b != std::byte{0}; });
    if (kernel == layout.members.end()) {
      if (!set) continue;  // as libbpf: an unset member a newer header has is fine
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("{}: this kernel's struct has no such member", where(member)));
    }
    if (member.function) {
      if (member.program.empty()) continue;
      if (!kernel->function)
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("{}: a function pointer in the object, not in this kernel", where(member)));
      const int fd = program_fd(member.program);
      if (fd < 0)
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("{}: its program '{}' is not loaded", where(member), member.program));
      const uint64_t as_value = static_cast<uint64_t>(fd);
      if (kernel->offset + sizeof(as_value) > value.size())
        return make_error(ErrorKind::Malformed, fmt::format("{}: outside the kernel's value", where(member)));
      std::memcpy(value.data() + kernel->offset, &as_value, sizeof(as_value));
      continue;
    }
    if (!set) continue;
    if (kernel->function || kernel->size != member.size)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("{}: {} bytes in the object, {} in this kernel", where(member), member.size,
                                    kernel->size));
    if (kernel->offset + bytes.size() > value.size())
      return make_error(ErrorKind::Malformed, fmt::format("{}: outside the kernel's value", where(member)));
    std::memcpy(value.data() + kernel->offset, bytes.data(), bytes.size());
  }
  return value;
}

}  // namespace bpfload
