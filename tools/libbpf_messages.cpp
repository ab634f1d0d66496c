#include "libbpf_messages.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string_view>

#include <bpf/libbpf.h>

namespace bpfload::cli {
namespace {

constexpr size_t kMaxMessages = 16;

std::mutex g_mutex;
std::vector<std::string>& captured() {
  static std::vector<std::string> messages;
  return messages;
}

std::string_view without_prefix(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix ? text.substr(prefix.size()) : text;
}

// libbpf may print from any thread that calls into it (programs load in parallel).
int capture(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buffer[1024];
  va_list copy;
  va_copy(copy, args);
  const int length = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (length <= 0) return 0;
  std::string_view text(buffer, std::min(static_cast<size_t>(length), sizeof(buffer) - 1));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  text = without_prefix(without_prefix(text, "libbpf: "), "Kernel error message: ");
  if (text.empty()) return 0;
  const std::lock_guard lock(g_mutex);
  std::vector<std::string>& messages = captured();
  if (messages.size() >= kMaxMessages || std::find(messages.begin(), messages.end(), text) != messages.end()) return 0;
  messages.emplace_back(text);
  return 0;
}

}  // namespace

void capture_libbpf_messages() { libbpf_set_print(capture); }

std::vector<std::string> take_libbpf_messages() {
  const std::lock_guard lock(g_mutex);
  std::vector<std::string> messages;
  messages.swap(captured());
  return messages;
}

}  // namespace bpfload::cli
