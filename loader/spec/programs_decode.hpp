// Functions, programs and their relocations, decoded from executable sections.
#pragma once

#include <vector>

#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "elf_view.hpp"

namespace bpfload {

/// What decode_programs() produces, ready to move into an ObjectSpec.
struct DecodedCode {
  std::vector<FunctionSpec> functions;  ///< section then offset order
  std::vector<ProgramSpec> programs;    ///< section then offset order
  std::vector<ExternSpec> externs;      ///< undefined symbols referred to, first use first
};

/// Decodes every executable section of `view`: one FunctionSpec per STT_FUNC symbol, and
/// per global STT_NOTYPE one (clang before 10 typed functions so; a section without any
/// becomes one function named after it), programs for every
/// function outside `.text` except static functions called from their own section,
/// and the relocations of each function, resolved against `maps` and `data_sections`
/// of `partial` (which must already be filled); references to undefined symbols become
/// Extern relocations. Program types come from the section table, then
/// ParseOptions::program_types (names, sections, globs), then default_program_type.
/// Fails with Malformed (section, relocation index, offset named), Unsupported
/// (relocation types or targets bpfload cannot express), LimitExceeded, or
/// InvalidArgument (an override names an unknown type, section or program).
[[nodiscard]] Result<DecodedCode> decode_programs(const elf::View& view, const ObjectSpec& partial,
                                                  const ParseOptions& options);

/// Decodes the instruction at byte `offset` of `code` in the object's byte order
/// (big-endian objects keep dst in the high nibble of byte 1). Bounds checked by the caller.
[[nodiscard]] Instruction decode_instruction(const elf::View& view, std::span<const std::byte> code,
                                             size_t offset) noexcept;

/// A program name made from a section name, for sections without function symbols:
/// characters other than [A-Za-z0-9_] become '_'.
[[nodiscard]] std::string program_name_from_section(std::string_view section);

}  // namespace bpfload
