// The one number grammar of every CLI option: decimal or 0x hex, no leading zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "bpfload/result.hpp"

namespace bpfload::cli {

/// Parses an unsigned integer written as decimal ("0", "8", "4096") or hex ("0x8",
/// "0X1f"). A decimal with a leading zero ("010") is refused, since C and some tools read
/// it as octal and others as decimal; so are signs, spaces and empty digits. Fails with
/// InvalidArgument naming `what`, the text and, for values above `max`, the maximum.
[[nodiscard]] Result<uint64_t> parse_unsigned(std::string_view text, uint64_t max, std::string_view what);

/// Makes a CLI11 integer option read its text with parse_unsigned (at most `max`), so
/// "--value-size 010" is refused the same way as "--flags 010" instead of being octal.
CLI::Option* number_option(CLI::Option* option, uint64_t max);

}  // namespace bpfload::cli
