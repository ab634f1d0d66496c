// Running the built bpfload binary from the cli tests.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace bpfload::test {

/// Runs `bpfload <args>` (args are passed through the shell as given).
inline CommandResult run_bpfload(const std::string& args) {
  return run_command(std::string(BPFLOAD_CLI) + " " + args);
}

/// Parses stdout as JSON; a discarded value when it is not JSON.
inline nlohmann::json stdout_json(const CommandResult& result) {
  return nlohmann::json::parse(result.out, nullptr, false);
}

/// Single-quotes `text` for the shell.
inline std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace bpfload::test
