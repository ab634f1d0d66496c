// BTF objects the kernel holds (a map's key and value types), read back by id.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstdint>
#include <memory>

#include "bpfload/btf.hpp"
#include "bpfload/result.hpp"

namespace bpfload {

/// An owned libbpf BTF object (btf.hpp's handle), to be read with <bpf/btf.h>.
using BtfPtr = BtfHandle;

/// The kernel's BTF object `id` (MapInfo::btf_id), through BPF_BTF_GET_FD_BY_ID and
/// BPF_OBJ_GET_INFO_BY_FD (libbpf's btf__load_from_kernel_by_id). Fails with Kernel
/// (errno: ENOENT for an id that no longer exists, EPERM without privileges).
[[nodiscard]] Result<BtfPtr> load_kernel_btf(uint32_t id);

}  // namespace bpfload
