#include "cli_output.hpp"

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

void print_error_line(std::string_view message) {
  fmt::print(stderr, "bpfload: {}\n", message);
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
