// `bpfload verify --compare OLD.json NEW.json`: statistics differences between two runs.
#pragma once

#include <string>

#include "cli_output.hpp"

namespace bpfload::cli {

/// Compares the `programs` of two `verify --json` documents by program name.
/// Prints a table (or JSON when `json`); returns the exit code (2 when a file is
/// unreadable or not a verify report).
int run_verify_compare(const std::string& old_path, const std::string& new_path, bool json,
                       bool csv, ColorMode color);

}  // namespace bpfload::cli
