// Option values shared by the verbs that read an object, and parsers for option text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "bpfload/loader.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"
#include "cli_numbers.hpp"

namespace bpfload::cli {

/// How to read the object: the options inspect, load and verify share.
struct ObjectOptions {
  std::string path;
  std::string map_layout = "auto";        ///< --map-layout
  std::vector<std::string> type_overrides;  ///< --type SECTION=TYPE, repeatable (SECTION may be a glob)
  std::string default_type;                 ///< --default-type TYPE
  bool ignore_inner_map_idx = false;        ///< --ignore-inner-map-idx
};

/// Adds --map-layout, --type, --default-type and --ignore-inner-map-idx to `command` (the OBJ positional is added by the verb).
void add_object_options(CLI::App& command, ObjectOptions& options);

/// ParseOptions from the option text. Fails with InvalidArgument naming the bad value.
[[nodiscard]] Result<ParseOptions> make_parse_options(const ObjectOptions& options);

/// Splits "NAME=VALUE" given to `option`. Fails with InvalidArgument when there is no
/// '=' or either side is empty.
[[nodiscard]] Result<std::pair<std::string, std::string>> split_assignment(std::string_view text,
                                                                         std::string_view option);

/// Reads a whole object file, as read_input_file with the default ParseLimits bound.
[[nodiscard]] Result<std::vector<std::byte>> read_whole_file(const std::string& path);

/// Per-program load settings load and verify share: what a verifier developer asks for
/// one program (the selftests' __flag(...) and __log_level(N)).
struct ProgramLoadOptions {
  std::vector<std::string> prog_flags;   ///< --prog-flags [PROGRAM=]FLAG[|FLAG...], repeatable
  std::vector<std::string> log_levels;   ///< --program-log-level PROGRAM=N, repeatable
};

/// Adds --prog-flags and --program-log-level to `command`.
void add_program_load_options(CLI::App& command, ProgramLoadOptions& options);

/// Puts the per-program settings into `load`, checking each program name against `spec`.
/// Fails with NotFound (no such program) or InvalidArgument (unknown flag, bad level).
[[nodiscard]] Status apply_program_load_options(const ProgramLoadOptions& options, const ObjectSpec& spec,
                                                LoadOptions& load);

/// Makes repeatable options take exactly one value per occurrence, so
/// `--type a=b OBJ` does not swallow OBJ.
CLI::Option* one_value_each(CLI::Option* option);

}  // namespace bpfload::cli
