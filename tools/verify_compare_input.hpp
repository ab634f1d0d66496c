// Reading a verification run back for `verify --compare`: `verify --json` output, or CSV
// (`verify --csv`, or veristat's `-o csv` columns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"
#include "bpfload/verify.hpp"

namespace bpfload::cli {

/// One program of a run and the object it came from ("" when the run does not say).
struct RunEntry {
  std::string file;
  VerifyReport report;
};

/// Reads `path`: JSON when its first non-blank byte is '{' or '[', else CSV. Fails with
/// Io (unreadable) or Malformed (naming the line or key, and what was expected).
[[nodiscard]] Result<std::vector<RunEntry>> read_verify_run(const std::string& path);

/// CSV text to entries. The header names the columns: bpfload's JSON field names
/// (program, verdict, insns_processed, total_states, ...; stack_depth as "8+16"; file)
/// or veristat's (file_name, prog_name, verdict success/failure, total_insns,
/// total_states, peak_states, duration). Unknown columns are ignored.
[[nodiscard]] Result<std::vector<RunEntry>> read_verify_csv(std::string_view text);

}  // namespace bpfload::cli
