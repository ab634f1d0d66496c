// The verifier's closing statistics. The kernel prints them last, so the last
// occurrence of each line wins (a rotated log may also hold an earlier subprogram's).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "bpfload/verifier_log.hpp"

namespace bpfload {
namespace {

/// Parses the unsigned number at the start of `text`, advancing past it.
template <typename T>
bool take_number(std::string_view& text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc{} || end == text.data()) return false;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return true;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

/// Reads "key N" pairs of the processed line in any order.
void parse_processed(std::string_view line, VerifierStats& stats) {
  VerifierStats parsed;
  if (!take_prefix(line, "processed ") || !take_number(line, parsed.insns_processed)) return;
  if (!take_prefix(line, " insns")) return;
  parsed.present = true;
  if (take_prefix(line, " (limit ")) take_number(line, parsed.insn_limit);
  const struct {
    std::string_view key;
    uint32_t VerifierStats::*field;
  } keys[] = {{"max_states_per_insn ", &VerifierStats::max_states_per_insn},
              {"total_states ", &VerifierStats::total_states},
              {"peak_states ", &VerifierStats::peak_states},
              {"mark_read ", &VerifierStats::mark_read}};
  for (const auto& [key, field] : keys) {
    const size_t at = line.find(key);
    if (at == std::string_view::npos) continue;
    std::string_view rest = line.substr(at + key.size());
    take_number(rest, parsed.*field);
  }
  parsed.verification_time_usec = stats.verification_time_usec;
  parsed.stack_depth = std::move(stats.stack_depth);
  stats = std::move(parsed);
}

}  // namespace

VerifierStats parse_verifier_stats(std::string_view log) {
  VerifierStats stats;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    std::string_view line = log.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("processed ")) {
      parse_processed(line, stats);
    } else if (take_prefix(line, "verification time ")) {
      uint64_t usec = 0;
      if (take_number(line, usec)) stats.verification_time_usec = usec;
    } else if (take_prefix(line, "stack depth ")) {
      std::vector<uint32_t> depths;
      uint32_t depth = 0;
      while (take_number(line, depth)) {
        depths.push_back(depth);
        if (!take_prefix(line, "+")) break;
      }
      if (!depths.empty()) stats.stack_depth = std::move(depths);
    }
  }
  return stats;
}

std::string last_meaningful_log_line(std::string_view log) {
  size_t end = log.size();
  while (end > 0) {
    while (end > 0 && (log[end - 1] == '\n' || log[end - 1] == ' ')) --end;
    const size_t start = log.rfind('\n', end == 0 ? 0 : end - 1);
    const size_t from = start == std::string_view::npos ? 0 : start + 1;
    const std::string_view line = log.substr(from, end - from);
    // Skip the closing statistics: the reason is the line before them.
    if (!line.empty() && !is_verifier_statistics_line(line)) return std::string(line);
    end = from;
  }
  return {};
}

bool is_verifier_statistics_line(std::string_view line) noexcept {
  return line.starts_with("processed ") || line.starts_with("verification time ") ||
         line.starts_with("stack depth ") || line.starts_with("-- END PROG LOAD LOG --");
}

}  // namespace bpfload
