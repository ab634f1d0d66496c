// Comparing two verification runs program by program, veristat-style.
#include <algorithm>
#include <numeric>
#include <utility>

#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

struct NamedStat {
  const char* name;
  int64_t (*value)(const VerifyReport&);
};

// The order of this table is the order changes are listed in.
constexpr NamedStat kStats[] = {
    {"insns_processed", [](const VerifyReport& r) -> int64_t { return r.result.stats.insns_processed; }},
    {"total_states", [](const VerifyReport& r) -> int64_t { return r.result.stats.total_states; }},
    {"peak_states", [](const VerifyReport& r) -> int64_t { return r.result.stats.peak_states; }},
    {"max_states_per_insn", [](const VerifyReport& r) -> int64_t { return r.result.stats.max_states_per_insn; }},
    {"mark_read", [](const VerifyReport& r) -> int64_t { return r.result.stats.mark_read; }},
    {"verification_time_usec",
     [](const VerifyReport& r) -> int64_t { return static_cast<int64_t>(r.result.stats.verification_time_usec); }},
    {"stack_depth",
     [](const VerifyReport& r) -> int64_t {
       const auto& depth = r.result.stats.stack_depth;
       return std::accumulate(depth.begin(), depth.end(), int64_t{0});
     }},
    {"insns", [](const VerifyReport& r) -> int64_t { return r.result.insns; }},
    {"xlated_size", [](const VerifyReport& r) -> int64_t { return r.result.xlated_size; }},
    {"jited_size", [](const VerifyReport& r) -> int64_t { return r.result.jited_size; }},
    {"verified_insns", [](const VerifyReport& r) -> int64_t { return r.result.verified_insns; }},
};

const VerifyReport* find_report(const std::vector<VerifyReport>& reports, const std::string& name) {
  auto it = std::find_if(reports.begin(), reports.end(),
                         [&](const VerifyReport& r) { return r.result.name == name; });
  return it == reports.end() ? nullptr : &*it;
}

StatsDelta compare_one(const std::string& name, const VerifyReport* old_report, const VerifyReport* new_report) {
  StatsDelta delta;
  delta.program = name;
  if (old_report != nullptr) delta.old_report = *old_report;
  if (new_report != nullptr) delta.new_report = *new_report;
  if (old_report == nullptr || new_report == nullptr) return delta;
  delta.verdict_changed = old_report->result.loaded != new_report->result.loaded;
  for (const NamedStat& stat : kStats) {
    int64_t before = stat.value(*old_report);
    int64_t after = stat.value(*new_report);
    if (before != after) delta.changes.push_back(StatChange{stat.name, before, after});
  }
  return delta;
}

}  // namespace

std::vector<StatsDelta> compare_reports(const std::vector<VerifyReport>& old_reports,
                                        const std::vector<VerifyReport>& new_reports) {
  std::vector<StatsDelta> deltas;
  for (const VerifyReport& now : new_reports)
    deltas.push_back(compare_one(now.result.name, find_report(old_reports, now.result.name), &now));
  for (const VerifyReport& before : old_reports) {
    if (find_report(new_reports, before.result.name) == nullptr)
      deltas.push_back(compare_one(before.result.name, &before, nullptr));
  }
  return deltas;
}

bool has_difference(const StatsDelta& delta) {
  return !delta.old_report || !delta.new_report || delta.verdict_changed || !delta.changes.empty();
}

}  // namespace bpfload
