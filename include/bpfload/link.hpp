// Linking: turns a program's spec into the instructions the kernel loads, given
// the fds of the maps it refers to. Pure: no syscalls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <linux/bpf.h>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

/// File descriptors the linker writes into ld_imm64 instructions.
struct MapHandles {
  std::vector<int> maps;           ///< parallel to ObjectSpec::maps
  std::vector<int> data_sections;  ///< parallel to ObjectSpec::data_sections
};

/// A program ready for BPF_PROG_LOAD: the entry function followed by every
/// subprogram it calls, with BTF func/line info rebased to match.
struct LinkedProgram {
  std::vector<bpf_insn> insns;  ///< host byte order
  std::vector<bpf_func_info> func_info;
  std::vector<bpf_line_info> line_info;
  /// For each instruction, the function it came from (index into ObjectSpec::functions):
  /// lets reports map a failing instruction back to its function.
  std::vector<uint32_t> insn_function;
};

/// Links program `program` of `spec`. Fails with InvalidArgument when `handles` does
/// not cover the spec, Unsupported when the object's byte order is not the host's,
/// or Malformed (naming the function and instruction) when a relocation does not fit
/// its instruction (not an ld_imm64 / call, a target out of range, offset past the
/// data section), or LimitExceeded when the linked program would exceed the limit.
[[nodiscard]] Result<LinkedProgram> link_program(const ObjectSpec& spec, size_t program,
                                                 const MapHandles& handles);

/// Why a program referring to the undefined symbol `name` cannot be linked, and what
/// would satisfy it; `function` when the code calls it rather than loads it.
[[nodiscard]] std::string unresolved_extern_text(std::string_view name, bool function);

/// Encodes one decoded instruction in host byte order.
[[nodiscard]] bpf_insn encode_instruction(const Instruction& insn) noexcept;

}  // namespace bpfload
