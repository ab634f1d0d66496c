#include "cli_numbers.hpp"

#include <charconv>

#include <fmt/format.h>

namespace bpfload::cli {

Result<uint64_t> parse_unsigned(std::string_view text, uint64_t max, std::string_view what) {
  const auto refuse = [&](std::string_view why) -> Result<uint64_t> {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: '{}' {} (numbers are decimal, e.g. 16, or 0x hex, e.g. 0x10)", what,
                                  text, why));
  };
  int base = 10;
  std::string_view digits = text;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.size() >= 2 && digits[0] == '0') {
    return refuse("has a leading zero, which some tools read as octal");
  }
  if (digits.empty()) return refuse("is not a number");
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (end != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return refuse("is not an unsigned integer");
  if (ec == std::errc::result_out_of_range || value > max)
    return refuse(fmt::format("is larger than the maximum, {}", max));
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
