// The BTF a load resolves against, read through the Kernel seam.
#pragma once

#include "bpfload/export.h"

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstdint>
#include <memory>

#include <string>

#include "bpfload/btf.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"
#include "bpfload/target_btf.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// An owned libbpf BTF object (btf.hpp's handle), to be read with <bpf/btf.h>.
using BtfPtr = BtfHandle;

/// The BTF CO-RE relocations and BTF attach targets resolve against, read through
/// `kernel`. `path` empty: the running kernel's, /sys/kernel/btf/vmlinux and every module's
/// split BTF beside it (sorted by name; a module whose BTF cannot be read is left out).
/// Otherwise the file at `path` (raw BTF, or an ELF with .BTF such as BTFHub's), without
/// modules. Fails with NotFound when the file does not exist (the kernel has no
/// CONFIG_DEBUG_INFO_BTF: the message says to give --btf), Malformed when it cannot be
/// parsed, and as Kernel::read_file (InvalidArgument for a FIFO or device, Io).
[[nodiscard]] Result<std::shared_ptr<const TargetBtf>> read_target_btf(Kernel& kernel = system_kernel(),
                                                                       const std::string& path = "");

}  // namespace bpfload
BPFLOAD_PUBLIC_END
