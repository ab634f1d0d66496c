// The one number grammar of user input: command-line options, --set values, map keys and
// values given as numbers. Pure.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <string_view>

#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Parses an unsigned integer written as decimal ("0", "8", "4096") or hex ("0x8",
/// "0X1f"), at most `max`. Refused with InvalidArgument (the message quotes the text and
/// says why): a decimal with a leading zero ("010", "00"), which C and some tools read as
/// octal and others as decimal; signs, spaces, empty digits; values above `max`, naming it.
[[nodiscard]] Result<uint64_t> parse_unsigned_number(std::string_view text, uint64_t max);

/// As parse_unsigned_number, with an optional leading '-', within [`min`, `max`].
[[nodiscard]] Result<int64_t> parse_signed_number(std::string_view text, int64_t min, int64_t max);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
