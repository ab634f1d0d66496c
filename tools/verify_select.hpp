// Which objects and which of their programs `bpfload verify` runs, from its arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload::cli {

/// The arguments of verify sorted into objects and program globs.
struct InputSelection {
  std::vector<std::string> objects;
  std::vector<std::string> globs;  ///< fnmatch(3) patterns for program names; empty: all
};

/// An argument is an object when it names an existing file or ends in ".o" (so a missing
/// object is reported as unreadable, not as a program that matches nothing); any other
/// argument is a program name or glob, as are the --program values. Fails with
/// InvalidArgument when no object is given.
[[nodiscard]] Result<InputSelection> select_inputs(const std::vector<std::string>& arguments,
                                                   const std::vector<std::string>& program_globs);

/// One object to verify: parsed, and the programs of it the globs select.
struct PlannedObject {
  std::string path;
  std::optional<ObjectSpec> spec;     ///< absent when it does not parse
  std::optional<Error> parse_error;   ///< why, then
  std::vector<std::string> programs;  ///< selected program names; empty: all
  bool skip = false;                  ///< globs were given and none matches a program here
};

/// Parses every object and matches the globs against its program names. Fails with
/// NotFound naming a glob that matches no program in any object that parsed.
[[nodiscard]] Result<std::vector<PlannedObject>> plan_programs(const InputSelection& selection,
                                                               const ParseOptions& options);

/// The last component of `path` ("dir/a.o" -> "a.o"), which tables and comparison keys use.
[[nodiscard]] std::string base_name(const std::string& path);

}  // namespace bpfload::cli
