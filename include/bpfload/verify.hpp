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

#include "bpfload/export.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bpfload/link.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/verifier_log.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The verdict and numbers for one program.
struct VerifyReport {
  ProgramResult result;                 ///< from the load (log, stats, sizes, errno)
  std::optional<uint32_t> failed_insn;  ///< instruction the verifier stopped at (rejected only)
  std::optional<SourceLine> failed_source;  ///< its source line: BTF line info, else log annotation
  std::string kernel_message;           ///< the log's last meaningful line(s) on failure
  /// The CO-RE relocation bpfload poisoned at failed_insn (CoreDecision::describe: the
  /// target BTF has no match for it), "" when the failure is elsewhere.
  std::string poisoned_by;
  std::vector<SourceCost> costs;        ///< filled when VerifyOptions::source_costs; costliest first
};

struct VerifyOptions {
  std::vector<std::string> programs;  ///< empty: all, SEC("?...") ones included
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

/// Builds the table for the program `layout` lays out (lay_out_program(spec, ...): the
/// layout the loader loaded), with strings from spec.btf. An object without BTF or line
/// info gives an empty table. Never fails.
[[nodiscard]] SourceLineTable source_line_table(const ObjectSpec& spec, const ProgramLayout& layout);

/// The source line of instruction `insn` of the program `layout` lays out; nullopt when
/// unknown.
[[nodiscard]] std::optional<SourceLine> source_line_for(const ObjectSpec& spec, const ProgramLayout& layout,
                                                        uint32_t insn);

// ---- Comparison (verify_compare.cpp) ----

/// Number of statistics a comparison reads; their names are compared_stat_names().
inline constexpr size_t kComparedStatCount = 11;

/// The statistics a comparison reads, in the order changes are listed: "insns_processed",
/// "total_states", "peak_states", "max_states_per_insn", "mark_read",
/// "verification_time_usec", "stack_depth" (sum over subprograms), "insns", "xlated_size",
/// "jited_size", "verified_insns".
[[nodiscard]] const std::array<std::string_view, kComparedStatCount>& compared_stat_names() noexcept;

/// Index of `name` in compared_stat_names(), nullopt when it is not one.
[[nodiscard]] std::optional<size_t> compared_stat_index(std::string_view name) noexcept;

/// A verdict as compared.
enum class Verdict : uint8_t { Accepted, Rejected, Unsupported };

/// "accepted", "rejected" or "unsupported".
[[nodiscard]] std::string_view to_string(Verdict verdict) noexcept;

/// One program of a run as a comparison sees it: its name, verdict and statistics, with
/// no log or source, so runs of a million programs compare in bounded memory. Values are
/// 64-bit and never negative.
struct ComparedProgram {
  std::string name;
  Verdict verdict = Verdict::Rejected;
  std::array<int64_t, kComparedStatCount> values{};
};

/// The compared form of a report.
[[nodiscard]] ComparedProgram compared_program(const VerifyReport& report);

/// One statistic that differs between two runs.
struct StatChange {
  std::string_view stat;  ///< one of compared_stat_names()
  int64_t old_value = 0;
  int64_t new_value = 0;
};

/// One program's change between two runs. The pointers point into the runs given to
/// compare_runs, which must outlive the deltas.
struct StatsDelta {
  std::string_view program;                     ///< the program's name (in either run)
  const ComparedProgram* old_report = nullptr;  ///< null: the program is new
  const ComparedProgram* new_report = nullptr;  ///< null: the program is missing now
  bool verdict_changed = false;                 ///< accepted in one run, not in the other
  std::vector<StatChange> changes;              ///< only statistics that differ (both present)
};

/// Compares two runs by program name in time linear in their sizes: one entry per program
/// in either run, in the new run's order, then missing programs in the old run's order.
/// Entries with nothing changed are included (empty `changes`, verdict_changed false) so
/// callers can print a full table; `has_difference` tells them apart. A name repeated in
/// one run is matched with its first occurrence in the other.
[[nodiscard]] std::vector<StatsDelta> compare_runs(const std::vector<ComparedProgram>& old_run,
                                                   const std::vector<ComparedProgram>& new_run);

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
/// Reads one report's compared form (name, verdict, statistics) without the rest, with
/// every number range-checked (0 to 2^63-1; a 32-bit field to 2^32-1). Fails with
/// Malformed naming the key.
[[nodiscard]] Result<ComparedProgram> compared_program_from_json(const nlohmann::json& json);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
