// `bpfload verify OBJ... [PROGRAM-GLOB...]`: verifier verdicts and statistics for developers
// and CI, over one or many objects, in one table.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/parse.hpp"
#include "bpfload/verify.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "text_table.hpp"
#include "verbs.hpp"
#include "verify_compare.hpp"
#include "verify_log_tail.hpp"
#include "verify_select.hpp"

namespace bpfload::cli {
namespace {

struct VerifyVerbOptions {
  ObjectOptions object;                 ///< object.path unused: objects come from `inputs`
  std::vector<std::string> inputs;      ///< OBJ files and PROGRAM globs, in any order
  std::vector<std::string> program_globs;  ///< --program
  uint32_t log_level = kLogLevel1 | kLogStats;
  bool json = false;
  bool csv = false;
  ColorMode color = ColorMode::Auto;
  bool source = false;
  size_t log_lines = kDefaultLogTailLines;
  bool full_log = false;
  std::string log_file;
  std::string btf_path;  ///< --btf
  ProgramLoadOptions program_options;  ///< --prog-flags, --program-log-level
  CompareOptions compare;
};

/// One object's run: its reports, or why it could not be verified.
struct ObjectRun {
  std::string path;
  std::vector<VerifyReport> reports;
  std::optional<Error> error;
  int error_exit = kExitOk;  ///< for `error`: 2 the object cannot be read, else the error's own code
  /// Per report, when its log was cut to what is printed (keep_printed_logs): the whole
  /// log's line count and whether the tail is all of it. Empty when logs are kept whole.
  std::vector<LogTail> cut_logs;
};

// What is printed of each log is its tail (--log-lines), so the rest is dropped as soon
// as an object is verified: a run over many objects with level-2 logs then holds no more
// log than it prints. Not for --full-log or --log-file, which print logs whole.
void keep_printed_logs(ObjectRun& run, size_t log_lines) {
  for (VerifyReport& report : run.reports) {
    LogTail tail = log_tail(report.result.verifier_log, log_lines);
    // A move assignment would hand the whole log's buffer to tail.text (libstdc++ swaps
    // buffers): it is taken out here instead, and freed at the end of the iteration.
    const std::string whole = std::exchange(report.result.verifier_log, std::move(tail.text));
    run.cut_logs.push_back(LogTail{{}, tail.total_lines, tail.complete});
  }
}

std::string stack_depth_text(const std::vector<uint32_t>& depths) {
  std::string text;
  for (uint32_t depth : depths) text += fmt::format("{}{}", text.empty() ? "" : "+", depth);
  return text.empty() ? "-" : text;
}

std::string source_text(const SourceLine& source) {
  if (source.file.empty()) return "(unknown)";
  return fmt::format("{}:{}", source.file, source.line);
}

uint32_t insns_processed(const ProgramResult& result) {
  return result.stats.present ? result.stats.insns_processed : result.verified_insns;
}

bool accepted(const VerifyReport& report) { return report.result.loaded; }

// The library owns the report schema (so --compare can read it back). The CLI adds the
// object each program came from, and a bounded tail of the log unless --full-log: a
// rejected level-2 log can be gigabytes, and its last lines (the failing instruction's
// state and the kernel's message) are what a reader needs.
nlohmann::json verify_json(const VerifyVerbOptions& options, const std::vector<ObjectRun>& runs) {
  nlohmann::json programs = nlohmann::json::array();
  nlohmann::json files = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  for (const ObjectRun& run : runs) {
    files.push_back(run.path);
    if (run.error) {
      nlohmann::json error = error_json(*run.error);
      errors.push_back(nlohmann::json{{"file", run.path}, {"error", nlohmann::json::parse(error.dump())}});
      continue;
    }
    for (size_t i = 0; i < run.reports.size(); ++i) {
      const VerifyReport& report = run.reports[i];
      nlohmann::json program = report_to_json(report, false);
      program["file"] = run.path;
      if (i < run.cut_logs.size()) {
        program["log"] = report.result.verifier_log;
        program["log_lines"] = run.cut_logs[i].total_lines;
        program["log_complete"] = run.cut_logs[i].complete;
      } else {
        const LogTail tail = log_tail(report.result.verifier_log, options.full_log ? 0 : options.log_lines);
        program["log"] = tail.text;
        program["log_lines"] = tail.total_lines;
        program["log_complete"] = tail.complete;
      }
      programs.push_back(std::move(program));
    }
  }
  nlohmann::json doc = reports_to_json({});
  if (runs.size() == 1) doc["file"] = runs[0].path;
  doc["files"] = files;
  doc["log_level"] = options.log_level;
  doc["programs"] = programs;
  doc["errors"] = errors;
  return doc;
}

TextTable stats_table(const std::vector<ObjectRun>& runs, bool with_files) {
  TextTable table;
  table.headers = {"program", "section", "verdict", "insns_processed", "states", "peak_states",
                   "time_usec", "stack", "insns", "xlated_insns", "jited_bytes"};
  if (with_files) table.headers.insert(table.headers.begin(), "file");
  for (const ObjectRun& run : runs) {
    for (const VerifyReport& report : run.reports) {
      const ProgramResult& result = report.result;
      std::vector<std::string> row = {
          result.name, result.section, std::string(verdict_name(report)),
          std::to_string(insns_processed(result)), std::to_string(result.stats.total_states),
          std::to_string(result.stats.peak_states), std::to_string(result.stats.verification_time_usec),
          stack_depth_text(result.stats.stack_depth), std::to_string(result.insns),
          std::to_string(result.xlated_size / 8), std::to_string(result.jited_size)};
      if (with_files) row.insert(row.begin(), base_name(run.path));
      table.rows.push_back(std::move(row));
      table.row_colors.push_back(result.loaded ? "" : result.unsupported ? "33" : "31");
    }
  }
  return table;
}

// CSV uses the JSON field names, so `--compare` reads it back the same way.
TextTable stats_csv(const std::vector<ObjectRun>& runs) {
  TextTable table;
  table.headers = {"program", "section", "verdict", "insns_processed", "total_states", "peak_states",
                   "max_states_per_insn", "mark_read", "verification_time_usec", "stack_depth", "insns",
                   "xlated_size", "jited_size", "verified_insns", "file"};
  for (const ObjectRun& run : runs) {
    for (const VerifyReport& report : run.reports) {
      const ProgramResult& r = report.result;
      table.rows.push_back({r.name, r.section, std::string(verdict_name(report)),
                            std::to_string(insns_processed(r)), std::to_string(r.stats.total_states),
                            std::to_string(r.stats.peak_states), std::to_string(r.stats.max_states_per_insn),
                            std::to_string(r.stats.mark_read), std::to_string(r.stats.verification_time_usec),
                            stack_depth_text(r.stats.stack_depth), std::to_string(r.insns),
                            std::to_string(r.xlated_size), std::to_string(r.jited_size),
                            std::to_string(r.verified_insns), run.path});
    }
  }
  return table;
}

void print_refusal(const std::string& label, const VerifyReport& report, size_t log_lines, bool color) {
  const ProgramResult& result = report.result;
  if (result.unsupported) {
    fmt::print("\n{}: {}\n  reason: {}\n", colored(escape_for_terminal(label), "1", color),
               colored("unsupported", "33", color), escape_for_terminal(result.error));
    return;
  }
  fmt::print("\n{}: {}{}\n", colored(escape_for_terminal(label), "1", color), colored("rejected", "31", color),
             result.sys_errno != 0 ? fmt::format(" (errno {}: {})", result.sys_errno, std::strerror(result.sys_errno))
                                   : std::string());
  for (const std::string& line : split_lines(report.kernel_message))
    fmt::print("  kernel: {}\n", colored(escape_for_terminal(expand_tabs(line)), "31", color));
  if (report.kernel_message.empty() && !result.error.empty())
    fmt::print("  error: {}\n", escape_for_terminal(result.error));
  if (report.failed_insn) fmt::print("  at instruction {}\n", *report.failed_insn);
  if (!report.poisoned_by.empty()) {
    fmt::print("  CO-RE: bpfload poisoned this instruction: {}\n",
               colored(escape_for_terminal(report.poisoned_by), "33", color));
    fmt::print("    the target kernel's BTF has no match for it; guard the access with bpf_core_field_exists()\n"
               "    or bpf_core_type_exists(), or give the BTF of the kernel it is meant for (--btf PATH)\n");
  }
  if (report.failed_source) {
    fmt::print("  source {}: {}\n", colored(escape_for_terminal(source_text(*report.failed_source)), "36", color),
               escape_for_terminal(expand_tabs(report.failed_source->text)));
  }
  const LogTail tail = log_tail(result.verifier_log, log_lines);
  if (tail.text.empty()) return;
  const std::vector<std::string> lines = split_lines(tail.text);
  fmt::print("  verifier log (last {} lines):\n", lines.size());
  for (const std::string& line : lines) fmt::print("    {}\n", escape_for_terminal(expand_tabs(line)));
  if (result.log_truncated) fmt::print("    [verifier log truncated by the kernel]\n");
}

void print_costs(const std::string& label, const VerifyReport& report, bool color) {
  const std::vector<SourceCost>& costs = report.costs;  // costliest first
  fmt::print("\nsource costs of {} ({} lines):\n", colored(escape_for_terminal(label), "1", color), costs.size());
  TextTable table;
  table.headers = {"insns", "states", "location", "text"};
  for (const SourceCost& cost : costs) {
    table.rows.push_back({std::to_string(cost.insns), std::to_string(cost.states),
                          source_text(cost.source), expand_tabs(cost.source.text)});
  }
  print_table(table, color, terminal_columns(stdout));
}

// The full logs, which the JSON and the text keep only the tail of.
Status write_log_file(const std::string& path, const std::vector<ObjectRun>& runs) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return make_error(ErrorKind::Io, fmt::format("--log-file: cannot write {}: {}", path, std::strerror(errno)), errno);
  for (const ObjectRun& run : runs) {
    for (const VerifyReport& report : run.reports) {
      out << "=== " << run.path << ": " << report.result.name << " (" << verdict_name(report) << ") ===\n"
          << report.result.verifier_log;
      if (!report.result.verifier_log.empty() && report.result.verifier_log.back() != '\n') out << '\n';
    }
  }
  out.flush();
  if (!out) return make_error(ErrorKind::Io, fmt::format("--log-file: writing {} failed", path));
  return {};
}

ObjectRun verify_one(const PlannedObject& object, const VerifyVerbOptions& options) {
  ObjectRun run{object.path, {}, std::nullopt, kExitOk};
  if (object.parse_error) {
    run.error = *object.parse_error;
    run.error_exit = kExitUsage;
    return run;
  }
  VerifyOptions verify;
  verify.programs = object.programs;
  verify.log_level = options.log_level;
  verify.source_costs = options.source;
  verify.load.btf_path = options.btf_path;
  // The whole log only when it is shown whole (--full-log, --log-file) or read whole
  // (--source); otherwise the kept end holds the verdict and the statistics.
  if (options.full_log || !options.log_file.empty() || options.source) verify.load.log_limit = 0;
  if (Status applied = apply_program_load_options(options.program_options, *object.spec, verify.load); !applied.ok()) {
    run.error = applied.error().with_context(object.path);
    run.error_exit = kExitUsage;
    return run;
  }
  auto reports = verify_object(*object.spec, verify);
  if (!reports) {
    run.error = reports.error().with_context(object.path);
    run.error_exit = exit_code_for(*run.error);
    return run;
  }
  run.reports = std::move(reports).value();
  return run;
}

int run_verify(VerifyVerbOptions& options) {
  const bool json = options.json;
  if (!options.compare.files.empty()) {
    options.compare.json = json;
    options.compare.csv = options.csv;
    options.compare.color = options.color;
    return run_verify_compare(options.compare);
  }
  auto selection = select_inputs(options.inputs, options.program_globs);
  if (!selection) return report_error(to_string(selection.error().kind), selection.error().message, 0, json, kExitUsage);
  auto parse_options = make_parse_options(options.object);
  if (!parse_options) return report_error(parse_options.error(), json);

  // Each object is parsed first, so a program glob that matches nothing anywhere is a
  // usage error before anything is loaded.
  auto plan = plan_programs(*selection, *parse_options);
  if (!plan) return report_error(to_string(plan.error().kind), plan.error().message, 0, json, kExitUsage);

  std::vector<ObjectRun> runs;
  int exit_code = kExitOk;
  for (const PlannedObject& object : *plan) {
    if (object.skip) continue;  // globs given, none matches here
    runs.push_back(verify_one(object, options));
    ObjectRun& run = runs.back();
    if (!options.full_log && options.log_file.empty()) keep_printed_logs(run, options.log_lines);
    if (run.error) {
      print_error_line(run.error->message);
      exit_code = std::max(exit_code, run.error_exit);
      continue;
    }
    for (const VerifyReport& report : run.reports) {
      if (!accepted(report)) exit_code = std::max(exit_code, kExitRefused);
    }
  }
  if (!options.log_file.empty()) {
    if (auto written = write_log_file(options.log_file, runs); !written) return report_error(written.error(), json);
  }

  if (runs.size() == 1 && runs[0].error) {
    // One object that cannot be verified: the one error document, as before.
    if (json) print_json(Json{{"error", error_json(*runs[0].error)}});
    return exit_code;
  }
  const bool with_files = runs.size() > 1;
  if (json) {
    print_json(verify_json(options, runs));
  } else if (options.csv) {
    print_csv(stats_csv(runs));
  } else {
    const bool color = use_color(options.color, stdout);
    print_table(stats_table(runs, with_files), color);
    for (const ObjectRun& run : runs) {
      for (const VerifyReport& report : run.reports) {
        const std::string label = with_files ? base_name(run.path) + "/" + report.result.name : report.result.name;
        if (!accepted(report)) print_refusal(label, report, options.log_lines, color);
      }
    }
    if (options.source) {
      for (const ObjectRun& run : runs) {
        for (const VerifyReport& report : run.reports) {
          print_costs(with_files ? base_name(run.path) + "/" + report.result.name : report.result.name, report, color);
        }
      }
    }
  }
  return exit_code;
}

}  // namespace

VerbRunner setup_verify(CLI::App& command) {
  auto options = std::make_shared<VerifyVerbOptions>();
  command.add_option("OBJ", options->inputs,
                     "BPF ELF object files, and program names or globs ('xdp_*') to verify in them "
                     "(default: every program); an argument naming an existing file is an object");
  one_value_each(command.add_option("--program", options->program_globs,
                                    "a program name or glob to verify (repeatable), like a PROGRAM argument"))
      ->option_text("GLOB");
  add_object_options(command, options->object);
  number_option(command.add_option("--log-level", options->log_level,
                     "verifier log level: bits 1 (level 1), 2 (level 2), 4 (statistics); 0..7"),
                7)
      ->capture_default_str();
  add_json_flags(command, options->json);
  auto* csv = command.add_flag("--csv", options->csv, "print the statistics as CSV (the JSON field names as header)");
  csv->excludes("--json");
  add_color_option(command, options->color);
  command.add_flag("--source", options->source, "show verifier costs per C source line (needs BTF line info)");
  command.add_option("--log-lines", options->log_lines,
                     "lines of a program's verifier log kept in the output and JSON (its tail)")
      ->option_text("N")
      ->capture_default_str();
  command.add_option("--btf", options->btf_path,
                     "BTF to apply CO-RE relocations and find fentry/tp_btf/... targets against (raw BTF or "
                     "an ELF with .BTF); default: the running kernel's /sys/kernel/btf");
  command.add_flag("--full-log", options->full_log,
                   "keep the whole verifier log in the JSON `log` field (default: the log's last 16 MiB are "
                   "kept, where the verdict is)");
  add_program_load_options(command, options->program_options);
  command.add_option("--log-file", options->log_file, "write every program's whole verifier log to PATH")
      ->option_text("PATH");
  add_compare_options(command, options->compare);
  return [options] { return run_verify(*options); };
}

}  // namespace bpfload::cli
