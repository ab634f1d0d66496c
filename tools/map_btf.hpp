// Map keys and values read and written through the map's BTF types, the way bpftool
// shows them: structs as objects, arrays as lists (char arrays as strings), enums by
// name, integers as numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bpfload/result.hpp"

struct btf;

namespace bpfload::cli {

/// `bytes` (exactly the type's size) as JSON shaped by BTF type `type_id`. Unknown kinds
/// (and floats) come out as a list of byte values, so nothing is hidden. Never fails.
[[nodiscard]] nlohmann::ordered_json btf_to_json(const struct btf* btf, uint32_t type_id,
                                                 std::span<const std::byte> bytes);

/// Encodes a JSON value for BTF type `type_id` into `size` bytes: numbers (range-checked)
/// for integers, enum member names or numbers for enums, objects for structs (members
/// not given are 0), lists (or a string for a char array) for arrays. Unions, floats
/// and pointers-to-be-guessed are refused as ambiguous. Fails with InvalidArgument
/// naming the member path ("value.stats[1].bytes") and what fits there.
[[nodiscard]] Result<std::vector<std::byte>> btf_from_json(const struct btf* btf, uint32_t type_id, size_t size,
                                                           const nlohmann::json& value, std::string_view what);

/// The C name of BTF type `type_id` ("struct stats", "__u64", "enum state").
[[nodiscard]] std::string btf_type_name(const struct btf* btf, uint32_t type_id);

/// An example JSON value of the type, for messages ({"packets":0,"bytes":0}).
[[nodiscard]] std::string btf_example(const struct btf* btf, uint32_t type_id);

}  // namespace bpfload::cli
