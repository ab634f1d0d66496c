// The JSON schema of verification reports (documented in verify.hpp): written by
// `bpfload verify --json`, read back by `bpfload verify --compare`.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

using nlohmann::json;

// An integer in [low, high]; floats, strings and numbers out of range are refused by name.
Result<int64_t> json_integer(const json& value, std::string_view key, int64_t low, int64_t high) {
  const auto out_of_range = [&](const std::string& shown) {
    return make_error(ErrorKind::Malformed,
                      fmt::format("key '{}': {} is out of range ({} to {})", key, shown, low, high));
  };
  if (value.is_number_unsigned()) {
    const uint64_t number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(high)) return out_of_range(std::to_string(number));
    if (static_cast<int64_t>(number) < low) return out_of_range(std::to_string(number));
    return static_cast<int64_t>(number);
  }
  if (value.is_number_integer()) {
    const int64_t number = value.get<int64_t>();
    if (number < low || number > high) return out_of_range(std::to_string(number));
    return number;
  }
  return make_error(ErrorKind::Malformed, fmt::format("key '{}': {} is not an integer", key, value.type_name()));
}

constexpr const char* kSchema = "bpfload-verify/1";

json source_to_json(const SourceLine& source) {
  return json{{"file", source.file}, {"line", source.line}, {"column", source.column}, {"text", source.text}};
}

json stats_to_json(const VerifierStats& stats) {
  return json{{"present", stats.present},
              {"insns_processed", stats.insns_processed},
              {"insn_limit", stats.insn_limit},
              {"max_states_per_insn", stats.max_states_per_insn},
              {"total_states", stats.total_states},
              {"peak_states", stats.peak_states},
              {"mark_read", stats.mark_read},
              {"verification_time_usec", stats.verification_time_usec},
              {"stack_depth", stats.stack_depth}};
}

/// Reads key `key` of `object` into `out` when present; a present key of the wrong
/// type is an error naming the key.
/// Integers are range-checked: nlohmann converts with a cast, so 4294967296 read into a
/// uint32_t would silently become 0.
template <typename T>
Status read_optional(const json& object, const char* key, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    Result<int64_t> number = json_integer(*it, key, std::numeric_limits<T>::min(),
                                          static_cast<int64_t>(std::min<uint64_t>(std::numeric_limits<T>::max(),
                                                                                  INT64_MAX)));
    if (!number.ok()) return std::move(number).error();
    out = static_cast<T>(*number);
    return {};
  }
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    return make_error(ErrorKind::Malformed, fmt::format("key '{}': {}", key, e.what()));
  }
  return {};
}

Result<SourceLine> source_from_json(const json& object) {
  if (!object.is_object()) return make_error(ErrorKind::Malformed, "source line is not an object");
  SourceLine source;
  BPFLOAD_TRY(read_optional(object, "file", source.file));
  BPFLOAD_TRY(read_optional(object, "line", source.line));
  BPFLOAD_TRY(read_optional(object, "column", source.column));
  BPFLOAD_TRY(read_optional(object, "text", source.text));
  return source;
}

Result<VerifierStats> stats_from_json(const json& object) {
  VerifierStats stats;
  if (!object.is_object()) return make_error(ErrorKind::Malformed, "key 'stats' is not an object");
  BPFLOAD_TRY(read_optional(object, "present", stats.present));
  BPFLOAD_TRY(read_optional(object, "insns_processed", stats.insns_processed));
  BPFLOAD_TRY(read_optional(object, "insn_limit", stats.insn_limit));
  BPFLOAD_TRY(read_optional(object, "max_states_per_insn", stats.max_states_per_insn));
  BPFLOAD_TRY(read_optional(object, "total_states", stats.total_states));
  BPFLOAD_TRY(read_optional(object, "peak_states", stats.peak_states));
  BPFLOAD_TRY(read_optional(object, "mark_read", stats.mark_read));
  BPFLOAD_TRY(read_optional(object, "verification_time_usec", stats.verification_time_usec));
  if (auto it = object.find("stack_depth"); it != object.end() && !it->is_null()) {
    if (!it->is_array()) return make_error(ErrorKind::Malformed, "key 'stack_depth' is not an array");
    for (const json& depth : *it) {
      Result<int64_t> number = json_integer(depth, "stack_depth", 0, UINT32_MAX);
      if (!number.ok()) return std::move(number).error();
      stats.stack_depth.push_back(static_cast<uint32_t>(*number));
    }
  }
  return stats;
}

}  // namespace

std::string_view verdict_name(const VerifyReport& report) noexcept {
  if (report.result.loaded) return "accepted";
  return report.result.unsupported ? "unsupported" : "rejected";
}

json report_to_json(const VerifyReport& report, bool include_log) {
  const ProgramResult& r = report.result;
  json out{{"name", r.name},
           {"section", r.section},
           {"type", program_type_name(r.type)},
           {"verdict", verdict_name(report)},
           {"errno", r.sys_errno},
           {"error", r.error},
           {"insns", r.insns},
           {"xlated_size", r.xlated_size},
           {"jited_size", r.jited_size},
           {"verified_insns", r.verified_insns},
           {"log_truncated", r.log_truncated},
           {"log_true_size", r.log_true_size},
           {"load_attempts", r.load_attempts},
           {"stats", stats_to_json(r.stats)},
           {"failed_insn", report.failed_insn ? json(*report.failed_insn) : json(nullptr)},
           {"failed_source", report.failed_source ? source_to_json(*report.failed_source) : json(nullptr)},
           {"kernel_message", report.kernel_message},
           {"core_poisoned", r.core_poisoned},
           {"poisoned_by", report.poisoned_by}};
  json costs = json::array();
  for (const SourceCost& cost : report.costs)
    costs.push_back(json{{"source", source_to_json(cost.source)}, {"insns", cost.insns}, {"states", cost.states}});
  out["costs"] = std::move(costs);
  if (include_log) out["log"] = r.verifier_log;
  return out;
}

json reports_to_json(const std::vector<VerifyReport>& reports, bool include_log) {
  json programs = json::array();
  for (const VerifyReport& report : reports) programs.push_back(report_to_json(report, include_log));
  return json{{"schema", kSchema}, {"programs", std::move(programs)}};
}

Result<VerifyReport> report_from_json(const json& object) {
  if (!object.is_object()) return make_error(ErrorKind::Malformed, "report is not an object");
  VerifyReport report;
  ProgramResult& r = report.result;
  if (!object.contains("name") || !object["name"].is_string())
    return make_error(ErrorKind::Malformed, "report has no string key 'name'");
  BPFLOAD_TRY(read_optional(object, "name", r.name));
  BPFLOAD_TRY(read_optional(object, "section", r.section));
  std::string type_name;
  BPFLOAD_TRY(read_optional(object, "type", type_name));
  if (!type_name.empty()) {
    if (auto type = program_type_from_name(type_name); type.ok()) r.type = *type;
  }
  std::string verdict;
  BPFLOAD_TRY(read_optional(object, "verdict", verdict));
  if (verdict != "accepted" && verdict != "rejected" && verdict != "unsupported")
    return make_error(ErrorKind::Malformed,
                      fmt::format("program '{}': key 'verdict' is '{}', not accepted/rejected/unsupported",
                                  r.name, verdict));
  r.loaded = verdict == "accepted";
  r.unsupported = verdict == "unsupported";
  BPFLOAD_TRY(read_optional(object, "errno", r.sys_errno));
  BPFLOAD_TRY(read_optional(object, "error", r.error));
  BPFLOAD_TRY(read_optional(object, "insns", r.insns));
  BPFLOAD_TRY(read_optional(object, "xlated_size", r.xlated_size));
  BPFLOAD_TRY(read_optional(object, "jited_size", r.jited_size));
  BPFLOAD_TRY(read_optional(object, "verified_insns", r.verified_insns));
  BPFLOAD_TRY(read_optional(object, "log_truncated", r.log_truncated));
  BPFLOAD_TRY(read_optional(object, "log_true_size", r.log_true_size));
  BPFLOAD_TRY(read_optional(object, "load_attempts", r.load_attempts));
  BPFLOAD_TRY(read_optional(object, "log", r.verifier_log));
  if (auto it = object.find("stats"); it != object.end() && !it->is_null()) {
    auto stats = stats_from_json(*it);
    if (!stats.ok()) return std::move(stats).error().with_context(fmt::format("program '{}'", r.name));
    r.stats = std::move(stats).value();
  }
  uint32_t failed_insn = 0;
  if (auto it = object.find("failed_insn"); it != object.end() && !it->is_null()) {
    BPFLOAD_TRY(read_optional(object, "failed_insn", failed_insn));
    report.failed_insn = failed_insn;
  }
  if (auto it = object.find("failed_source"); it != object.end() && !it->is_null()) {
    auto source = source_from_json(*it);
    if (!source.ok()) return std::move(source).error().with_context(fmt::format("program '{}': failed_source", r.name));
    report.failed_source = std::move(source).value();
  }
  BPFLOAD_TRY(read_optional(object, "kernel_message", report.kernel_message));
  BPFLOAD_TRY(read_optional(object, "poisoned_by", report.poisoned_by));
  BPFLOAD_TRY(read_optional(object, "core_poisoned", r.core_poisoned));
  if (auto it = object.find("costs"); it != object.end() && !it->is_null()) {
    if (!it->is_array()) return make_error(ErrorKind::Malformed, fmt::format("program '{}': key 'costs' is not an array", r.name));
    for (const json& entry : *it) {
      if (!entry.is_object()) return make_error(ErrorKind::Malformed, fmt::format("program '{}': a cost is not an object", r.name));
      SourceCost cost;
      if (auto source = entry.find("source"); source != entry.end()) {
        auto parsed = source_from_json(*source);
        if (!parsed.ok()) return std::move(parsed).error().with_context(fmt::format("program '{}': costs", r.name));
        cost.source = std::move(parsed).value();
      }
      BPFLOAD_TRY(read_optional(entry, "insns", cost.insns));
      BPFLOAD_TRY(read_optional(entry, "states", cost.states));
      report.costs.push_back(std::move(cost));
    }
  }
  return report;
}

Result<std::vector<VerifyReport>> reports_from_json(const json& document) {
  const json* programs = &document;
  if (document.is_object()) {
    auto schema = document.find("schema");
    if (schema != document.end() && (!schema->is_string() || schema->get<std::string>() != kSchema))
      // Named by type, never dumped: a hostile value may nest deeper than the stack.
      return make_error(ErrorKind::Malformed,
                        fmt::format("unknown report schema {} (expected \"{}\")",
                                    schema->is_string() ? "\"" + schema->get<std::string>() + "\""
                                                        : std::string("of type ") + schema->type_name(),
                                    kSchema));
    auto it = document.find("programs");
    if (it == document.end()) return make_error(ErrorKind::Malformed, "report document has no key 'programs'");
    programs = &*it;
  }
  if (!programs->is_array()) return make_error(ErrorKind::Malformed, "reports are not a JSON array");
  std::vector<VerifyReport> reports;
  size_t index = 0;
  for (const json& entry : *programs) {
    auto report = report_from_json(entry);
    if (!report.ok()) return std::move(report).error().with_context(fmt::format("report #{}", index));
    reports.push_back(std::move(report).value());
    ++index;
  }
  return reports;
}

Result<ComparedProgram> compared_program_from_json(const json& object) {
  if (!object.is_object()) return make_error(ErrorKind::Malformed, "report is not an object");
  ComparedProgram program;
  if (!object.contains("name") || !object["name"].is_string())
    return make_error(ErrorKind::Malformed, "report has no string key 'name'");
  program.name = object["name"].get<std::string>();
  const auto context = [&](Error error) { return error.with_context(fmt::format("program '{}'", program.name)); };
  std::string verdict;
  if (Status read = read_optional(object, "verdict", verdict); !read.ok()) return context(std::move(read).error());
  if (verdict == "accepted") program.verdict = Verdict::Accepted;
  else if (verdict == "rejected") program.verdict = Verdict::Rejected;
  else if (verdict == "unsupported") program.verdict = Verdict::Unsupported;
  else return context(make_error(ErrorKind::Malformed,
                                 fmt::format("key 'verdict' is '{}', not accepted/rejected/unsupported", verdict)));
  const json empty = json::object();
  const auto stats_it = object.find("stats");
  const json& stats = stats_it != object.end() && stats_it->is_object() ? *stats_it : empty;
  if (stats_it != object.end() && !stats_it->is_null() && !stats_it->is_object())
    return context(make_error(ErrorKind::Malformed, "key 'stats' is not an object"));
  const auto& names = compared_stat_names();
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string key(names[i]);
    const bool in_stats = key != "insns" && key != "xlated_size" && key != "jited_size" && key != "verified_insns";
    const json& holder = in_stats ? stats : object;
    auto it = holder.find(key);
    if (it == holder.end() || it->is_null()) continue;
    if (key == "stack_depth") {
      if (!it->is_array()) return context(make_error(ErrorKind::Malformed, "key 'stack_depth' is not an array"));
      int64_t sum = 0;
      for (const json& depth : *it) {
        Result<int64_t> number = json_integer(depth, key, 0, UINT32_MAX);
        if (!number.ok()) return context(std::move(number).error());
        sum += *number;  // at most 2^32 per entry: overflow needs 2^31 entries, more than any input holds
      }
      program.values[i] = sum;
      continue;
    }
    // The sizes of a program are 32-bit in the kernel's bpf_prog_info; statistics 64-bit.
    Result<int64_t> number = json_integer(*it, key, 0, in_stats ? INT64_MAX : int64_t{UINT32_MAX});
    if (!number.ok()) return context(std::move(number).error());
    program.values[i] = *number;
  }
  return program;
}

}  // namespace bpfload
