// Span sizes of map calls checked against the map, before any byte is read or written.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "bpfload/kernel.hpp"

namespace bpfload {

/// How a call uses its key span: a key of exactly key_size bytes, or, for
/// map_next_key's first call, also an empty one (and an empty one where key_size is 0).
enum class KeyUse { Exact, ExactOrEmpty };

/// Checks `key` and (when `check_value`) `value` against `info`. Fails with
/// InvalidArgument naming the call, the map and both sizes.
[[nodiscard]] Status check_map_spans(std::string_view call, int map_fd, const MapInfo& info,
                                     unsigned possible_cpus, size_t key_bytes, KeyUse key_use,
                                     std::optional<size_t> value_bytes);

}  // namespace bpfload
