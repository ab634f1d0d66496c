// The verbs of the bpfload command line. Each verb adds its own options to its
// subcommand and returns the function that runs it once the command line is parsed.
#pragma once

#include <functional>
#include <string_view>

#include <CLI/CLI.hpp>

namespace bpfload::cli {

/// Runs a parsed verb and returns the process exit code.
using VerbRunner = std::function<int()>;

/// One entry of the verb table in main.cpp.
struct Verb {
  std::string_view name;
  std::string_view help;
  /// Adds the verb's options to `command`; the runner owns the verb's option struct.
  VerbRunner (*setup)(CLI::App& command);
  /// The man page's EXAMPLES: "command\twhat it does" lines.
  std::string_view examples;
};

VerbRunner setup_inspect(CLI::App& command);
VerbRunner setup_load(CLI::App& command);
VerbRunner setup_map(CLI::App& command);
VerbRunner setup_verify(CLI::App& command);
VerbRunner setup_tc(CLI::App& command);
VerbRunner setup_xdp(CLI::App& command);
VerbRunner setup_detach(CLI::App& command);
VerbRunner setup_link(CLI::App& command);
VerbRunner setup_unpin(CLI::App& command);
VerbRunner setup_apply(CLI::App& command);
VerbRunner setup_status(CLI::App& command);
VerbRunner setup_delete(CLI::App& command);
VerbRunner setup_events(CLI::App& command);
VerbRunner setup_gen(CLI::App& command);

}  // namespace bpfload::cli
