// The value a relocation asks for, computed from an access spec (libbpf's
// bpf_core_calc_relo), and the instruction patch that writes it (bpf_core_patch_insn).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "core_access.hpp"

namespace bpfload::core {

/// The answer of one relocation: the local (compiler's) value, the target's, and the
/// facts the patch needs.
struct RelocationValue {
  uint64_t local = 0;
  uint64_t target = 0;
  bool poison = false;     ///< no target and the kind has no "missing" answer
  bool validate = true;    ///< the instruction must hold `local` before patching
  uint32_t local_size = 0; ///< byte_off: size of the field the instruction loads, locally
  uint32_t target_size = 0;
  bool size_change_unsafe = false;  ///< sizes differ and the field is not a pointer or unsigned int
};

/// Computes the relocation of `local` against `target` (nullptr: no candidate matched).
/// Fails with Malformed when a size cannot be resolved, Unsupported for a bitfield no
/// 64-bit load can hold or a kind that does not apply to an array element.
[[nodiscard]] Result<RelocationValue> compute_value(const AccessSpec& local, const AccessSpec* target);

/// Writes `value` into instruction `at` of `insns` (and `at + 1` for an ld_imm64), or
/// poisons it. Fails with Malformed when the instruction is not one a relocation applies
/// to or does not hold the local value; `message` says which.
[[nodiscard]] Status patch_instruction(std::vector<Instruction>& insns, size_t at, const RelocationValue& value);

}  // namespace bpfload::core
