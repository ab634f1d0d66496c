// `bpfload verify --compare OLD NEW`: statistics differences between two runs, and
// whether any is a regression (the exit code CI checks).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_output.hpp"

namespace bpfload::cli {

/// What to compare and what counts as a regression.
struct CompareOptions {
  std::vector<std::string> files;       ///< OLD NEW: `verify --json` or `--csv` output
  std::vector<std::string> stats;       ///< --stats (comma lists); empty: the deterministic ones
  std::vector<std::string> excluded;    ///< --exclude-stats
  std::vector<std::string> thresholds;  ///< --threshold 'insns>+10%'
  /// --match: "file" (object file and program name), "program" (program name alone, for
  /// two builds of one object under different names) or "auto" (program when each run
  /// verified one object, else file when both runs name their objects).
  std::string match = "auto";
  bool json = false;
  bool csv = false;
  ColorMode color = ColorMode::Auto;
};

/// Adds -C/--compare, --stats, --exclude-stats, --threshold and --match to `command`.
void add_compare_options(CLI::App& command, CompareOptions& options);

/// Compares two runs program by program, matched as CompareOptions::match says. A regression is: a program
/// accepted before and not now, a program gone from the new run, a new program that is
/// not accepted, or a statistic crossing a --threshold. Prints a table (or JSON or CSV);
/// returns 0 without regressions, 1 with, 2 when an input or option is unusable (a
/// program name two objects of one run share, when matching by program).
int run_verify_compare(const CompareOptions& options);

}  // namespace bpfload::cli
