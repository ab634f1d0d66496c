#include "bpfload/numbers.hpp"

#include <charconv>
#include <string>

#include <fmt/format.h>

namespace bpfload {
namespace {

constexpr std::string_view kGrammar = "numbers are decimal, e.g. 16, or 0x hex, e.g. 0x10";

Error refused(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::InvalidArgument, fmt::format("'{}' {} ({})", text, why, kGrammar));
}

// The magnitude of `digits` (no sign), with no upper bound but uint64_t's.
Result<uint64_t> magnitude(std::string_view text, std::string_view digits) {
  int base = 10;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.size() >= 2 && digits[0] == '0') {
    return refused(text, "has a leading zero, which some tools read as octal");
  }
  if (digits.empty()) return refused(text, "is not a number");
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (end != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return refused(text, "is not a number");
  if (ec == std::errc::result_out_of_range) return refused(text, fmt::format("is larger than {}", UINT64_MAX));
  return value;
}

}  // namespace

Result<uint64_t> parse_unsigned_number(std::string_view text, uint64_t max) {
  if (text.starts_with('-') || text.starts_with('+')) return refused(text, "has a sign; it must be 0 or more");
  Result<uint64_t> value = magnitude(text, text);
  if (!value.ok()) return value;
  if (*value > max) return refused(text, fmt::format("is larger than the maximum, {}", max));
  return value;
}

Result<int64_t> parse_signed_number(std::string_view text, int64_t min, int64_t max) {
  const bool negative = text.starts_with('-');
  if (text.starts_with('+')) return refused(text, "has a '+'; write the number alone");
  Result<uint64_t> value = magnitude(text, negative ? text.substr(1) : text);
  if (!value.ok()) return std::move(value).error();
  const auto out_of_range = [&] {
    return refused(text, fmt::format("is out of range ({} to {})", min, max));
  };
  if (negative) {
    // -(2^63) is the one magnitude past INT64_MAX that fits.
    if (*value > static_cast<uint64_t>(INT64_MAX) + 1) return out_of_range();
    const int64_t number = *value == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(*value);
    if (number < min) return out_of_range();
    return number;
  }
  if (*value > static_cast<uint64_t>(max)) return out_of_range();
  return static_cast<int64_t>(*value);
}

}  // namespace bpfload
