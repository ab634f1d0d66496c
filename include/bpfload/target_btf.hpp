// The BTF an object is relocated against: the running kernel's (vmlinux and its
// modules) or a file the user names. Read once per load by the kernel layer
// (read_target_btf in kernel_btf.hpp), then shared, immutable, by every consumer: CO-RE,
// attach targets, kfuncs and typed ksyms.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/btf.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Kernel BTF, vmlinux first. Module BTF is split BTF on top of vmlinux: its own type
/// ids start at btf__type_cnt(vmlinux). Never changes once built.
struct TargetBtf {
  /// One module's BTF (/sys/kernel/btf/<name>).
  struct Module {
    std::string name;
    BtfHandle btf;  ///< split on `vmlinux`, which outlives it (declared first)
  };

  BtfHandle vmlinux;             ///< never null in a built TargetBtf
  std::string origin;            ///< where it was read ("/sys/kernel/btf/vmlinux", a --btf path), for messages
  std::vector<Module> modules;   ///< empty for a user-given file
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
