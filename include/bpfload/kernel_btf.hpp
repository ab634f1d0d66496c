// BTF objects the kernel holds (a map's key and value types), read back by id.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstdint>
#include <memory>

#include <string>

#include "bpfload/btf.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/result.hpp"
#include "bpfload/target_btf.hpp"

namespace bpfload {

/// An owned libbpf BTF object (btf.hpp's handle), to be read with <bpf/btf.h>.
using BtfPtr = BtfHandle;

/// The kernel's BTF object `id` (MapInfo::btf_id), through BPF_BTF_GET_FD_BY_ID and
/// BPF_OBJ_GET_INFO_BY_FD (libbpf's btf__load_from_kernel_by_id). Fails with Kernel
/// (errno: ENOENT for an id that no longer exists, EPERM without privileges).
[[nodiscard]] Result<BtfPtr> load_kernel_btf(uint32_t id);

/// The BTF CO-RE relocations and BTF attach targets resolve against. `path` empty: the
/// running kernel's, /sys/kernel/btf/vmlinux and every module's split BTF beside it
/// (sorted by name; a module whose BTF cannot be read is left out). Otherwise the file at
/// `path` (raw BTF, or an ELF with .BTF such as BTFHub's), without modules. Fails with
/// NotFound when the file does not exist (the kernel has no CONFIG_DEBUG_INFO_BTF: the
/// message says to give --btf), Malformed when libbpf cannot parse it.
[[nodiscard]] Result<std::shared_ptr<const TargetBtf>> read_target_btf(const std::string& path = "");

/// An fd of the kernel's BTF object of `module` (BTF_GET_NEXT_ID and info by fd, as
/// libbpf does). Fails with NotFound when no loaded module has that name, Kernel (errno)
/// when the kernel refuses a step (EPERM without CAP_SYS_ADMIN).
[[nodiscard]] Result<Fd> open_module_btf(const std::string& module);

}  // namespace bpfload
