// Kernel UAPI numbers and structs newer than the headers bpfload is built against (Debian 12 ships
// Linux 6.1's <linux/bpf.h> and <linux/btf.h>), in one place, each with the release that
// added it. Code that uses one on a kernel that may lack it probes first (Kernel::has_tcx(),
// Kernel::btf_features()) and falls back; nothing here is assumed to exist at run time.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>

#include <linux/bpf.h>
#include <linux/btf.h>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload::uapi {

// enum bpf_map_type
inline constexpr uint32_t kMapTypeArena = 33;  ///< BPF_MAP_TYPE_ARENA, Linux 6.9

// enum bpf_attach_type
inline constexpr uint32_t kAttachStructOps = 44;   ///< BPF_STRUCT_OPS, Linux 6.2
inline constexpr uint32_t kAttachTcxIngress = 46;  ///< BPF_TCX_INGRESS, Linux 6.6
inline constexpr uint32_t kAttachTcxEgress = 47;   ///< BPF_TCX_EGRESS, Linux 6.6

// enum bpf_link_type
inline constexpr uint32_t kLinkTypeTcx = 11;      ///< BPF_LINK_TYPE_TCX, Linux 6.6
inline constexpr uint32_t kLinkTypeSockmap = 14;  ///< BPF_LINK_TYPE_SOCKMAP, Linux 6.10

// BTF kinds (linux/btf.h). ENUM64 (Linux 6.0) is in the 6.1 headers; it is named here so
// the code that must not assume a kernel has it (sanitising, probing) says so in one place.
inline constexpr uint32_t kBtfKindEnum64 = 19;  ///< BTF_KIND_ENUM64, Linux 6.0

static_assert(kBtfKindEnum64 == BTF_KIND_ENUM64);

/// The BPF_PROG_LOAD member of union bpf_attr as of Linux 6.4 (include/uapi/linux/bpf.h):
/// the 6.1 headers end at core_relo_rec_size; log_true_size, an output, is Linux 6.4. Older
/// kernels accept the longer struct because the extra field is zero on input (the kernel
/// refuses only non-zero bytes past the attributes it knows). Checked below, field by
/// field, against the headers' union bpf_attr.
struct ProgLoadAttr {
  uint32_t prog_type;
  uint32_t insn_cnt;
  alignas(8) uint64_t insns;
  alignas(8) uint64_t license;
  uint32_t log_level;
  uint32_t log_size;
  alignas(8) uint64_t log_buf;
  uint32_t kern_version;
  uint32_t prog_flags;
  char prog_name[BPF_OBJ_NAME_LEN];
  uint32_t prog_ifindex;
  uint32_t expected_attach_type;
  uint32_t prog_btf_fd;
  uint32_t func_info_rec_size;
  alignas(8) uint64_t func_info;
  uint32_t func_info_cnt;
  uint32_t line_info_rec_size;
  alignas(8) uint64_t line_info;
  uint32_t line_info_cnt;
  uint32_t attach_btf_id;
  uint32_t attach_prog_fd;  // union with attach_btf_obj_fd
  uint32_t core_relo_cnt;
  alignas(8) uint64_t fd_array;
  alignas(8) uint64_t core_relos;
  uint32_t core_relo_rec_size;
  uint32_t log_true_size;  // output, Linux 6.4+
};

#define BPFLOAD_SAME_OFFSET(field) \
  static_assert(offsetof(ProgLoadAttr, field) == offsetof(union bpf_attr, field), #field)
BPFLOAD_SAME_OFFSET(prog_type);
BPFLOAD_SAME_OFFSET(insn_cnt);
BPFLOAD_SAME_OFFSET(insns);
BPFLOAD_SAME_OFFSET(license);
BPFLOAD_SAME_OFFSET(log_level);
BPFLOAD_SAME_OFFSET(log_size);
BPFLOAD_SAME_OFFSET(log_buf);
BPFLOAD_SAME_OFFSET(kern_version);
BPFLOAD_SAME_OFFSET(prog_flags);
BPFLOAD_SAME_OFFSET(prog_name);
BPFLOAD_SAME_OFFSET(prog_ifindex);
BPFLOAD_SAME_OFFSET(expected_attach_type);
BPFLOAD_SAME_OFFSET(prog_btf_fd);
BPFLOAD_SAME_OFFSET(func_info_rec_size);
BPFLOAD_SAME_OFFSET(func_info);
BPFLOAD_SAME_OFFSET(func_info_cnt);
BPFLOAD_SAME_OFFSET(line_info_rec_size);
BPFLOAD_SAME_OFFSET(line_info);
BPFLOAD_SAME_OFFSET(line_info_cnt);
BPFLOAD_SAME_OFFSET(attach_btf_id);
BPFLOAD_SAME_OFFSET(attach_prog_fd);
BPFLOAD_SAME_OFFSET(core_relo_cnt);
BPFLOAD_SAME_OFFSET(fd_array);
BPFLOAD_SAME_OFFSET(core_relos);
BPFLOAD_SAME_OFFSET(core_relo_rec_size);
#undef BPFLOAD_SAME_OFFSET
// log_true_size directly follows core_relo_rec_size in 6.4+.
static_assert(offsetof(ProgLoadAttr, log_true_size) ==
              offsetof(union bpf_attr, core_relo_rec_size) + sizeof(uint32_t));
static_assert(offsetof(ProgLoadAttr, log_true_size) == 140, "log_true_size as in Linux 6.4's UAPI");

}  // namespace bpfload::uapi

namespace bpfload {
// The names the rest of bpfload has used since before this header existed.
using uapi::kAttachTcxEgress;
using uapi::kAttachTcxIngress;
using uapi::kLinkTypeTcx;
}  // namespace bpfload
BPFLOAD_PUBLIC_END
