// One source for every description of the command line: --help, `bpfload help VERB...`,
// the man pages (`bpfload help-man VERB`, run at build time) and the bash completion
// (`bpfload help-completion`) are all generated from the CLI11 tree the verbs build, so
// they cannot drift apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace bpfload::cli {

/// Gives every option of `app` and its subcommands a plain metavariable (N, TEXT, WHEN)
/// with "(required)" and "[default: X]", replacing CLI11's type and validator
/// descriptions ("ENUM:value in {always->1,...}", "INT:INT in [0 - 7]").
void tidy_help(CLI::App& app);

/// The subcommand reached by the words `path` from `app` ("map", "create"); nullptr when
/// a word names no subcommand (then `unknown` is set to it).
[[nodiscard]] CLI::App* find_command(CLI::App& app, const std::vector<std::string>& path, std::string& unknown);

/// --help text of `command`, `name` as its full name ("bpfload map create").
[[nodiscard]] std::string help_text(CLI::App& command, const std::string& name);

/// A man(7) page for `command` (section 1): NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
/// its subcommands with their options, EXAMPLES, EXIT STATUS, ENVIRONMENT, SEE ALSO.
/// `verbs` are the verb names, for SEE ALSO; `examples` "command\twhat it does" lines.
[[nodiscard]] std::string man_page(CLI::App& command, const std::string& name, std::string_view version,
                                   const std::vector<std::string>& verbs, std::string_view examples = {});

/// A bash completion script for `app`: verbs, subcommands, options, files for OBJ/PATH.
[[nodiscard]] std::string bash_completion(CLI::App& app);

}  // namespace bpfload::cli
