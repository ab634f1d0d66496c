// Externs resolved at load time, as libbpf resolves them: `.kconfig` variables from the
// running kernel's version and configuration, kfunc calls and typed `.ksyms` variables
// from the target BTF (vmlinux or a module's), untyped `.ksyms` from kallsyms. Pure: the
// kernel facts, symbols and BTF are read by the kernel layer (read_kernel_facts,
// read_kallsyms, read_target_btf) and handed in.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bpfload/extern_inputs.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/target_btf.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// imm of a call to a weak kfunc the kernel lacks: libbpf's POISON_CALL_KFUNC_BASE plus
/// the extern's index, an invalid helper id ("invalid func unknown#2002000001") that the
/// verifier reports only when the call is reachable (not behind bpf_ksym_exists()).
inline constexpr int32_t kPoisonKfuncCallBase = 2002000000;

/// Which section an extern belongs to, from the object's BTF (DATASEC .kconfig / .ksyms).
enum class ExternSection { Kconfig, Ksyms, Unknown };

/// The section of extern `name` in `spec`'s BTF; Unknown when no DATASEC lists it (an
/// extern meant to come from another object). One pass over the BTF per call: for every
/// extern at once use extern_sections().
[[nodiscard]] ExternSection extern_section(const ObjectSpec& spec, const std::string& name);

/// The section of each extern of `spec`, parallel to `spec.externs`, from one pass over
/// its BTF (linear in the types and externs however many there are).
[[nodiscard]] std::vector<ExternSection> extern_sections(const ObjectSpec& spec);

/// True when `spec` refers to any extern.
[[nodiscard]] bool has_externs(const ObjectSpec& spec) noexcept;

/// True when some extern of `spec` is a `.kconfig` one (so the caller reads KernelFacts).
[[nodiscard]] bool needs_kernel_facts(const ObjectSpec& spec);

/// Names of the untyped `.ksyms` externs of `spec` (a VAR whose type is void once const and
/// typedefs are skipped), whose addresses come from kallsyms; empty when it has none, and
/// then nothing need be read.
[[nodiscard]] std::vector<std::string> untyped_ksyms(const ObjectSpec& spec);

/// Resolves every `.kconfig` and `.ksyms` extern of `spec` in place, following libbpf's
/// bpf_object__resolve_externs:
/// - `.kconfig` variables get a read-only data section ".kconfig" holding their values
///   (LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER, CONFIG_*: y/n/m
///   as 1/0/2 for bool and tristate, the letter for char, numbers, quoted strings into char
///   arrays) and their loads become data relocations. An option the configuration does
///   not set is 0 when the extern is weak and refused (NotFound) when it is not.
/// - kfunc calls become BPF_PSEUDO_KFUNC_CALL with the function's BTF id, found in vmlinux
///   and then in each module's own types; an ld_imm64 of a kfunc (bpf_ksym_exists) and a
///   typed `.ksyms` variable become BPF_PSEUDO_BTF_ID loads. For a module, the module is
///   added to ObjectSpec::kernel_btf_modules: a call's `off` is its fd_array slot (index + 1)
///   and an ld_imm64 keeps a ModuleBtf relocation for the fd patch.
/// - untyped `.ksyms` variables get their address from `symbols` in the ld_imm64 (src 0,
///   imm and the second imm the low and high 32 bits).
/// - a weak extern the kernel lacks is 0: ld_imm64 src 0 imm 0 (NULL), and a call to it is
///   poisoned (kPoisonKfuncCallBase + its index) so code guarded by bpf_ksym_exists()
///   verifies.
/// `facts` may be null when needs_kernel_facts() is false, `symbols` when untyped_ksyms()
/// is empty; with `target` null the `.ksyms` externs stay Extern relocations (the loader
/// refuses their programs saying the target BTF could not be read), as do externs that are
/// in no DATASEC (another object's). Appends one line per resolved extern to `notes`.
/// Fails with NotFound naming the extern for a non-weak one the kernel lacks (a CONFIG_
/// option not set, a kfunc or ksym in no BTF, a symbol kallsyms does not list), Malformed
/// for a `.kconfig` extern whose type has no size, a reference that is not an ld_imm64 or
/// call of the right kind, or a symbol kallsyms lists at two addresses, InvalidArgument
/// for a value that does not fit its type (a string in an int, a number in a char array),
/// and for kallsyms hiding the address (0: kptr_restrict) of a non-weak one, LimitExceeded
/// past 32767 modules (a call's `off` is 16 bits).
[[nodiscard]] Status resolve_externs(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts,
                                     std::vector<std::string>& notes, const KernelSymbols* symbols = nullptr);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
