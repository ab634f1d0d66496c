// CO-RE (compile once, run everywhere): the field offsets, sizes, type facts and enum
// values clang recorded in .BTF.ext, recomputed against the target kernel's BTF and
// written into the instructions, as libbpf does. Pure: a function of the object's BTF,
// its relocation records and the target BTF; no syscalls, deterministic.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/target_btf.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// enum bpf_core_relo_kind (linux/bpf.h, 5.8+), spelled out: Debian's 6.1 headers have it,
/// but the values are ABI and named here for the code that switches on them.
enum class CoreKind : uint32_t {
  FieldByteOffset = 0,
  FieldByteSize = 1,
  FieldExists = 2,
  FieldSigned = 3,
  FieldLshiftU64 = 4,
  FieldRshiftU64 = 5,
  TypeIdLocal = 6,
  TypeIdTarget = 7,
  TypeExists = 8,
  TypeSize = 9,
  EnumvalExists = 10,
  EnumvalValue = 11,
  TypeMatches = 12,
};

/// libbpf's name of a relocation kind ("byte_off", "field_exists", "enumval_value", ...);
/// "unknown" for a value past TypeMatches.
[[nodiscard]] const char* core_kind_name(uint32_t kind) noexcept;

/// The imm of the call a poisoned instruction becomes (libbpf's 0xbad2310): the verifier
/// refuses it as "invalid func unknown#195896080" when, and only when, it is reachable.
inline constexpr int32_t kCorePoisonImm = 195896080;

/// What was decided for one relocation record.
struct CoreDecision {
  uint32_t function = 0;     ///< index into ObjectSpec::functions
  uint32_t insn = 0;         ///< instruction within that function
  uint32_t kind = 0;         ///< CoreKind value
  std::string local_type;    ///< "struct task_struct", "enum foo", ...
  SharedString access;       ///< the access string as in .BTF.ext ("0:1:3"), shared with the record
  std::string field;         ///< the access spelled out ("task_struct.tgid"), "" for type relocations
  std::string target;        ///< where the match is ("vmlinux", a module name); "" when none matched
  uint32_t target_type_id = 0;  ///< the matching type's id in the target, 0 when none
  uint64_t local_value = 0;  ///< what the compiler wrote (the local BTF's answer)
  uint64_t value = 0;        ///< the value written into the instruction
  /// No candidate matched and the kind has no "missing" answer (offsets, sizes, enum
  /// values): the instruction was replaced by an invalid call so verification fails there
  /// if the code can reach it.
  bool poisoned = false;

  /// One line for logs and errors: "function 'f' insn 12: byte_off of struct
  /// task_struct.tgid (0:57) = 2596 (vmlinux)" or "... poisoned: no match in vmlinux".
  [[nodiscard]] std::string describe(const ObjectSpec& spec) const;
};

/// A spec whose instructions are relocated, and the decisions that did it.
struct CoreRelocation {
  ObjectSpec spec;                       ///< a copy with every CO-RE instruction patched
  std::vector<CoreDecision> decisions;   ///< in function, then record order
};

/// True when any function of `spec` has CO-RE relocation records.
[[nodiscard]] bool needs_core_relocation(const ObjectSpec& spec) noexcept;

/// Applies every CO-RE relocation of `spec` against `target`; the result's spec has
/// core_relocated set. Candidates are types of the target with the local type's kind and
/// essential name (the name up to a `___flavour` suffix), vmlinux first and modules only
/// when vmlinux has none; a candidate counts when the access path exists in it with
/// compatible field types. No candidate: existence relocations give 0, type relocations
/// 0, offsets, sizes and enum values poison the instruction (CoreDecision::poisoned).
/// Fails with Malformed naming the function, instruction and record when a record is
/// unusable (type id out of range, bad access string, an instruction of the wrong form or
/// whose value is not what the local BTF says), with Unsupported when candidates
/// disagree (ambiguity: libbpf refuses it too) or the object has no BTF.
[[nodiscard]] Result<CoreRelocation> relocate_core(const ObjectSpec& spec, const TargetBtf& target);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
