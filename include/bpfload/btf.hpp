// ParsedBtf: an object's .BTF, parsed once by libbpf and then shared, immutable, by
// every consumer (map decoders, .BTF.ext, the DATASEC fix-up, the loader, source lines).
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

struct btf;  // libbpf

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Frees a libbpf `struct btf`.
struct BtfDeleter {
  void operator()(struct btf* btf) const noexcept;
};
/// An owned libbpf `struct btf`.
using BtfHandle = std::unique_ptr<struct btf, BtfDeleter>;

/// Parses raw .BTF bytes (either byte order) with libbpf; the handle gives host-order
/// access to types and strings. Fails with Malformed when libbpf refuses the bytes.
[[nodiscard]] Result<BtfHandle> parse_btf(std::span<const std::byte> bytes);

/// The parsed .BTF of an object together with the bytes to hand the kernel.
///
/// `kernel_bytes` are the object's bytes after the DATASEC fix-up (section sizes and
/// variable offsets filled in, object byte order). The fix-up changes only DATASEC
/// sizes and offsets, so the handle, parsed from the object's own bytes, describes
/// the same types and strings; it is what every reader uses. Never changes once built,
/// so one instance is shared by every copy of an ObjectSpec and by every thread.
class ParsedBtf {
 public:
  /// Takes ownership of `handle` (non-null) and the kernel-ready bytes.
  ParsedBtf(BtfHandle handle, std::vector<std::byte> kernel_bytes) noexcept
      : handle_(std::move(handle)), kernel_bytes_(std::move(kernel_bytes)) {}

  /// The libbpf handle, for btf__type_by_id and friends. Never null.
  [[nodiscard]] const struct btf* get() const noexcept { return handle_.get(); }
  /// The bytes BPF_BTF_LOAD takes.
  [[nodiscard]] std::span<const std::byte> kernel_bytes() const noexcept { return kernel_bytes_; }
  /// The string at `offset` of the string section, "" when out of range.
  [[nodiscard]] std::string_view string_at(uint32_t offset) const noexcept;

 private:
  BtfHandle handle_;
  std::vector<std::byte> kernel_bytes_;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
