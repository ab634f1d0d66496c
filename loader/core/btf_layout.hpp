// Checks of a raw BTF blob's header that libbpf leaves out. libbpf 1.1 accepts a header
// length (or type offset) that is not a multiple of 4, and then every type it hands out
// sits at a misaligned address: each later read of a type is undefined behaviour. Both
// readers of BTF (an object's .BTF, a --btf file) refuse such a blob first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace bpfload {

/// The offset of the type records in `bytes` when it is not 4-byte aligned; nullopt when
/// it is, or when `bytes` is too short or has no BTF magic (libbpf reports those).
inline std::optional<uint64_t> misaligned_btf_types(std::span<const std::byte> bytes) {
  constexpr size_t kHeaderFields = 12;  // magic, version, flags, hdr_len, type_off
  if (bytes.size() < kHeaderFields) return std::nullopt;
  uint16_t magic = 0;
  uint32_t hdr_len = 0;
  uint32_t type_off = 0;
  std::memcpy(&magic, bytes.data(), sizeof(magic));
  std::memcpy(&hdr_len, bytes.data() + 4, sizeof(hdr_len));
  std::memcpy(&type_off, bytes.data() + 8, sizeof(type_off));
  if (magic == 0x9feb) {  // the other byte order (a big-endian object on a little-endian host)
    hdr_len = __builtin_bswap32(hdr_len);
    type_off = __builtin_bswap32(type_off);
  } else if (magic != 0xeb9f) {
    return std::nullopt;
  }
  const uint64_t types = uint64_t{hdr_len} + type_off;
  if (types % 4 == 0) return std::nullopt;
  return types;
}

}  // namespace bpfload
