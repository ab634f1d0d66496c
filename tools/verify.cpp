// `bpfload verify OBJ [PROGRAM...]`: verifier verdicts and statistics for developers.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/parse.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "bpfload/verify.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "text_table.hpp"
#include "verbs.hpp"
#include "verify_compare.hpp"

namespace bpfload::cli {
namespace {

constexpr size_t kLogTailLines = 20;

struct VerifyVerbOptions {
  ObjectOptions object;
  std::vector<std::string> programs;
  uint32_t log_level = kLogLevel1 | kLogStats;
  bool json = false;
  bool csv = false;
  ColorMode color = ColorMode::Auto;
  bool source = false;
  std::vector<std::string> compare;  ///< OLD.json NEW.json
};

std::vector<std::string> log_lines(const std::string& log) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<std::string> log_tail(const std::string& log) {
  std::vector<std::string> lines = log_lines(log);
  if (lines.size() > kLogTailLines) lines.erase(lines.begin(), lines.end() - kLogTailLines);
  return lines;
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

// The library owns the report schema (so --compare can read it back); the full log is
// added for rejected programs, whose log is the point of the report.
nlohmann::json verify_json(const std::string& path, uint32_t log_level,
                           const std::vector<VerifyReport>& reports) {
  nlohmann::json doc = reports_to_json(reports);
  for (size_t i = 0; i < reports.size(); ++i) {
    if (!reports[i].result.loaded) doc["programs"][i] = report_to_json(reports[i], true);
  }
  doc["file"] = path;
  doc["log_level"] = log_level;
  return doc;
}

TextTable stats_table(const std::vector<VerifyReport>& reports) {
  TextTable table;
  table.headers = {"program", "section", "verdict", "insns_processed", "states", "peak_states",
                   "time_usec", "stack", "insns", "xlated_insns", "jited_bytes"};
  for (const VerifyReport& report : reports) {
    const ProgramResult& result = report.result;
    table.rows.push_back({result.name, result.section, result.loaded ? "accepted" : "rejected",
                          std::to_string(insns_processed(result)),
                          std::to_string(result.stats.total_states),
                          std::to_string(result.stats.peak_states),
                          std::to_string(result.stats.verification_time_usec),
                          stack_depth_text(result.stats.stack_depth), std::to_string(result.insns),
                          std::to_string(result.xlated_size / 8), std::to_string(result.jited_size)});
    table.row_colors.push_back(result.loaded ? "" : "31");
  }
  return table;
}

void print_rejection(const VerifyReport& report, bool color) {
  const ProgramResult& result = report.result;
  fmt::print("\n{}: {}{}\n", colored(result.name, "1", color), colored("rejected", "31", color),
             result.sys_errno != 0 ? fmt::format(" (errno {}: {})", result.sys_errno, std::strerror(result.sys_errno))
                                   : std::string());
  for (const std::string& line : log_lines(report.kernel_message))
    fmt::print("  kernel: {}\n", colored(line, "31", color));
  if (report.kernel_message.empty() && !result.error.empty()) fmt::print("  error: {}\n", result.error);
  if (report.failed_insn) fmt::print("  at instruction {}\n", *report.failed_insn);
  if (report.failed_source) {
    fmt::print("  source {}: {}\n", colored(source_text(*report.failed_source), "36", color),
               report.failed_source->text);
  }
  const std::vector<std::string> tail = log_tail(result.verifier_log);
  if (tail.empty()) return;
  fmt::print("  verifier log (last {} lines):\n", tail.size());
  for (const std::string& line : tail) fmt::print("    {}\n", line);
  if (result.log_truncated) fmt::print("    [verifier log truncated by the kernel]\n");
}

void print_costs(const VerifyReport& report, bool color) {
  const std::vector<SourceCost>& costs = report.costs;  // costliest first
  fmt::print("\nsource costs of {} ({} lines):\n", colored(report.result.name, "1", color), costs.size());
  TextTable table;
  table.headers = {"insns", "states", "location", "text"};
  for (const SourceCost& cost : costs) {
    table.rows.push_back({std::to_string(cost.insns), std::to_string(cost.states),
                          source_text(cost.source), cost.source.text});
  }
  print_table(table, color);
}

int run_verify(const VerifyVerbOptions& options) {
  const bool json = options.json;
  if (!options.compare.empty())
    return run_verify_compare(options.compare[0], options.compare[1], json, options.csv, options.color);
  if (options.object.path.empty())
    return report_error("usage", "verify needs an object file (or --compare OLD.json NEW.json)", 0, json,
                        kExitUsage);
  auto parse_options = make_parse_options(options.object);
  if (!parse_options) return report_error(parse_options.error(), json);
  auto spec = parse_object_file(options.object.path, *parse_options);
  if (!spec) {
    const Error& error = spec.error();
    return report_error(to_string(error.kind), error.message, error.sys_errno, json, kExitUsage);
  }
  VerifyOptions verify;
  verify.programs = options.programs;
  verify.log_level = options.log_level;
  verify.source_costs = options.source;
  auto reports = verify_object(*spec, verify);
  if (!reports) {
    const Error& error = reports.error();
    return report_error(to_string(error.kind), error.message, error.sys_errno, json,
                        error.kind == ErrorKind::NotFound ? kExitUsage : exit_code_for(error));
  }

  bool all_accepted = true;
  for (const VerifyReport& report : *reports) all_accepted &= report.result.loaded;
  if (json) {
    print_json(verify_json(options.object.path, options.log_level, *reports));
  } else if (options.csv) {
    print_csv(stats_table(*reports));
  } else {
    const bool color = use_color(options.color, stdout);
    print_table(stats_table(*reports), color);
    for (const VerifyReport& report : *reports) {
      if (!report.result.loaded) print_rejection(report, color);
    }
    if (options.source) {
      for (const VerifyReport& report : *reports) print_costs(report, color);
    }
  }
  return all_accepted ? kExitOk : kExitRefused;
}

}  // namespace

VerbRunner setup_verify(CLI::App& command) {
  auto options = std::make_shared<VerifyVerbOptions>();
  command.add_option("OBJ", options->object.path, "BPF ELF object file");
  command.add_option("PROGRAM", options->programs, "programs to verify (default: all)");
  add_object_options(command, options->object);
  number_option(command.add_option("--log-level", options->log_level,
                     "verifier log level: bits 1 (level 1), 2 (level 2), 4 (statistics); 0..7"),
                7)
      ->capture_default_str();
  auto* json = command.add_flag("--json", options->json, "print one JSON document (see docs/cli.md)");
  auto* csv = command.add_flag("--csv", options->csv, "print the statistics as CSV");
  json->excludes(csv);
  command.add_option("--color", options->color, "colour: auto (only on a terminal), always or never")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, ColorMode>{
              {"auto", ColorMode::Auto}, {"always", ColorMode::Always}, {"never", ColorMode::Never}},
          CLI::ignore_case));
  command.add_flag("--source", options->source, "show verifier costs per C source line (needs BTF line info)");
  command.add_option("--compare", options->compare,
                     "compare the statistics of two `verify --json` outputs: OLD.json NEW.json")
      ->expected(2);
  return [options] { return run_verify(*options); };
}

}  // namespace bpfload::cli
