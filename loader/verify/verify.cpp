// verify_object: load every selected program once, with logs, keep_going and no pins,
// and turn each outcome into a developer report.
#include <cerrno>
#include <algorithm>
#include <new>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

/// iproute2 object-ns maps make the loader insist on an object id; with pinning off the
/// id names nothing, so any value lets such objects verify.
constexpr const char* kVerifyObjectId = "bpfload-verify";

LoadOptions load_options_for(const ObjectSpec& spec, const VerifyOptions& options) {
  LoadOptions load = options.load;
  load.keep_going = true;
  load.pin = false;
  load.pin_dir.reset();
  load.only_programs = options.programs;
  // Verifying every program includes libbpf's SEC("?...") ones, which a plain load leaves
  // out: they are there to be verified (often expected to fail) one by one.
  if (load.only_programs.empty())
    for (const ProgramSpec& program : spec.programs) load.only_programs.push_back(program.name);
  // The statistics row needs the closing lines (time, stack depth) only BPF_LOG_STATS
  // prints, and the failure analysis needs at least level 1: whatever level was asked for.
  load.log_level = options.log_level | kLogStats | kLogLevel1;
  for (auto& entry : load.program_log_levels) entry.second |= kLogStats | kLogLevel1;
  if (options.source_costs) {
    load.log_level |= kLogLevel2;
    for (auto& entry : load.program_log_levels) entry.second |= kLogLevel2;
    load.log_limit = 0;  // costs are read from the whole level-2 log
  }
  if (load.object_id.empty()) load.object_id = kVerifyObjectId;
  return load;
}

/// Fills failed_insn, failed_source and kernel_message of a rejected program.
void explain_rejection(VerifyReport& report, const SourceLineTable* table) {
  // bpfload's own refusal has no kernel message or failing instruction: result.error is the reason.
  if (report.result.unsupported) return;
  LogFailure failure = analyze_failure_log(report.result.verifier_log);
  report.failed_insn = failure.insn;
  report.kernel_message = failure.message.empty() ? report.result.error : failure.message;
  if (!failure.insn) return;
  const ProgramResult& result = report.result;
  for (size_t i = 0; i < result.core_poisoned_insns.size() && i < result.core_poisoned.size(); ++i)
    if (result.core_poisoned_insns[i] == *failure.insn) report.poisoned_by = result.core_poisoned[i];
  // BTF line info names the exact record (with its column); the kernel's annotation
  // is the fallback for objects whose line info did not reach the kernel.
  if (table != nullptr) {
    if (const SourceLine* line = table->find(*failure.insn)) {
      report.failed_source = *line;
      return;
    }
  }
  report.failed_source = failure.annotation;
}

/// `layout` is the one the loader loaded; a program that could not be laid out never
/// reached the verifier, and its report stands without source lines.
VerifyReport report_for(const ObjectSpec& spec, const Result<std::shared_ptr<const ProgramLayout>>& layout,
                        ProgramResult result, bool with_costs) {
  VerifyReport report;
  // The loader already parsed the log's statistics (result.stats): not again here.
  report.result = std::move(result);

  bool needs_lines = !report.result.loaded || with_costs;
  std::optional<SourceLineTable> table;
  if (needs_lines && layout.ok()) table = source_line_table(spec, **layout);
  if (!report.result.loaded) explain_rejection(report, table ? &*table : nullptr);
  if (with_costs) report.costs = source_costs(report.result.verifier_log, table ? *table : SourceLineTable{});
  return report;
}

}  // namespace

Result<std::vector<VerifyReport>> verify_object(const ObjectSpec& spec, const VerifyOptions& options) try {
  for (const std::string& name : options.programs) {
    if (!spec.find_program(name))
      return make_error(ErrorKind::NotFound, fmt::format("verify: no program named '{}' in the object", name));
  }

  // Laid out once: the loader patches fds into these, the source lines read them.
  const ProgramLayouts layouts = lay_out_programs(spec);
  LoadReport load_report;
  {
    // Scoped so every map and program fd is closed before the reports are built.
    auto loaded = load_object(spec, layouts, load_options_for(spec, options), &load_report);
    // With keep_going a rejected program is not an error; an error before any program
    // reached the verifier (maps, BTF for maps, bad options) is.
    bool any_verified = std::any_of(load_report.programs.begin(), load_report.programs.end(),
                                    [](const ProgramResult& r) { return r.load_attempts > 0; });
    if (!loaded.ok() && !any_verified) return std::move(loaded).error().with_context("verify");
    // Out of memory part way leaves programs without a verdict: no report is honest then.
    if (!loaded.ok() && loaded.error().sys_errno == ENOMEM && loaded.error().kind == ErrorKind::LimitExceeded)
      return std::move(loaded).error().with_context("verify");
    // Any other failure after the programs were verified is told on each program it
    // stopped before its verdict, so no report says "rejected" without a reason.
    if (!loaded.ok()) {
      for (ProgramResult& result : load_report.programs)
        if (!result.loaded && result.error.empty() && result.sys_errno == 0) {
          result.error = loaded.error().message;
          result.sys_errno = loaded.error().sys_errno;
        }
    }
  }

  // Results are matched by program index: two programs may share a name.
  std::vector<std::optional<ProgramResult>> by_program(spec.programs.size());
  for (ProgramResult& result : load_report.programs)
    if (result.program < by_program.size()) by_program[result.program] = std::move(result);
  std::vector<VerifyReport> reports;
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    if (!by_program[i]) continue;  // not selected, or the loader never got to it
    reports.push_back(report_for(spec, layouts[i], std::move(*by_program[i]), options.source_costs));
  }
  return reports;
} catch (const std::bad_alloc&) {
  return out_of_memory_error("verifying the object");
}

}  // namespace bpfload
