#include "cli_output.hpp"
#include "libbpf_messages.hpp"

#include <algorithm>

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

namespace bpfload::cli {

int exit_code_for(const Error& error) noexcept {
  return error.kind == ErrorKind::Kernel ? kExitRefused : kExitUsage;
}

Json error_json(std::string_view kind, std::string_view message, int sys_errno) {
  Json error;
  error["kind"] = kind;
  error["message"] = message;
  error["errno"] = sys_errno == 0 ? Json(nullptr) : Json(sys_errno);
  return error;
}

Json error_json(const Error& error) {
  return error_json(to_string(error.kind), error.message, error.sys_errno);
}

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    // C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8; some terminals obey them.
    if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\xc2\\x{:02x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
      continue;
    }
    if (byte >= 0x20 && byte != 0x7f) {
      out += static_cast<char>(byte);
      continue;
    }
    switch (byte) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case 0x1b: out += "\\e"; break;
      default: out += fmt::format("\\x{:02x}", byte); break;
    }
  }
  return out;
}

void print_error_line(std::string_view message) {
  fmt::print(stderr, "bpfload: {}\n", escape_for_terminal(message));
  // What libbpf reported during the command (often the kernel's extended ack of a
  // netlink request), once. Not tied to this error: libbpf's messages carry no request.
  for (const std::string& reported : take_libbpf_messages())
    fmt::print(stderr, "bpfload:   libbpf reported during this command: {}\n", escape_for_terminal(reported));
}

int report_error(std::string_view kind, std::string_view message, int sys_errno, bool json,
                 int exit_code) {
  print_error_line(message);
  if (json) print_json(Json{{"error", error_json(kind, message, sys_errno)}});
  return exit_code;
}

int report_error(const Error& error, bool json) {
  return report_error(to_string(error.kind), error.message, error.sys_errno, json,
                      exit_code_for(error));
}

namespace {
bool g_pretty_json = false;
// nlohmann's indent: -1 is one line.
int json_indent() { return g_pretty_json ? 2 : -1; }
}  // namespace

void set_pretty_json(bool pretty) noexcept { g_pretty_json = pretty; }

void add_json_flags(CLI::App& command, bool& json) {
  command.add_flag("--json", json, "print one JSON document, on one line (see docs/cli.md)");
  command.add_flag_callback(
      "--pretty",
      [&json] {
        json = true;
        set_pretty_json(true);
      },
      "print the JSON document indented (implies --json)");
}

void add_color_option(CLI::App& command, ColorMode& mode) {
  command.add_option("--color", mode, "colour: auto (a terminal, unless NO_COLOR or TERM=dumb), always or never")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, ColorMode>{
              {"auto", ColorMode::Auto}, {"always", ColorMode::Always}, {"never", ColorMode::Never}},
          CLI::ignore_case))
      ->option_text("WHEN");
}

void print_json(const Json& document) {
  // Invalid UTF-8 in a verifier log or symbol must not abort the dump.
  const std::string text = document.dump(json_indent(), ' ', false, Json::error_handler_t::replace);
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

Json streamed_array_placeholder(size_t index) { return Json(fmt::format("\x01" "bpfload-streamed-{}\x01", index)); }

void print_json_streaming(const Json& document, std::span<const std::string_view> keys, size_t count,
                          const std::function<void(size_t, const std::function<void(const Json&)>&)>& elements) {
  const int indent = json_indent();
  const std::string text = document.dump(indent, ' ', false, Json::error_handler_t::replace);
  const std::string_view space = indent < 0 ? "" : " ";
  size_t written = 0;
  for (size_t index = 0; index < count; ++index) {
    const std::string placeholder = fmt::format("\"\\u0001bpfload-streamed-{}\\u0001\"", index);
    // Only the value of one of `keys` is a placeholder: a name dumped the same way is not.
    size_t at = std::string::npos;
    size_t key_size = 0;
    for (size_t from = written; at == std::string::npos;) {
      const size_t found = text.find(placeholder, from);
      if (found == std::string::npos) break;
      for (std::string_view key : keys) {
        const std::string key_part = fmt::format("\"{}\":{}", key, space);
        if (found >= key_part.size() && text.compare(found - key_part.size(), key_part.size(), key_part) == 0) {
          at = found - key_part.size();
          key_size = key_part.size();
          break;
        }
      }
      from = found + placeholder.size();
    }
    if (at == std::string::npos) break;
    const size_t value_at = at + key_size;
    std::fwrite(text.data() + written, 1, value_at - written, stdout);
    // Pretty: elements one level deeper than the key's line.
    const size_t line_start = text.rfind('\n', at);
    const size_t key_indent = line_start == std::string::npos ? 0 : at - line_start - 1;
    const std::string element_indent(key_indent + static_cast<size_t>(std::max(indent, 0)), ' ');
    bool first = true;
    std::fputc('[', stdout);
    elements(index, [&](const Json& element) {
      std::string dumped = element.dump(indent, ' ', false, Json::error_handler_t::replace);
      if (indent >= 0) {
        std::string shifted = "\n" + element_indent;
        for (char c : dumped) {
          shifted += c;
          if (c == '\n') shifted += element_indent;
        }
        dumped = std::move(shifted);
      }
      if (!first) std::fputc(',', stdout);
      first = false;
      std::fwrite(dumped.data(), 1, dumped.size(), stdout);
    });
    if (!first && indent >= 0) fmt::print("\n{}", std::string(key_indent, ' '));
    std::fputc(']', stdout);
    written = value_at + placeholder.size();
  }
  std::fwrite(text.data() + written, 1, text.size() - written, stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void print_json_streaming(const Json& document, std::string_view key, size_t count,
                          const std::function<void(size_t, const std::function<void(const Json&)>&)>& elements) {
  const std::string_view keys[] = {key};
  print_json_streaming(document, keys, count, elements);
}

void print_json(const nlohmann::json& document) {
  const std::string text = document.dump(json_indent(), ' ', false, nlohmann::json::error_handler_t::replace);
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

bool use_color(ColorMode mode, FILE* stream) {
  switch (mode) {
    case ColorMode::Always: return true;
    case ColorMode::Never: return false;
    case ColorMode::Auto: break;
  }
  if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && *no_color != '\0') return false;
  if (const char* term = std::getenv("TERM"); term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

size_t terminal_columns(FILE* stream) {
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    const std::string_view text(columns);
    size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size() && value > 0) return value;
  }
  if (isatty(fileno(stream)) != 1) return 0;
  winsize size{};
  if (ioctl(fileno(stream), TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return 0;
  return size.ws_col;
}

std::string colored(std::string_view text, std::string_view code, bool enabled) {
  if (!enabled) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

}  // namespace bpfload::cli
