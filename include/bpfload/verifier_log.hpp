// Reading verifier logs as data: the closing statistics, where and why verification
// stopped, and how the verifier's work spreads over source lines. Pure (the log layer,
// loader/log/): text in, values out, for the loader and for verify alike.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Statistics the verifier printed at the end of its log (BPF_LOG_STATS or level 1+).
struct VerifierStats {
  uint32_t insns_processed = 0;
  uint32_t insn_limit = 0;
  uint32_t max_states_per_insn = 0;
  uint32_t total_states = 0;
  uint32_t peak_states = 0;
  uint32_t mark_read = 0;
  uint64_t verification_time_usec = 0;
  std::vector<uint32_t> stack_depth;  ///< one per subprogram, as "stack depth 8+16"
  bool present = false;               ///< the log had a "processed ... insns" line
};

/// True for the closing statistics and trailer of a verifier log ("processed ...",
/// "verification time ...", "stack depth ...", "-- END PROG LOAD LOG --"): lines that are
/// never the reason a program was refused.
[[nodiscard]] bool is_verifier_statistics_line(std::string_view line) noexcept;

/// The last line of `log` that is not blank or a closing statistics line: what the
/// kernel gave as its reason for refusing a program. "" when there is none.
[[nodiscard]] std::string last_meaningful_log_line(std::string_view log);

/// Parses the closing statistics of a verifier log. Never fails: missing lines
/// leave fields at 0 and `present` false.
[[nodiscard]] VerifierStats parse_verifier_stats(std::string_view log);

// ---- Source positions ----

/// A C source position from BTF line info (or from the kernel's log annotation).
struct SourceLine {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  ///< the line's text as BTF recorded it (may be empty)
  bool operator==(const SourceLine&) const = default;
};

/// One source line's share of a verifier log (for `verify --source`).
struct SourceCost {
  SourceLine source;
  uint32_t insns = 0;   ///< instruction lines of the log ("N: (xx) ...") attributed to this line
  /// Verification states the log shows starting or ending at this line: a path resumed
  /// here ("from A to B:" with B on this line) or pruned here ("B: safe", "B: ... safe").
  uint32_t states = 0;
};

/// Source line of every instruction of one laid-out program, from its BTF line info.
/// Instruction indices are those of the linked program, i.e. the ones the verifier log uses.
/// A record for line 0 (clang's "compiler-generated") does not start a new line: its
/// instructions stay with the statement before them in the same function.
struct SourceLineTable {
  std::vector<SourceLine> lines;      ///< distinct line-info records
  std::vector<int32_t> insn_to_line;  ///< per instruction: index into `lines`, -1 when none
  /// The source line of instruction `insn`, nullptr when unknown.
  [[nodiscard]] const SourceLine* find(uint32_t insn) const;
};

// ---- Failure and cost analysis ----

/// Where and why a verifier log says verification stopped.
struct LogFailure {
  std::optional<uint32_t> insn;           ///< the last "N: (xx) ..." instruction line
  std::string message;                    ///< the kernel's message (lines joined by '\n')
  std::optional<SourceLine> annotation;   ///< the kernel's "; text @ file:line" for that insn
};

/// Finds the failing instruction and the kernel's message in a rejected program's log.
/// The message is the last meaningful line(s): statistics, "-- END PROG LOAD LOG --" and
/// "processed N insns" lines are skipped. Never fails: unknown pieces stay empty.
[[nodiscard]] LogFailure analyze_failure_log(std::string_view log);

/// Groups a (level-2) log by source line: every instruction line counts as one insn
/// of its source line, from `table` when it knows the instruction, else from the last
/// kernel annotation before it. Instructions with no known line are grouped under a
/// SourceLine with an empty file. Sorted by insns, then states, descending.
[[nodiscard]] std::vector<SourceCost> source_costs(std::string_view log,
                                                   const SourceLineTable& table);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
