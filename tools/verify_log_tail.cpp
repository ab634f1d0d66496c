#include "verify_log_tail.hpp"

namespace bpfload::cli {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

LogTail log_tail(std::string_view log, size_t max_lines) {
  // Walk back from the end so a huge log is not split into lines first.
  size_t end = log.size();
  while (end > 0 && log[end - 1] == '\n') --end;
  size_t total = 0;
  size_t kept_start = 0;
  bool cut = false;
  size_t position = end;
  while (position > 0) {
    const size_t newline = log.rfind('\n', position - 1);
    const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    ++total;
    if (max_lines == 0 || total <= max_lines) {
      kept_start = line_start;
    } else {
      cut = true;
    }
    if (newline == std::string_view::npos) break;
    position = newline;
  }
  LogTail tail;
  tail.total_lines = total;
  tail.complete = !cut;
  if (end > kept_start) {
    tail.text = std::string(log.substr(kept_start, end - kept_start));
    tail.text += '\n';
  }
  return tail;
}

}  // namespace bpfload::cli
