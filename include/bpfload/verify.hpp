// Verifier reports for developers: per-program verdicts and statistics, the C source
// line of a failure, the log grouped by source line, and comparisons of two runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

/// A C source position from BTF line info.
struct SourceLine {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  ///< the line's text as BTF recorded it (may be empty)
};

/// One source line's share of a verifier log (for `verify --source`).
struct SourceCost {
  SourceLine source;
  uint32_t insns = 0;   ///< log lines for instructions attributed to this source line
  uint32_t states = 0;  ///< states the log shows being explored at those instructions
};

/// The verdict and numbers for one program.
struct VerifyReport {
  ProgramResult result;              ///< from the load (log, stats, sizes, errno)
  std::optional<uint32_t> failed_insn;  ///< instruction the verifier stopped at
  std::optional<SourceLine> failed_source;
  std::string kernel_message;        ///< the log's last meaningful line on failure
  std::vector<SourceCost> costs;     ///< filled when VerifyOptions::source_costs
};

struct VerifyOptions {
  std::vector<std::string> programs;  ///< empty: all
  uint32_t log_level = kLogLevel1 | kLogStats;
  bool source_costs = false;          ///< needs a level-2 log; raises log_level to include it
  LoadOptions load;                   ///< maps, overrides, kernel (pins are never made)
};

/// Loads each selected program to verify it, pins nothing, keeps nothing. Fails only
/// when maps cannot be created or a named program does not exist (NotFound);
/// a rejected program is a report with result.loaded == false.
[[nodiscard]] Result<std::vector<VerifyReport>> verify_object(const ObjectSpec& spec,
                                                              const VerifyOptions& options);

/// The source line of instruction `insn` of linked program `program`, from line info.
[[nodiscard]] std::optional<SourceLine> source_line_for(const ObjectSpec& spec, size_t program,
                                                        uint32_t insn);

/// One program's change between two runs.
struct StatsDelta {
  std::string program;
  std::optional<VerifyReport> old_report;  ///< only the fields kept in JSON are filled
  std::optional<VerifyReport> new_report;
};

}  // namespace bpfload
