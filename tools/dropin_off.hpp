// `bpfload xdp off DEV` and `bpfload tc off DEV [ingress|egress]`: the "off" subcommands of
// the drop-in verbs, removing what is attached to a device's hooks.
#pragma once

#include <CLI/CLI.hpp>

#include "verbs.hpp"

namespace bpfload::cli {

/// Adds the "off" subcommand to the `xdp` (tc false) or `tc` (tc true) verb. Returns the
/// runner to call when that subcommand was given (`off->parsed()`); `off` receives it.
[[nodiscard]] VerbRunner add_off_subcommand(CLI::App& command, bool tc, CLI::App*& off);

}  // namespace bpfload::cli
