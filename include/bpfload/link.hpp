// Linking, in two steps. Laying a program out (entry function, then every subprogram it
// calls; calls and callback addresses resolved; BTF func/line info rebased; each
// instruction's origin recorded) depends on the spec alone, so it is done once per
// program and shared by the loader, verify and inspect. Patching map fds and data
// addresses into a layout is the separate, cheap step the loader takes once the maps
// exist. Pure: no syscalls.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <linux/bpf.h>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// File descriptors the fd patch writes into ld_imm64 instructions.
struct MapHandles {
  std::vector<int> maps;           ///< parallel to ObjectSpec::maps
  std::vector<int> data_sections;  ///< parallel to ObjectSpec::data_sections
  std::vector<int> module_btf;     ///< parallel to ObjectSpec::kernel_btf_modules: their BTF fds
  /// Where the arena globals start in the arena map's value (Relocation::Kind::Arena).
  uint64_t arena_data_offset = 0;
};

/// Where one instruction of a laid-out program comes from: function `function` of the
/// spec, its instruction `insn`, i.e. instruction `functions[function].section_insn + insn`
/// of section `functions[function].section`.
struct InsnOrigin {
  uint32_t function = 0;  ///< index into ObjectSpec::functions
  uint32_t insn = 0;      ///< instruction index within that function
  bool operator==(const InsnOrigin&) const = default;
};

/// An ld_imm64 of a layout that the fd patch fills.
struct FdSlot {
  Relocation::Kind kind = Relocation::Kind::Map;  ///< Map, Data or ModuleBtf only
  uint32_t insn = 0;     ///< index of the ld_imm64 in ProgramLayout::insns
  /// index into ObjectSpec::maps (Map), ::data_sections (Data) or ::kernel_btf_modules
  /// (ModuleBtf), in range
  uint32_t target = 0;
  uint32_t offset = 0;   ///< Data: byte offset within the section, inside it
  std::string symbol;    ///< the relocation's symbol, for messages
};

/// One program laid out, independent of any fd.
struct ProgramLayout {
  size_t program = 0;               ///< index into ObjectSpec::programs
  std::vector<uint32_t> functions;  ///< entry first, then callees in called_functions() order
  std::vector<uint32_t> starts;     ///< parallel to functions: first instruction of each
  /// Host byte order; calls and callback addresses resolved; map and data ld_imm64 still
  /// as in the object until patch_fds() fills them.
  std::vector<bpf_insn> insns;
  std::vector<bpf_func_info> func_info;  ///< empty unless every function has a record at 0
  std::vector<bpf_line_info> line_info;  ///< empty unless func_info and every function starts one
  std::vector<InsnOrigin> origins;       ///< parallel to insns
  std::vector<FdSlot> fd_slots;          ///< ordered by insn
};

/// One layout per program of an object, in ObjectSpec::programs order; a program that
/// cannot be laid out keeps its error (the loader reports it as that program's failure).
/// Layouts are immutable and shared, so copies are cheap.
using ProgramLayouts = std::vector<Result<std::shared_ptr<const ProgramLayout>>>;

/// A program ready for BPF_PROG_LOAD (the result of both steps at once).
struct LinkedProgram {
  std::vector<bpf_insn> insns;  ///< host byte order, fds patched
  std::vector<bpf_func_info> func_info;
  std::vector<bpf_line_info> line_info;
  /// For each instruction, the function it came from (index into ObjectSpec::functions).
  std::vector<uint32_t> insn_function;
};

/// Lays out program `program` of `spec`, in either byte order and with CO-RE relocations
/// (what cannot load is refused by patch_fds, so inspect can still show it). Fails with
/// InvalidArgument (index out of range), Malformed (naming the function and instruction)
/// when a relocation does not fit its instruction (not an ld_imm64 / call, a target out
/// of range, an offset past the data section) or line info lies past its function,
/// LimitExceeded when the program would exceed the kernel's instruction limit.
[[nodiscard]] Result<ProgramLayout> lay_out_program(const ObjectSpec& spec, size_t program);

/// lay_out_program() for every program of `spec`. Never fails as a whole.
[[nodiscard]] ProgramLayouts lay_out_programs(const ObjectSpec& spec);

/// The cheap step: a copy of the layout's instructions with each FdSlot's map fd
/// (BPF_PSEUDO_MAP_FD), data-section fd and offset (BPF_PSEUDO_MAP_VALUE) or module BTF fd
/// (the second imm of a BPF_PSEUDO_BTF_ID load) written in.
/// `spec` is the one the layout was made from. Fails with Unsupported when the object's
/// byte order is not the host's or a laid-out function has CO-RE relocations not yet
/// applied (the spec is not core_relocated: see relocate_core), InvalidArgument naming the map, data section or
/// module when `handles` has no fd (missing or negative) for it.
[[nodiscard]] Result<std::vector<bpf_insn>> patch_fds(const ProgramLayout& layout, const ObjectSpec& spec,
                                                      const MapHandles& handles);

/// Both steps for one program, for callers that link once (tests, fuzzing, benchmarks).
/// Fails as lay_out_program() and patch_fds() do.
[[nodiscard]] Result<LinkedProgram> link_program(const ObjectSpec& spec, size_t program,
                                                 const MapHandles& handles);

/// Why a program referring to the undefined symbol `name` cannot be linked, and what
/// would satisfy it; `function` when the code calls it rather than loads it.
[[nodiscard]] std::string unresolved_extern_text(std::string_view name, bool function);

/// Encodes one decoded instruction in host byte order.
[[nodiscard]] bpf_insn encode_instruction(const Instruction& insn) noexcept;

}  // namespace bpfload
BPFLOAD_PUBLIC_END
