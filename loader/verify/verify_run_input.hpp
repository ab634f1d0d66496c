// Reading a verification run back for `verify --compare`: `verify --json` output, or CSV
// (`verify --csv`, or veristat's `-o csv` columns). Untrusted input (a file from another
// machine or tool): bounded in size, programs and nesting. Internal to the library (not
// exported): the command line and the fuzz target use it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/verify.hpp"

namespace bpfload {

/// Programs one run may hold: a million, 250 times the kernel's BPF selftests, keeps a
/// comparison of two runs within a few hundred megabytes.
inline constexpr size_t kMaxRunPrograms = 1'000'000;

/// JSON nesting a run may have: a report is 4 levels deep; a hostile document of
/// 100,000 levels would exhaust the stack of anything that walks it.
inline constexpr int kMaxRunJsonDepth = 64;

/// One program of a run and the object it came from ("" when the run does not say).
struct RunEntry {
  std::string file;
  ComparedProgram program;
};

/// Reads `path`: JSON when its first non-blank byte is '{' or '[', else CSV. Fails with
/// Io (unreadable), LimitExceeded (more than kMaxRunPrograms programs) or Malformed
/// (naming the line or key, and what was expected; JSON nested deeper than
/// kMaxRunJsonDepth).
[[nodiscard]] Result<std::vector<RunEntry>> read_verify_run(const std::string& path);

/// CSV text to entries, one row at a time. The header names the columns: bpfload's JSON
/// field names (program, verdict, insns_processed, total_states, ...; stack_depth as
/// "8+16"; file) or veristat's (file_name, prog_name, verdict success/failure,
/// total_insns, total_states, peak_states, duration). Unknown columns are ignored.
/// Numbers are 0 to 2^63-1 (a 32-bit column to 2^32-1), decimal without sign.
[[nodiscard]] Result<std::vector<RunEntry>> read_verify_csv(std::string_view text);

/// JSON text (`verify --json` output) to entries, reading only what a comparison uses
/// (the logs are dropped while parsing).
[[nodiscard]] Result<std::vector<RunEntry>> read_verify_json(std::string_view text);

}  // namespace bpfload
