#include "verify_compare.hpp"

#include <array>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "text_table.hpp"

namespace bpfload::cli {
namespace {

// The statistics compared, as named in `verify --json`.
constexpr std::array<std::string_view, 7> kMetrics = {
    "insns_processed", "total_states", "peak_states", "verification_time_usec",
    "stack_depth",     "xlated_insns", "jited_size"};

struct ReadReport {
  Json programs;  ///< array
  std::string error;
};

ReadReport read_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {Json(), fmt::format("cannot read {}", path)};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return {Json(), fmt::format("{} is not JSON", path)};
  if (!doc.is_object() || !doc.contains("programs") || !doc["programs"].is_array())
    return {Json(), fmt::format("{} is not a `bpfload verify --json` report (no programs[])", path)};
  for (const Json& program : doc["programs"]) {
    if (!program.is_object() || !program.contains("name") || !program["name"].is_string())
      return {Json(), fmt::format("{}: a program has no name", path)};
  }
  return {doc["programs"], {}};
}

// A metric's value; stack_depth is the sum over subprograms. Missing or odd values read as 0.
int64_t metric(const Json& program, std::string_view name) {
  const auto it = program.find(std::string(name));
  if (it == program.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_array()) {
    int64_t sum = 0;
    for (const Json& depth : *it) sum += depth.is_number_integer() ? depth.get<int64_t>() : 0;
    return sum;
  }
  return 0;
}

std::string verdict(const Json* program) {
  if (program == nullptr) return "absent";
  const auto it = program->find("verdict");
  return it != program->end() && it->is_string() ? it->get<std::string>() : "unknown";
}

std::string percent(int64_t before, int64_t after) {
  if (before == 0) return after == 0 ? "0%" : "n/a";
  return fmt::format("{:+.1f}%", 100.0 * static_cast<double>(after - before) / static_cast<double>(before));
}

}  // namespace

int run_verify_compare(const std::string& old_path, const std::string& new_path, bool json, bool csv,
                       ColorMode color) {
  const ReadReport old_report = read_report(old_path);
  if (!old_report.error.empty()) return report_error("invalid_argument", old_report.error, 0, json, kExitUsage);
  const ReadReport new_report = read_report(new_path);
  if (!new_report.error.empty()) return report_error("invalid_argument", new_report.error, 0, json, kExitUsage);

  // Programs in the order they first appear: old run first, then any new ones.
  std::vector<std::string> names;
  std::map<std::string, std::pair<const Json*, const Json*>> pairs;
  for (const Json& program : old_report.programs) {
    const std::string name = program["name"].get<std::string>();
    if (!pairs.count(name)) names.push_back(name);
    pairs[name].first = &program;
  }
  for (const Json& program : new_report.programs) {
    const std::string name = program["name"].get<std::string>();
    if (!pairs.count(name)) names.push_back(name);
    pairs[name].second = &program;
  }

  Json programs = Json::array();
  TextTable table;
  table.headers = {"program", "metric", "old", "new", "diff", "diff_pct"};
  for (const std::string& name : names) {
    const auto [before, after] = pairs[name];
    Json entry{{"name", name},
               {"status", before && after ? "both" : before ? "only_old" : "only_new"},
               {"verdict", Json{{"old", verdict(before)}, {"new", verdict(after)}}}};
    Json metrics = Json::object();
    if (verdict(before) != verdict(after)) {
      table.rows.push_back({name, "verdict", verdict(before), verdict(after), "changed", ""});
      table.row_colors.push_back(verdict(after) == "rejected" ? "31" : "32");
    }
    for (std::string_view metric_name : kMetrics) {
      const Json old_value = before ? Json(metric(*before, metric_name)) : Json(nullptr);
      const Json new_value = after ? Json(metric(*after, metric_name)) : Json(nullptr);
      const Json delta = before && after ? Json(metric(*after, metric_name) - metric(*before, metric_name))
                                         : Json(nullptr);
      metrics[std::string(metric_name)] = Json{{"old", old_value}, {"new", new_value}, {"diff", delta}};
      const auto cell = [](const Json& value) { return value.is_null() ? std::string("-") : value.dump(); };
      table.rows.push_back({name, std::string(metric_name), cell(old_value), cell(new_value),
                            delta.is_null() ? "-" : fmt::format("{:+}", delta.get<int64_t>()),
                            delta.is_null() ? "" : percent(metric(*before, metric_name), metric(*after, metric_name))});
      // More verifier work is worse: red; less is green.
      const int64_t diff = delta.is_null() ? 0 : delta.get<int64_t>();
      table.row_colors.push_back(diff > 0 ? "31" : diff < 0 ? "32" : "");
    }
    entry["metrics"] = metrics;
    programs.push_back(entry);
  }

  if (json) {
    print_json(Json{{"old", old_path}, {"new", new_path}, {"programs", programs}});
  } else if (csv) {
    print_csv(table);
  } else {
    print_table(table, use_color(color, stdout));
  }
  return kExitOk;
}

}  // namespace bpfload::cli
