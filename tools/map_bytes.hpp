// Map keys and values as the user types and reads them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

namespace bpfload::cli {

/// Encodes `text` into exactly `size` bytes for `what` ("key", "value"). Accepted forms:
///   - an integer: "1234", "-5", "0x4d2"; encoded in host byte order in `size` bytes
///     (1, 2, 4 or 8); it must fit (unsigned range, or signed range when negative);
///   - "hex:01000000": the bytes in order, two hex digits each;
///   - "01 00 00 00": space-separated hex bytes (two or more tokens).
/// Fails with InvalidArgument naming `what`, the text and the expected size.
[[nodiscard]] Result<std::vector<std::byte>> encode_map_bytes(std::string_view text, size_t size,
                                                              std::string_view what);

/// "01 00 00 00".
[[nodiscard]] std::string hex_bytes(std::span<const std::byte> bytes);

/// The unsigned integer the bytes hold in host order, for sizes 1, 2, 4 and 8.
[[nodiscard]] std::optional<uint64_t> integer_of(std::span<const std::byte> bytes);

/// The bytes as the signed integer of their size, when that is negative (for display).
[[nodiscard]] std::optional<int64_t> negative_integer_of(std::span<const std::byte> bytes);

}  // namespace bpfload::cli
