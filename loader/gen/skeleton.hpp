// `bpfload gen skeleton`: a C or C++ header that embeds an object and gives typed access
// to it over the C API (bpfload.h): its maps' and programs' fds by member, its globals of
// .data, .rodata, .bss (and .data.*, .rodata.*) as structs generated from their DATASEC
// BTF, mapped over the sections' maps once loaded. Legacy objects (no BTF) get maps and
// programs. Pure: a spec and bytes in, text out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "btf_c_types.hpp"

namespace bpfload::gen {

enum class SkeletonLanguage { C, Cpp };

/// What to generate.
struct SkeletonOptions {
  /// The skeleton's name: the C struct and function prefix (`struct NAME`, NAME__open),
  /// or the C++ namespace. Must be a C identifier (is_c_identifier).
  std::string name;
  SkeletonLanguage language = SkeletonLanguage::C;
  /// The object's file name, for the header's comment.
  std::string source;
  /// Open options the generated code passes on, so the embedded object opens as it was
  /// read here: a legacy map layout ("" or "auto": detect) and program type overrides
  /// (section or program name to type), as bpfload_open_opts takes them.
  std::string map_layout;
  std::map<std::string, std::string> program_types;
};

/// One map of the skeleton: the object's name, the member holding its fd, and a comment
/// on its type and sizes (key and value types from BTF, or the legacy sizes).
struct SkeletonMap {
  std::string name;
  std::string member;
  std::string comment;
  /// The key's and value's C types when the map gets typed lookup and update functions
  /// (a hash, array, LRU hash or LPM trie map, not per-CPU, whose BTF key and value C
  /// lays out at their sizes); "" otherwise.
  std::string key_type;
  std::string value_type;
};

/// One program: its name, member, section, and whether NAME__attach attaches it (its
/// section says where, with no device or cgroup to name).
struct SkeletonProgram {
  std::string name;
  std::string member;
  std::string section;
  bool auto_attach = false;
};

/// One global-data section with BTF: the member of the skeleton pointing at it, the type
/// of that struct, and the struct's body.
struct SkeletonSection {
  std::string section;   ///< ".rodata", ".data.counters"
  std::string member;    ///< "rodata", "data_counters"
  std::string type_name; ///< "struct NAME__rodata" (C) or "rodata_section" (C++)
  uint64_t size = 0;
  bool readonly = false;
  StructBody body;
};

/// Everything a header says, before it is written as text.
struct SkeletonPlan {
  std::string name;
  std::vector<SkeletonMap> maps;
  std::vector<SkeletonProgram> programs;
  std::vector<SkeletonSection> sections;
  /// Definitions of the types the sections use, and the sections' own structs and layout
  /// checks, in dependency order.
  std::string type_definitions;
};

/// The plan of the header for `spec`. Names of maps, programs, sections and members are
/// made identifiers that are no keyword of C or C++ and unique in their struct. Fails with
/// InvalidArgument when options.name is not an identifier, Malformed when the object's
/// BTF cannot be read.
[[nodiscard]] Result<SkeletonPlan> plan_skeleton(const ObjectSpec& spec, const SkeletonOptions& options);

/// The header for `spec`, whose bytes `object` it embeds. Fails as plan_skeleton.
[[nodiscard]] Result<std::string> generate_skeleton(const ObjectSpec& spec, std::span<const std::byte> object,
                                                    const SkeletonOptions& options);

/// The C text of `plan` (skeleton_c.cpp) and the C++ text (skeleton_cpp.cpp).
[[nodiscard]] std::string write_c_skeleton(const SkeletonPlan& plan, std::span<const std::byte> object,
                                           const SkeletonOptions& options);
[[nodiscard]] std::string write_cpp_skeleton(const SkeletonPlan& plan, std::span<const std::byte> object,
                                             const SkeletonOptions& options);

/// `bytes` as the body of a C array initializer, 16 per line ("  0x7f, 0x45, ...").
[[nodiscard]] std::string c_byte_lines(std::span<const std::byte> bytes);
/// `text` as a C string literal with quotes, escaping what C needs escaped.
[[nodiscard]] std::string c_string_literal(std::string_view text);

}  // namespace bpfload::gen
