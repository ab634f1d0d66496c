// struct_ops: the kernel's side of a `.struct_ops` / `.struct_ops.link` map. The object
// says which struct (tcp_congestion_ops, ...) it implements and which program each member
// points to (StructOpsSpec); the kernel's BTF says where each member is in the map value
// the kernel wants (struct bpf_struct_ops_<name>, whose `data` member is the struct).
// Pure: looked up in a TargetBtf the kernel layer read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/target_btf.hpp"

namespace bpfload {

/// The kernel's layout of one struct_ops type.
struct StructOpsKernelLayout {
  struct Member {
    std::string name;
    uint32_t offset = 0;  ///< in the map value (the `data` member's offset included)
    uint32_t size = 0;
    bool function = false;
  };
  std::string type_name;         ///< "tcp_congestion_ops"
  uint32_t struct_btf_id = 0;    ///< the struct: a struct_ops program's attach_btf_id
  uint32_t value_btf_id = 0;     ///< bpf_struct_ops_<name>: the map's btf_vmlinux_value_type_id
  uint32_t value_size = 0;       ///< the map's value_size
  std::vector<Member> members;   ///< in struct order: a member's index is a program's expected_attach_type
};

/// The layout of struct `type_name` in vmlinux's BTF. Fails with NotFound when the kernel
/// has no such struct or no bpf_struct_ops_<name> (it cannot take such a struct_ops),
/// Malformed when its BTF is not what the kernel's struct_ops maps use.
[[nodiscard]] Result<StructOpsKernelLayout> struct_ops_kernel_layout(const std::string& type_name,
                                                                     const TargetBtf& target);

/// The index of member `member` in `layout` (a struct_ops program's expected_attach_type).
/// Fails with NotFound naming the struct and member.
[[nodiscard]] Result<uint32_t> struct_ops_member_index(const StructOpsKernelLayout& layout,
                                                       const std::string& member);

/// The map value for struct_ops map `map`: the object's non-function members copied to the
/// kernel's offsets, each function member's program fd (`program_fd(name)`, -1 when that
/// program is not loaded) written as an 8-byte value. Fails with InvalidArgument for a
/// member the kernel's struct lacks that is set, a size mismatch, or a program not loaded.
[[nodiscard]] Result<std::vector<std::byte>> struct_ops_value(
    const MapSpec& map, const StructOpsKernelLayout& layout,
    const std::function<int(const std::string& program)>& program_fd);

}  // namespace bpfload
