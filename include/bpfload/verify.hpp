// Verifier reports for developers: per-program verdicts and statistics, the C source
// line of a failure, the log grouped by source line, and comparisons of two runs.
//
// JSON: the library owns the schema of a report (report_to_json / report_from_json),
// so `bpfload verify --json` output can be read back by `bpfload verify --compare`.
// A document is {"schema": "bpfload-verify/1", "programs": [<report>...]}; one report is
//   {"name", "section", "type" (program type name), "verdict": "accepted"|"rejected"|"unsupported",
//    "errno", "error", "insns", "xlated_size", "jited_size", "verified_insns",
//    "log_truncated", "log_true_size", "load_attempts",
//    "stats": {"present", "insns_processed", "insn_limit", "max_states_per_insn",
//              "total_states", "peak_states", "mark_read", "verification_time_usec",
//              "stack_depth": [..]},
//    "failed_insn": N|null, "failed_source": <source>|null, "kernel_message",
//    "costs": [{"source": <source>, "insns", "states"}...],
//    "log": "..." (only when asked for)}
// with <source> = {"file", "line", "column", "text"}. Unknown keys are ignored when read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

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

/// The verdict and numbers for one program.
struct VerifyReport {
  ProgramResult result;                 ///< from the load (log, stats, sizes, errno)
  std::optional<uint32_t> failed_insn;  ///< instruction the verifier stopped at (rejected only)
  std::optional<SourceLine> failed_source;  ///< its source line: BTF line info, else log annotation
  std::string kernel_message;           ///< the log's last meaningful line(s) on failure
  std::vector<SourceCost> costs;        ///< filled when VerifyOptions::source_costs; costliest first
};

struct VerifyOptions {
  std::vector<std::string> programs;  ///< empty: all
  uint32_t log_level = kLogLevel1 | kLogStats;
  bool source_costs = false;          ///< needs a level-2 log; raises log_level to include it
  /// Maps, overrides, kernel. verify_object forces keep_going, pin = false, no pin_dir,
  /// and only_programs = programs; nothing is pinned and every fd is closed on return.
  LoadOptions load;
};

/// Loads each selected program to verify it, pins nothing, keeps nothing. Reports come
/// in the order of spec.programs. Fails only when maps cannot be created (the loader's
/// error) or a named program does not exist (NotFound); a rejected program is a report
/// with result.loaded == false, failed_insn / failed_source / kernel_message filled.
[[nodiscard]] Result<std::vector<VerifyReport>> verify_object(const ObjectSpec& spec,
                                                              const VerifyOptions& options);

// ---- Source lines (verify_source.cpp) ----

/// Source line of every instruction of one linked program, from its BTF line info.
/// Instruction indices are those of the linked program, i.e. the ones the verifier log uses.
/// A record for line 0 (clang's "compiler-generated") does not start a new line: its
/// instructions stay with the statement before them in the same function.
struct SourceLineTable {
  std::vector<SourceLine> lines;      ///< distinct line-info records
  std::vector<int32_t> insn_to_line;  ///< per instruction: index into `lines`, -1 when none
  /// The source line of instruction `insn`, nullptr when unknown.
  [[nodiscard]] const SourceLine* find(uint32_t insn) const;
};

/// Builds the table for program `program` of `spec` by linking it with placeholder map
/// handles. An object without BTF or line info gives an empty table (not an error).
/// Fails with NotFound (program index out of range) or the linker's error.
[[nodiscard]] Result<SourceLineTable> source_line_table(const ObjectSpec& spec, size_t program);

/// The source line of instruction `insn` of linked program `program`, from line info;
/// nullopt when unknown or when the program does not link.
[[nodiscard]] std::optional<SourceLine> source_line_for(const ObjectSpec& spec, size_t program,
                                                        uint32_t insn);

// ---- Log analysis (verify_log.cpp): pure, works on any verifier log text ----

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

// ---- Comparison (verify_compare.cpp) ----

/// One statistic that differs between two runs.
struct StatChange {
  std::string stat;  ///< "insns_processed", "total_states", "peak_states", "max_states_per_insn",
                     ///< "mark_read", "verification_time_usec", "stack_depth" (sum over
                     ///< subprograms), "insns", "xlated_size", "jited_size", "verified_insns"
  int64_t old_value = 0;
  int64_t new_value = 0;
};

/// One program's change between two runs.
struct StatsDelta {
  std::string program;
  std::optional<VerifyReport> old_report;  ///< absent: the program is new
  std::optional<VerifyReport> new_report;  ///< absent: the program is missing now
  bool verdict_changed = false;            ///< accepted in one run, rejected in the other
  std::vector<StatChange> changes;         ///< only statistics that differ (both present)
};

/// Compares two runs by program name: one entry per program in either run, in the new
/// run's order then missing programs in the old run's order. Entries with nothing
/// changed are included (empty `changes`, verdict_changed false) so callers can print
/// a full table; `has_difference` tells them apart.
[[nodiscard]] std::vector<StatsDelta> compare_reports(const std::vector<VerifyReport>& old_reports,
                                                      const std::vector<VerifyReport>& new_reports);

/// True when the program is new or missing, its verdict changed, or a statistic differs.
[[nodiscard]] bool has_difference(const StatsDelta& delta);

// ---- JSON (verify_json.cpp): the schema described at the top of this file ----

/// "accepted", "rejected" (by the kernel's verifier) or "unsupported" (bpfload refused
/// the program before the kernel saw it, e.g. CO-RE; result.error says why).
[[nodiscard]] std::string_view verdict_name(const VerifyReport& report) noexcept;

/// One report as JSON; the verifier log is included only when `include_log`.
[[nodiscard]] nlohmann::json report_to_json(const VerifyReport& report, bool include_log = false);
/// A whole run: {"schema": "bpfload-verify/1", "programs": [...]}.
[[nodiscard]] nlohmann::json reports_to_json(const std::vector<VerifyReport>& reports,
                                             bool include_log = false);
/// Reads one report back. Fails with Malformed naming the key that is missing or mistyped.
[[nodiscard]] Result<VerifyReport> report_from_json(const nlohmann::json& json);
/// Reads a run: a document as written by reports_to_json, or a bare array of reports.
/// Fails with Malformed (wrong schema string, not an object/array, a bad report: its index).
[[nodiscard]] Result<std::vector<VerifyReport>> reports_from_json(const nlohmann::json& json);

}  // namespace bpfload
