// Comparing two verification runs program by program, veristat-style.
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

// The order of this table is the order changes are listed in.
constexpr std::array<std::string_view, kComparedStatCount> kStatNames = {
    "insns_processed", "total_states", "peak_states", "max_states_per_insn", "mark_read", "verification_time_usec",
    "stack_depth",     "insns",        "xlated_size", "jited_size",          "verified_insns"};

int64_t clamp_to_int64(uint64_t value) {
  return value > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(value);
}

// First index of each name: programs are matched by name.
std::unordered_map<std::string_view, size_t> index_by_name(const std::vector<ComparedProgram>& run) {
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(run.size());
  for (size_t i = 0; i < run.size(); ++i) index.try_emplace(run[i].name, i);
  return index;
}

const ComparedProgram* find(const std::unordered_map<std::string_view, size_t>& index,
                            const std::vector<ComparedProgram>& run, std::string_view name) {
  const auto found = index.find(name);
  return found == index.end() ? nullptr : &run[found->second];
}

StatsDelta compare_one(std::string_view name, const ComparedProgram* before, const ComparedProgram* after) {
  StatsDelta delta;
  delta.program = name;
  delta.old_report = before;
  delta.new_report = after;
  if (before == nullptr || after == nullptr) return delta;
  delta.verdict_changed = (before->verdict == Verdict::Accepted) != (after->verdict == Verdict::Accepted);
  for (size_t i = 0; i < kComparedStatCount; ++i) {
    if (before->values[i] != after->values[i])
      delta.changes.push_back(StatChange{kStatNames[i], before->values[i], after->values[i]});
  }
  return delta;
}

}  // namespace

const std::array<std::string_view, kComparedStatCount>& compared_stat_names() noexcept { return kStatNames; }

std::optional<size_t> compared_stat_index(std::string_view name) noexcept {
  for (size_t i = 0; i < kStatNames.size(); ++i)
    if (kStatNames[i] == name) return i;
  return std::nullopt;
}

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::Accepted: return "accepted";
    case Verdict::Unsupported: return "unsupported";
    case Verdict::Rejected: break;
  }
  return "rejected";
}

ComparedProgram compared_program(const VerifyReport& report) {
  const ProgramResult& r = report.result;
  ComparedProgram out;
  out.name = r.name;
  out.verdict = r.loaded ? Verdict::Accepted : r.unsupported ? Verdict::Unsupported : Verdict::Rejected;
  uint64_t stack = 0;
  for (uint32_t depth : r.stats.stack_depth) stack += depth;
  out.values = {r.stats.insns_processed,       r.stats.total_states, r.stats.peak_states,
                r.stats.max_states_per_insn,   r.stats.mark_read,    clamp_to_int64(r.stats.verification_time_usec),
                clamp_to_int64(stack),         r.insns,              r.xlated_size,
                r.jited_size,                  r.verified_insns};
  return out;
}

std::vector<StatsDelta> compare_runs(const std::vector<ComparedProgram>& old_run,
                                     const std::vector<ComparedProgram>& new_run) {
  const auto old_index = index_by_name(old_run);
  const auto new_index = index_by_name(new_run);
  std::vector<StatsDelta> deltas;
  deltas.reserve(new_run.size());
  for (const ComparedProgram& now : new_run) deltas.push_back(compare_one(now.name, find(old_index, old_run, now.name), &now));
  for (const ComparedProgram& before : old_run) {
    if (!new_index.contains(before.name)) deltas.push_back(compare_one(before.name, &before, nullptr));
  }
  return deltas;
}

bool has_difference(const StatsDelta& delta) {
  return delta.old_report == nullptr || delta.new_report == nullptr || delta.verdict_changed || !delta.changes.empty();
}

}  // namespace bpfload
