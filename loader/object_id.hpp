// Internal: the in-process SHA-1 behind object_id_for(), exposed so tests can compare
// it with the kernel's AF_ALG digest and with sha1sum.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace bpfload {

/// Hex SHA-1 of `object_bytes`, computed without the kernel. Never fails.
[[nodiscard]] std::string software_object_id_for(std::span<const std::byte> object_bytes);

}  // namespace bpfload
