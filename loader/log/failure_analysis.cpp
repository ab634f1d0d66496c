// Reading verifier logs as data: which instruction failed and why, and how the
// verifier's work spreads over source lines. Hand-written line scanning rather than
// std::regex: a level-2 log can be hundreds of megabytes.
#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "bpfload/verifier_log.hpp"

namespace bpfload {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// Parses the decimal number at the start of `s`; advances `s` past it.
std::optional<uint32_t> take_number(std::string_view& s) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}

/// "N: (xx) ..." at column 0: an instruction the verifier walked. The indented
/// lines of the liveness table ("   4: 0123.. (07) ...") are not.
std::optional<uint32_t> instruction_line(std::string_view line) {
  auto index = take_number(line);
  if (!index || !starts_with(line, ": (") || line.size() < 6 || line[5] != ')') return std::nullopt;
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (!is_hex(line[3]) || !is_hex(line[4])) return std::nullopt;
  return index;
}

/// A state boundary: "from A to B: ..." (path resumed at B) or "N: safe" (pruned at N).
struct StateLine {
  uint32_t insn = 0;
  bool resumed = false;  ///< "from A to B:" that is not immediately pruned
};

std::optional<StateLine> state_line(std::string_view line) {
  if (starts_with(line, "from ")) {
    line.remove_prefix(5);
    if (!take_number(line) || !starts_with(line, " to ")) return std::nullopt;
    line.remove_prefix(4);
    auto to = take_number(line);
    if (!to || !starts_with(line, ":")) return std::nullopt;
    return StateLine{*to, line != ": safe"};
  }
  auto at = take_number(line);
  if (!at || line != ": safe") return std::nullopt;
  return StateLine{*at, false};
}

/// The kernel's "; <source text> @ <file>:<line>" annotation.
std::optional<SourceLine> annotation_line(std::string_view line) {
  if (!starts_with(line, "; ")) return std::nullopt;
  size_t at = line.rfind(" @ ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view where = line.substr(at + 3);
  size_t colon = where.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view number = where.substr(colon + 1);
  auto line_number = take_number(number);
  if (!line_number || !number.empty()) return std::nullopt;
  SourceLine source;
  source.file = std::string(where.substr(0, colon));
  source.line = *line_number;
  source.text = std::string(line.substr(2, at - 2));
  return source;
}

/// Bookkeeping the verifier prints around instructions: register states, precision
/// backtracking, call frames, the liveness table. Never the reason it gave up.
bool bookkeeping_line(std::string_view line) {
  if (line.empty() || line.front() == ' ' || line.front() == '\t') return true;
  static constexpr std::string_view kPrefixes[] = {
      "mark_precise:", "frame", "caller:", "callee:", "returning from callee:", "to caller at ",
      "func#", "Live regs before insn:", "SCC ", "last_idx ", "regs=", "parent ", "propagating ",
      "Validating ", "from ", "; "};
  for (std::string_view prefix : kPrefixes)
    if (starts_with(line, prefix)) return true;
  std::string_view rest = line;
  // "N: R1=... R10=fp0" and "N: frame1: R1=..." are state dumps; "N: safe" a prune.
  if (take_number(rest) && starts_with(rest, ": ") &&
      (starts_with(rest, ": R") || starts_with(rest, ": frame") || rest == ": safe"))
    return true;
  return false;
}

/// Calls `visit` with each line (without its newline). Streams: a level-2 log can hold
/// tens of millions of lines, too many to index up front.
template <typename Visit>
void for_each_line(std::string_view log, Visit&& visit) {
  while (!log.empty()) {
    size_t end = log.find('\n');
    std::string_view line = log.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    visit(line);
    if (end == std::string_view::npos) break;
    log.remove_prefix(end + 1);
  }
}

std::string join(const std::vector<std::string_view>& lines) {
  std::string out;
  for (std::string_view line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace

const SourceLine* SourceLineTable::find(uint32_t insn) const {
  if (insn >= insn_to_line.size()) return nullptr;
  int32_t index = insn_to_line[insn];
  if (index < 0 || static_cast<size_t>(index) >= lines.size()) return nullptr;
  return &lines[static_cast<size_t>(index)];
}

LogFailure analyze_failure_log(std::string_view log) {
  // The kernel pads a truncated or unfinished log with NULs in some versions.
  log = log.substr(0, log.find('\0'));
  LogFailure failure;
  std::optional<SourceLine> current_annotation;
  // The reason follows the failing instruction; without one (CFG checks, BTF errors)
  // it is the last meaningful line of the whole log.
  constexpr size_t kMaxMessageLines = 4;
  std::vector<std::string_view> message;
  for_each_line(log, [&](std::string_view line) {
    if (auto source = annotation_line(line)) {
      current_annotation = std::move(source);
      return;
    }
    if (auto insn = instruction_line(line)) {
      failure.insn = insn;
      failure.annotation = current_annotation;
      message.clear();
      return;
    }
    if (is_verifier_statistics_line(line) || bookkeeping_line(line)) return;
    message.push_back(line);
  });
  if (!failure.insn && message.size() > 1) message.erase(message.begin(), message.end() - 1);
  if (message.size() > kMaxMessageLines)
    message.erase(message.begin(), message.end() - static_cast<ptrdiff_t>(kMaxMessageLines));
  failure.message = join(message);
  return failure;
}

std::vector<SourceCost> source_costs(std::string_view log, const SourceLineTable& table) {
  log = log.substr(0, log.find('\0'));
  // Keyed by (file, line): columns of one line are one line to a developer.
  std::map<std::pair<std::string, uint32_t>, SourceCost> by_line;
  auto cost_for = [&](const SourceLine& source) -> SourceCost& {
    SourceCost& cost = by_line[{source.file, source.line}];
    if (cost.source.file.empty() && cost.source.line == 0 && cost.source.text.empty()) cost.source = source;
    if (cost.source.text.empty()) cost.source.text = source.text;
    return cost;
  };
  static const SourceLine kUnknown;
  // Consecutive instructions nearly always share a line: skip the map lookup for them.
  const SourceLine* cached_source = nullptr;
  SourceCost* cached_cost = nullptr;
  auto cost_of = [&](const SourceLine& source) -> SourceCost& {
    if (&source != cached_source) {
      cached_source = &source;
      cached_cost = &cost_for(source);
    }
    return *cached_cost;
  };

  std::optional<SourceLine> current_annotation;
  uint32_t deferred_states = 0;  // "from A to B:" with B unknown to the table: B's next insn line
  for_each_line(log, [&](std::string_view line) {
    if (auto source = annotation_line(line)) {
      current_annotation = std::move(source);
      cached_source = nullptr;  // the annotation changed in place
      return;
    }
    if (auto insn = instruction_line(line)) {
      const SourceLine* source = table.find(*insn);
      if (source == nullptr) source = current_annotation ? &*current_annotation : &kUnknown;
      SourceCost& cost = cost_of(*source);
      cost.insns += 1;
      cost.states += std::exchange(deferred_states, 0);
      return;
    }
    if (auto state = state_line(line)) {
      if (const SourceLine* source = table.find(state->insn)) {
        cost_for(*source).states += 1;
      } else if (state->resumed) {
        deferred_states += 1;
      } else {
        cost_for(current_annotation ? *current_annotation : kUnknown).states += 1;
      }
    }
  });
  if (deferred_states != 0) cost_for(current_annotation ? *current_annotation : kUnknown).states += deferred_states;

  std::vector<SourceCost> costs;
  costs.reserve(by_line.size());
  for (auto& [key, cost] : by_line) costs.push_back(std::move(cost));
  std::stable_sort(costs.begin(), costs.end(), [](const SourceCost& a, const SourceCost& b) {
    return std::tie(b.insns, b.states) < std::tie(a.insns, a.states);
  });
  return costs;
}

}  // namespace bpfload
