#include "verify_thresholds.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include <fmt/format.h>

namespace bpfload::cli {
namespace {

// The names are those of the library's StatChange (the JSON stat names).
const std::vector<std::string> kAllStats = {
    "insns_processed", "total_states", "peak_states", "max_states_per_insn", "mark_read",
    "verification_time_usec", "stack_depth", "insns", "xlated_size", "jited_size", "verified_insns"};

constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"insns", "insns_processed"},       {"total_insns", "insns_processed"},
    {"states", "total_states"},         {"duration", "verification_time_usec"},
    {"time_usec", "verification_time_usec"}, {"stack", "stack_depth"},
    {"prog_insns", "insns"},
};

std::string trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> split_commas(const std::vector<std::string>& lists) {
  std::vector<std::string> names;
  for (const std::string& list : lists) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      std::string name = trim(std::string_view(list).substr(start, end - start));
      if (!name.empty()) names.push_back(std::move(name));
      start = end + 1;
    }
  }
  return names;
}

Error bad_threshold(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("--threshold '{}': {}; give STAT>+N% (relative growth), STAT>+N (growth) "
                                "or STAT>N (new value), e.g. 'insns>+10%'",
                                text, why));
}

}  // namespace

const std::vector<std::string>& all_compared_stats() { return kAllStats; }

const std::vector<std::string>& default_compared_stats() {
  static const std::vector<std::string> defaults = [] {
    std::vector<std::string> names = kAllStats;
    names.erase(std::find(names.begin(), names.end(), "verification_time_usec"));
    return names;
  }();
  return defaults;
}

Result<std::string> canonical_stat(std::string_view name) {
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias) return std::string(canonical);
  }
  if (std::find(kAllStats.begin(), kAllStats.end(), name) != kAllStats.end()) return std::string(name);
  std::string known;
  for (const std::string& stat : kAllStats) known += (known.empty() ? "" : ", ") + stat;
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("unknown statistic '{}' (known: {}; veristat's insns, states, duration, stack)",
                                name, known));
}

Result<std::vector<std::string>> compared_stats(const std::vector<std::string>& chosen,
                                                const std::vector<std::string>& excluded) {
  std::vector<std::string> stats;
  const std::vector<std::string> chosen_names = split_commas(chosen);
  if (chosen_names.empty()) stats = default_compared_stats();
  for (const std::string& name : chosen_names) {
    if (name == "all") {
      stats = kAllStats;
      continue;
    }
    auto stat = canonical_stat(name);
    if (!stat) return stat.error().with_context("--stats");
    if (std::find(stats.begin(), stats.end(), *stat) == stats.end()) stats.push_back(*stat);
  }
  for (const std::string& name : split_commas(excluded)) {
    auto stat = canonical_stat(name);
    if (!stat) return stat.error().with_context("--exclude-stats");
    stats.erase(std::remove(stats.begin(), stats.end(), *stat), stats.end());
  }
  return stats;
}

Result<Threshold> parse_threshold(std::string_view text) {
  const size_t op = text.find('>');
  if (op == std::string_view::npos) return bad_threshold(text, "no '>'");
  Threshold threshold;
  threshold.text = std::string(text);
  auto stat = canonical_stat(trim(text.substr(0, op)));
  if (!stat) return bad_threshold(text, stat.error().message);
  threshold.stat = *stat;
  std::string limit = trim(text.substr(op + 1));
  threshold.kind = Threshold::Kind::Value;
  if (!limit.empty() && limit.front() == '+') {
    limit.erase(0, 1);
    threshold.kind = Threshold::Kind::Increase;
  }
  if (!limit.empty() && limit.back() == '%') {
    if (threshold.kind != Threshold::Kind::Increase) return bad_threshold(text, "a percentage needs a '+'");
    limit.pop_back();
    threshold.kind = Threshold::Kind::Percent;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), value);
  if (limit.empty() || ec != std::errc() || end != limit.data() + limit.size() || value < 0)
    return bad_threshold(text, fmt::format("'{}' is not a non-negative number", limit));
  threshold.limit = value;
  return threshold;
}

bool exceeds(const Threshold& threshold, int64_t before, int64_t after) {
  switch (threshold.kind) {
    case Threshold::Kind::Value: return static_cast<double>(after) > threshold.limit;
    case Threshold::Kind::Increase: return static_cast<double>(after - before) > threshold.limit;
    case Threshold::Kind::Percent:
      if (before == 0) return after > 0;
      return 100.0 * static_cast<double>(after - before) / static_cast<double>(before) > threshold.limit;
  }
  return false;
}

}  // namespace bpfload::cli
