#include "map_bytes.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "cli_numbers.hpp"

namespace bpfload::cli {
namespace {

// What the user can type for `size` bytes, with an example of exactly that size.
std::string forms_for(size_t size) {
  const std::string zeros = size <= 32 ? std::string(2 * size, '0') : std::string(8, '0') + "...";
  if (size == 1 || size == 2 || size == 4 || size == 8)
    return fmt::format("give an integer (e.g. 0x55), hex:{} or {} space-separated hex bytes", zeros, size);
  return fmt::format("give hex:{} ({} hex digits) or {} space-separated hex bytes; integers fit only "
                     "sizes 1, 2, 4 and 8",
                     zeros, 2 * size, size);
}

Error bad_bytes(std::string_view what, std::string_view text, size_t size, std::string_view why) {
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("{} '{}': {} (the map's {} size is {} bytes: {})", what, text, why, what, size,
                                forms_for(size)));
}

std::optional<std::byte> hex_byte(std::string_view digits) {
  if (digits.empty() || digits.size() > 2) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return std::byte(value);
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
    size_t end = start;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end > start) tokens.push_back(text.substr(start, end - start));
    start = end;
  }
  return tokens;
}

Result<std::vector<std::byte>> from_hex_string(std::string_view text, std::string_view digits,
                                               size_t size, std::string_view what) {
  if (digits.size() != 2 * size)
    return bad_bytes(what, text, size, fmt::format("{} hex digits, expected {}", digits.size(), 2 * size));
  std::vector<std::byte> bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    auto byte = hex_byte(digits.substr(i, 2));
    if (!byte) return bad_bytes(what, text, size, "not hex");
    bytes.push_back(*byte);
  }
  return bytes;
}

Result<std::vector<std::byte>> from_hex_tokens(std::string_view text,
                                               const std::vector<std::string_view>& tokens,
                                               size_t size, std::string_view what) {
  if (tokens.size() != size)
    return bad_bytes(what, text, size, fmt::format("{} bytes given", tokens.size()));
  std::vector<std::byte> bytes;
  for (std::string_view token : tokens) {
    auto byte = hex_byte(token);
    if (!byte) return bad_bytes(what, text, size, fmt::format("'{}' is not a hex byte", token));
    bytes.push_back(*byte);
  }
  return bytes;
}

template <typename T>
std::vector<std::byte> host_bytes(uint64_t value) {
  const T narrow = static_cast<T>(value);
  std::vector<std::byte> bytes(sizeof(T));
  std::memcpy(bytes.data(), &narrow, sizeof(T));
  return bytes;
}

Result<std::vector<std::byte>> from_integer(std::string_view text, size_t size, std::string_view what) {
  if (size != 1 && size != 2 && size != 4 && size != 8)
    return bad_bytes(what, text, size, fmt::format("an integer does not fill {} bytes", size));
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  // The CLI's one number grammar (cli_numbers.hpp), with a sign in front.
  Result<uint64_t> parsed = parse_unsigned(digits, std::numeric_limits<uint64_t>::max(), what);
  if (!parsed.ok()) return bad_bytes(what, text, size, parsed.error().message);
  const uint64_t magnitude = *parsed;

  const unsigned bits = static_cast<unsigned>(size * 8);
  const uint64_t unsigned_max = bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
  const uint64_t negative_max = uint64_t{1} << (bits - 1);  // |minimum| of the signed type
  if (negative ? magnitude > negative_max : magnitude > unsigned_max)
    return bad_bytes(what, text, size, fmt::format("does not fit in {} bytes", size));
  const uint64_t value = negative ? uint64_t{0} - magnitude : magnitude;
  switch (size) {
    case 1: return host_bytes<uint8_t>(value);
    case 2: return host_bytes<uint16_t>(value);
    case 4: return host_bytes<uint32_t>(value);
    default: return host_bytes<uint64_t>(value);
  }
}

}  // namespace

Result<std::vector<std::byte>> encode_map_bytes(std::string_view text, size_t size,
                                                std::string_view what) {
  if (text.substr(0, 4) == "hex:") return from_hex_string(text, text.substr(4), size, what);
  const std::vector<std::string_view> tokens = split_spaces(text);
  if (tokens.empty()) return bad_bytes(what, text, size, "empty");
  if (tokens.size() > 1) return from_hex_tokens(text, tokens, size, what);
  return from_integer(tokens[0], size, what);
}

std::string hex_bytes(std::span<const std::byte> bytes) {
  std::string text;
  for (std::byte byte : bytes) {
    if (!text.empty()) text += ' ';
    text += fmt::format("{:02x}", static_cast<unsigned>(byte));
  }
  return text;
}

std::optional<uint64_t> integer_of(std::span<const std::byte> bytes) {
  switch (bytes.size()) {
    case 1: { uint8_t v; std::memcpy(&v, bytes.data(), 1); return v; }
    case 2: { uint16_t v; std::memcpy(&v, bytes.data(), 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, bytes.data(), 4); return v; }
    case 8: { uint64_t v; std::memcpy(&v, bytes.data(), 8); return v; }
    default: return std::nullopt;
  }
}

std::optional<int64_t> negative_integer_of(std::span<const std::byte> bytes) {
  switch (bytes.size()) {
    case 1: { int8_t v; std::memcpy(&v, bytes.data(), 1); return v < 0 ? std::optional<int64_t>(v) : std::nullopt; }
    case 2: { int16_t v; std::memcpy(&v, bytes.data(), 2); return v < 0 ? std::optional<int64_t>(v) : std::nullopt; }
    case 4: { int32_t v; std::memcpy(&v, bytes.data(), 4); return v < 0 ? std::optional<int64_t>(v) : std::nullopt; }
    case 8: { int64_t v; std::memcpy(&v, bytes.data(), 8); return v < 0 ? std::optional<int64_t>(v) : std::nullopt; }
    default: return std::nullopt;
  }
}

}  // namespace bpfload::cli
