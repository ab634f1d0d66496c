#include "verify_compare.hpp"

#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/parse.hpp"
#include "bpfload/verify.hpp"
#include "text_table.hpp"

namespace bpfload::cli {
namespace {

// `verify --json` of 4096 programs with full logs stays far below this.
constexpr size_t kMaxReportBytes = size_t{256} << 20;

Result<std::vector<VerifyReport>> read_reports(const std::string& path) {
  // Bounded and non-blocking like an object: /dev/zero or a FIFO is refused, not read.
  auto bytes = read_input_file(path, kMaxReportBytes);
  if (!bytes) return std::move(bytes).error().with_context("verify --compare");
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return make_error(ErrorKind::Malformed, fmt::format("{} is not JSON", path));
  auto reports = reports_from_json(doc);
  if (!reports) return reports.error().with_context(fmt::format("{} (expected `bpfload verify --json` output)", path));
  return reports;
}

std::string verdict(const std::optional<VerifyReport>& report) {
  if (!report) return "absent";
  return report->result.loaded ? "accepted" : "rejected";
}

std::string status(const StatsDelta& delta) {
  if (!delta.old_report) return "new";
  if (!delta.new_report) return "missing";
  return has_difference(delta) ? "changed" : "unchanged";
}

std::string percent(int64_t before, int64_t after) {
  if (before == 0) return after == 0 ? "0%" : "n/a";
  return fmt::format("{:+.1f}%", 100.0 * static_cast<double>(after - before) / static_cast<double>(before));
}

Json delta_json(const StatsDelta& delta) {
  Json changes = Json::array();
  for (const StatChange& change : delta.changes) {
    changes.push_back(Json{{"stat", change.stat},
                           {"old", change.old_value},
                           {"new", change.new_value},
                           {"diff", change.new_value - change.old_value}});
  }
  return Json{{"name", delta.program},
              {"status", status(delta)},
              {"old_verdict", verdict(delta.old_report)},
              {"new_verdict", verdict(delta.new_report)},
              {"verdict_changed", delta.verdict_changed},
              {"changes", changes}};
}

TextTable delta_table(const std::vector<StatsDelta>& deltas) {
  TextTable table;
  table.headers = {"program", "stat", "old", "new", "diff", "diff_pct"};
  for (const StatsDelta& delta : deltas) {
    if (!delta.old_report || !delta.new_report || delta.verdict_changed) {
      table.rows.push_back({delta.program, "verdict", verdict(delta.old_report), verdict(delta.new_report),
                            status(delta), ""});
      table.row_colors.push_back(verdict(delta.new_report) == "accepted" ? "32" : "31");
    }
    for (const StatChange& change : delta.changes) {
      const int64_t diff = change.new_value - change.old_value;
      table.rows.push_back({delta.program, change.stat, std::to_string(change.old_value),
                            std::to_string(change.new_value), fmt::format("{:+}", diff),
                            percent(change.old_value, change.new_value)});
      // More verifier work is worse: red; less is green.
      table.row_colors.push_back(diff > 0 ? "31" : diff < 0 ? "32" : "");
    }
    if (status(delta) == "unchanged") {
      table.rows.push_back({delta.program, "(all)", "", "", "unchanged", ""});
      table.row_colors.push_back("");
    }
  }
  return table;
}

}  // namespace

int run_verify_compare(const std::string& old_path, const std::string& new_path, bool json, bool csv,
                       ColorMode color) {
  auto old_reports = read_reports(old_path);
  if (!old_reports) return report_error(to_string(old_reports.error().kind), old_reports.error().message, 0, json, kExitUsage);
  auto new_reports = read_reports(new_path);
  if (!new_reports) return report_error(to_string(new_reports.error().kind), new_reports.error().message, 0, json, kExitUsage);

  const std::vector<StatsDelta> deltas = compare_reports(*old_reports, *new_reports);
  if (json) {
    Json programs = Json::array();
    for (const StatsDelta& delta : deltas) programs.push_back(delta_json(delta));
    print_json(Json{{"old", old_path}, {"new", new_path}, {"programs", programs}});
  } else if (csv) {
    print_csv(delta_table(deltas));
  } else {
    print_table(delta_table(deltas), use_color(color, stdout));
  }
  return kExitOk;
}

}  // namespace bpfload::cli
