#include "verify_compare.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "bpfload/parse.hpp"
#include "bpfload/verify.hpp"
#include "cli_options.hpp"
#include "text_table.hpp"
#include "verify_run_input.hpp"
#include "verify_select.hpp"
#include "verify_thresholds.hpp"

namespace bpfload::cli {
namespace {

std::string verdict(const ComparedProgram* program) {
  return program != nullptr ? std::string(to_string(program->verdict)) : std::string("absent");
}

std::string percent(int64_t before, int64_t after) {
  if (before == 0) return after == 0 ? "0%" : "n/a";
  return fmt::format("{:+.1f}%", 100.0 * static_cast<double>(after - before) / static_cast<double>(before));
}

/// One program's comparison, limited to the chosen statistics, with its regressions.
struct ProgramComparison {
  StatsDelta delta;
  std::vector<std::string> regressions;  ///< why, one line each
};

std::string status(const ProgramComparison& comparison) {
  const StatsDelta& delta = comparison.delta;
  if (!delta.old_report) return "new";
  if (!delta.new_report) return "missing";
  return delta.verdict_changed || !delta.changes.empty() ? "changed" : "unchanged";
}

// Programs are named "file/program" when both runs say which object each came from, so
// the same program name in two objects stays two programs.
std::vector<ComparedProgram> keyed(std::vector<RunEntry> entries, bool by_file) {
  std::vector<ComparedProgram> programs;
  programs.reserve(entries.size());
  for (RunEntry& entry : entries) {
    if (by_file) entry.program.name = base_name(entry.file) + "/" + entry.program.name;
    programs.push_back(std::move(entry.program));
  }
  return programs;
}

bool all_have_files(const std::vector<RunEntry>& entries) {
  return std::all_of(entries.begin(), entries.end(), [](const RunEntry& e) { return !e.file.empty(); });
}

size_t object_count(const std::vector<RunEntry>& entries) {
  std::set<std::string> files;
  for (const RunEntry& entry : entries) files.insert(entry.file);
  return files.size();
}

// Matching by program name alone is ambiguous when one run verified two programs of that
// name (in two objects): name it, and the way out.
Status unique_program_names(const std::vector<RunEntry>& entries, const std::string& run) {
  std::map<std::string, std::string> seen;  // program -> its first file
  for (const RunEntry& entry : entries) {
    const auto [at, inserted] = seen.emplace(entry.program.name, entry.file);
    if (inserted) continue;
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: program '{}' is in two objects ({} and {}), so programs cannot be matched "
                                  "by name alone; use --match file",
                                  run, entry.program.name, at->second, entry.file));
  }
  return {};
}

// Whether programs are keyed "file/program" (true) or by program name.
Result<bool> match_by_file(const CompareOptions& options, const std::vector<RunEntry>& old_run,
                           const std::vector<RunEntry>& new_run) {
  const bool named = all_have_files(old_run) && all_have_files(new_run);
  if (options.match == "file") {
    if (named) return true;
    return make_error(ErrorKind::InvalidArgument,
                      "--match file: a run does not name the object of each program (veristat CSV without "
                      "file_name?); use --match program");
  }
  if (options.match == "auto") {
    // One object on each side: two builds of it, whatever their file names.
    if (!named || (object_count(old_run) == 1 && object_count(new_run) == 1)) return false;
    return true;
  }
  if (options.match != "program")
    return make_error(ErrorKind::InvalidArgument, fmt::format("--match {}: say file, program or auto", options.match));
  return false;
}

int64_t stat_value(const ComparedProgram& program, const std::string& stat) {
  const std::optional<size_t> index = compared_stat_index(stat);
  return index ? program.values[*index] : 0;
}

ProgramComparison compare_program(StatsDelta delta, const std::vector<std::string>& stats,
                                  const std::vector<Threshold>& thresholds) {
  ProgramComparison comparison;
  std::vector<StatChange> kept;
  for (const StatChange& change : delta.changes) {
    if (std::find(stats.begin(), stats.end(), change.stat) != stats.end()) kept.push_back(change);
  }
  if (!delta.old_report) {
    if (delta.new_report->verdict != Verdict::Accepted)
      comparison.regressions.push_back(fmt::format("new program is {}", verdict(delta.new_report)));
  } else if (!delta.new_report) {
    comparison.regressions.push_back("program is missing from the new run");
  } else {
    if (delta.old_report->verdict == Verdict::Accepted && delta.new_report->verdict != Verdict::Accepted)
      comparison.regressions.push_back(fmt::format("verdict accepted -> {}", verdict(delta.new_report)));
    for (const Threshold& threshold : thresholds) {
      const int64_t before = stat_value(*delta.old_report, threshold.stat);
      const int64_t after = stat_value(*delta.new_report, threshold.stat);
      if (exceeds(threshold, before, after)) {
        comparison.regressions.push_back(
            fmt::format("{} {} -> {} ({}) crosses '{}'", threshold.stat, before, after, percent(before, after),
                        threshold.text));
      }
    }
  }
  delta.changes = std::move(kept);
  comparison.delta = std::move(delta);
  return comparison;
}

Json comparison_json(const ProgramComparison& comparison) {
  const StatsDelta& delta = comparison.delta;
  Json changes = Json::array();
  for (const StatChange& change : delta.changes) {
    changes.push_back(Json{{"stat", change.stat},
                           {"old", change.old_value},
                           {"new", change.new_value},
                           {"diff", change.new_value - change.old_value},
                           {"diff_pct", percent(change.old_value, change.new_value)}});
  }
  return Json{{"name", delta.program},
              {"status", status(comparison)},
              {"old_verdict", verdict(delta.old_report)},
              {"new_verdict", verdict(delta.new_report)},
              {"verdict_changed", delta.verdict_changed},
              {"changes", changes},
              {"regressions", comparison.regressions}};
}

TextTable comparison_table(const std::vector<ProgramComparison>& comparisons) {
  TextTable table;
  table.headers = {"program", "stat", "old", "new", "diff", "diff_pct"};
  for (const ProgramComparison& comparison : comparisons) {
    const StatsDelta& delta = comparison.delta;
    if (!delta.old_report || !delta.new_report || delta.verdict_changed) {
      table.rows.push_back({std::string(delta.program), "verdict", verdict(delta.old_report), verdict(delta.new_report),
                            status(comparison), ""});
      table.row_colors.push_back(verdict(delta.new_report) == "accepted" ? "32" : "31");
    }
    for (const StatChange& change : delta.changes) {
      const int64_t diff = change.new_value - change.old_value;
      table.rows.push_back({std::string(delta.program), std::string(change.stat), std::to_string(change.old_value),
                            std::to_string(change.new_value), fmt::format("{:+}", diff),
                            percent(change.old_value, change.new_value)});
      // More verifier work is worse: red; less is green.
      table.row_colors.push_back(diff > 0 ? "31" : diff < 0 ? "32" : "");
    }
    if (status(comparison) == "unchanged") {
      table.rows.push_back({std::string(delta.program), "(compared)", "", "", "unchanged", ""});
      table.row_colors.push_back("");
    }
  }
  return table;
}

int usage_error(const Error& error, bool json) {
  return report_error(to_string(error.kind), error.message, error.sys_errno, json, kExitUsage);
}

}  // namespace

void add_compare_options(CLI::App& command, CompareOptions& options) {
  command.add_option("-C,--compare", options.files,
                     "compare two runs (`verify --json` or `--csv` output, or veristat CSV): OLD NEW; "
                     "exit 1 on a regression")
      ->expected(2)
      ->option_text("OLD NEW");
  one_value_each(command.add_option("--stats", options.stats,
                                    "statistics to compare, comma-separated (default: every deterministic one; "
                                    "'all' adds verification_time_usec)"))
      ->option_text("LIST");
  one_value_each(command.add_option("--exclude-stats", options.excluded, "statistics not to compare"))
      ->option_text("LIST");
  one_value_each(command.add_option("--threshold", options.thresholds,
                                    "a change that is a regression: STAT>+N% (e.g. 'insns>+10%'), "
                                    "STAT>+N or STAT>N; repeatable"))
      ->option_text("EXPR");
  command.add_option("--match", options.match,
                     "how programs of the two runs are matched: file (object file and program name), program "
                     "(program name alone: two builds of one object named differently) or auto (program when "
                     "each run verified one object, else file)")
      ->capture_default_str()
      ->option_text("file|program|auto");
}

int run_verify_compare(const CompareOptions& options) {
  const bool json = options.json;
  auto stats = compared_stats(options.stats, options.excluded);
  if (!stats) return usage_error(stats.error(), json);
  std::vector<Threshold> thresholds;
  for (const std::string& text : options.thresholds) {
    auto threshold = parse_threshold(text);
    if (!threshold) return usage_error(threshold.error(), json);
    thresholds.push_back(std::move(threshold).value());
  }
  auto old_run = read_verify_run(options.files[0]);
  if (!old_run) return usage_error(old_run.error(), json);
  auto new_run = read_verify_run(options.files[1]);
  if (!new_run) return usage_error(new_run.error(), json);

  auto by_file = match_by_file(options, *old_run, *new_run);
  if (!by_file) return usage_error(by_file.error(), json);
  if (!*by_file) {
    Status unique = unique_program_names(*old_run, options.files[0]);
    if (unique.ok()) unique = unique_program_names(*new_run, options.files[1]);
    if (!unique.ok()) return usage_error(unique.error(), json);
  }
  // The deltas point into these two; they live until the output is written.
  const std::vector<ComparedProgram> old_programs = keyed(std::move(*old_run), *by_file);
  const std::vector<ComparedProgram> new_programs = keyed(std::move(*new_run), *by_file);
  std::vector<ProgramComparison> comparisons;
  size_t regressions = 0;
  for (StatsDelta& delta : compare_runs(old_programs, new_programs)) {
    comparisons.push_back(compare_program(std::move(delta), *stats, thresholds));
    regressions += comparisons.back().regressions.size();
  }

  if (json) {
    Json threshold_texts = Json::array();
    for (const Threshold& threshold : thresholds) threshold_texts.push_back(threshold.text);
    // Programs are written one at a time: a million of them as one value would take gigabytes.
    print_json_streaming(Json{{"old", options.files[0]},
                              {"new", options.files[1]},
                              {"stats", *stats},
                              {"thresholds", threshold_texts},
                              {"programs", streamed_array_placeholder(0)},
                              {"regressions", regressions}},
                         "programs", 1, [&](size_t, const auto& emit) {
                           for (const ProgramComparison& comparison : comparisons) emit(comparison_json(comparison));
                         });
  } else if (options.csv) {
    print_csv(comparison_table(comparisons));
  } else {
    const bool color = use_color(options.color, stdout);
    print_table(comparison_table(comparisons), color);
    for (const ProgramComparison& comparison : comparisons) {
      for (const std::string& why : comparison.regressions)
        fmt::print("{} {}: {}\n", colored("REGRESSION", "31", color), escape_for_terminal(comparison.delta.program),
                   escape_for_terminal(why));
    }
    fmt::print("{}\n", regressions == 0 ? std::string("no regressions")
                                        : fmt::format("{} regression{}", regressions, regressions == 1 ? "" : "s"));
  }
  return regressions == 0 ? kExitOk : kExitRefused;
}

}  // namespace bpfload::cli
