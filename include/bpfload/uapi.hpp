// Kernel UAPI numbers newer than the headers bpfload is built against (Debian 12 ships
// Linux 6.1's <linux/bpf.h> and <linux/btf.h>), in one place, each with the release that
// added it. Code that uses one on a kernel that may lack it probes first (Kernel::has_tcx(),
// Kernel::btf_features()) and falls back; nothing here is assumed to exist at run time.
#pragma once

#include <cstdint>

#include <linux/btf.h>

namespace bpfload::uapi {

// enum bpf_attach_type
inline constexpr uint32_t kAttachTcxIngress = 46;  ///< BPF_TCX_INGRESS, Linux 6.6
inline constexpr uint32_t kAttachTcxEgress = 47;   ///< BPF_TCX_EGRESS, Linux 6.6

// enum bpf_link_type
inline constexpr uint32_t kLinkTypeTcx = 11;      ///< BPF_LINK_TYPE_TCX, Linux 6.6
inline constexpr uint32_t kLinkTypeSockmap = 14;  ///< BPF_LINK_TYPE_SOCKMAP, Linux 6.10

// BTF kinds (linux/btf.h). ENUM64 (Linux 6.0) is in the 6.1 headers; it is named here so
// the code that must not assume a kernel has it (sanitising, probing) says so in one place.
inline constexpr uint32_t kBtfKindEnum64 = 19;  ///< BTF_KIND_ENUM64, Linux 6.0

// union bpf_attr, BPF_PROG_LOAD: the field after core_relo_rec_size.
/// Offset of log_true_size (an output, Linux 6.4) in the BPF_PROG_LOAD attributes; the
/// hand-mirrored struct in loader/kernel/kernel_prog_load.cpp is checked against it.
inline constexpr uint32_t kProgLoadLogTrueSizeOffset = 140;

static_assert(kBtfKindEnum64 == BTF_KIND_ENUM64);

}  // namespace bpfload::uapi

namespace bpfload {
// The names the rest of bpfload has used since before this header existed.
using uapi::kAttachTcxEgress;
using uapi::kAttachTcxIngress;
using uapi::kLinkTypeTcx;
}  // namespace bpfload
