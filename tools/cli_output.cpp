#include "cli_output.hpp"

#include <unistd.h>

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

void print_json(const Json& document) {
  // Invalid UTF-8 in a verifier log or symbol must not abort the dump.
  const std::string text = document.dump(2, ' ', false, Json::error_handler_t::replace);
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

void print_json(const nlohmann::json& document) {
  const std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

bool use_color(ColorMode mode, FILE* stream) {
  switch (mode) {
    case ColorMode::Always: return true;
    case ColorMode::Never: return false;
    case ColorMode::Auto: return isatty(fileno(stream)) == 1;
  }
  return false;
}

std::string colored(std::string_view text, std::string_view code, bool enabled) {
  if (!enabled) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

}  // namespace bpfload::cli
