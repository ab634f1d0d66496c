#include "cli_numbers.hpp"


#include <fmt/format.h>

#include "bpfload/numbers.hpp"

namespace bpfload::cli {

Result<uint64_t> parse_unsigned(std::string_view text, uint64_t max, std::string_view what) {
  Result<uint64_t> value = parse_unsigned_number(text, max);
  if (!value.ok()) return std::move(value).error().with_context(what);
  return value;
}

CLI::Option* number_option(CLI::Option* option, uint64_t max) {
  const std::string what = option->get_name();
  // Rewritten into plain decimal, which CLI11's own conversion then reads unambiguously.
  return option->transform(CLI::Validator(
      [max, what](std::string& text) -> std::string {
        Result<uint64_t> value = parse_unsigned(text, max, what);
        if (!value.ok()) return value.error().message;
        text = std::to_string(*value);
        return {};
      },
      "NUMBER"));
}

}  // namespace bpfload::cli
