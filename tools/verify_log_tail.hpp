// The bounded tail of a verifier log that reports keep (a level-2 log can be gigabytes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bpfload::cli {

/// Lines kept by default: enough for the failing instruction's register state, the
/// kernel's message and the statistics lines after it.
inline constexpr size_t kDefaultLogTailLines = 20;

/// The last lines of a log.
struct LogTail {
  std::string text;          ///< the kept lines, each ending in '\n'
  size_t total_lines = 0;    ///< lines of the whole log
  bool complete = true;      ///< nothing was cut
};

/// The last `max_lines` lines of `log` (all of them when `max_lines` is 0). Trailing
/// empty lines are not counted.
[[nodiscard]] LogTail log_tail(std::string_view log, size_t max_lines);

/// `text` split at '\n', without trailing empty lines.
[[nodiscard]] std::vector<std::string> split_lines(std::string_view text);

}  // namespace bpfload::cli
