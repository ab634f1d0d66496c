// Externs resolved at load time, as libbpf resolves them: `.kconfig` variables from the
// running kernel's version and configuration, kfunc calls and typed `.ksyms` variables
// from the target BTF. Pure: the kernel facts and the BTF are read by the kernel layer
// (read_kernel_facts, read_target_btf) and handed in.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/target_btf.hpp"

namespace bpfload {

/// What `.kconfig` externs read.
struct KernelFacts {
  uint32_t version_code = 0;  ///< LINUX_KERNEL_VERSION (KERNEL_VERSION(a, b, c))
  /// The kernel's configuration, "CONFIG_BPF" -> "y", "m", "123", "\"text\"" (quotes kept,
  /// as in the file); options that are not set are absent.
  std::map<std::string, std::string> config;
  bool has_bpf_cookie = false;        ///< LINUX_HAS_BPF_COOKIE (bpf_get_attach_cookie, 5.15+)
  bool has_syscall_wrapper = false;   ///< LINUX_HAS_SYSCALL_WRAPPER (__x64_sys_* style symbols)
};

/// Which section an extern belongs to, from the object's BTF (DATASEC .kconfig / .ksyms).
enum class ExternSection { Kconfig, Ksyms, Unknown };

/// The section of extern `name` in `spec`'s BTF; Unknown when no DATASEC lists it (an
/// extern meant to come from another object).
[[nodiscard]] ExternSection extern_section(const ObjectSpec& spec, const std::string& name);

/// True when `spec` refers to any extern.
[[nodiscard]] bool has_externs(const ObjectSpec& spec) noexcept;

/// True when some extern of `spec` is a `.kconfig` one (so the caller reads KernelFacts).
[[nodiscard]] bool needs_kernel_facts(const ObjectSpec& spec);

/// Resolves every extern of `spec` it can, in place: `.kconfig` variables get a read-only
/// data section ".kconfig" holding their values (LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE,
/// LINUX_HAS_SYSCALL_WRAPPER, CONFIG_*: y/n/m as 1/0/2 for bool, char and tristate, numbers,
/// quoted strings into char arrays; an option the configuration does not set is 0, weak or
/// not: libbpf refuses a non-weak one, but ExternSpec does not record weakness), and their
/// loads become data relocations; kfunc calls in vmlinux BTF become BPF_PSEUDO_KFUNC_CALL
/// with the function's BTF id; typed `.ksyms` variables in vmlinux BTF become
/// BPF_PSEUDO_BTF_ID loads. What remains (module kfuncs, untyped ksyms, externs of another
/// object) stays an Extern relocation, refused by the loader naming it. `facts` may be null
/// when needs_kernel_facts() is false, `target` when no extern is a `.ksyms` one. Appends
/// one line per resolved extern to `notes`. Fails with Malformed for a `.kconfig` extern
/// whose type has no size or that is not loaded with an ld_imm64, InvalidArgument for a
/// value that does not fit its type (a string in an int, a number in a char array).
[[nodiscard]] Status resolve_externs(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts,
                                     std::vector<std::string>& notes);

}  // namespace bpfload
