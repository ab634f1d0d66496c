// Owning shared memory mapping (mmap), as Fd owns a descriptor.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <utility>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Owns one mapping made by op::MemoryMap and unmaps it on destruction. Move-only. The
/// bytes stay valid while the object lives, whatever happens to the fd it was mapped from.
class MappedMemory {
 public:
  MappedMemory() = default;
  /// Takes ownership of `length` bytes mapped at `address`.
  MappedMemory(void* address, size_t length) noexcept : address_(address), length_(length) {}
  ~MappedMemory() { reset(); }
  MappedMemory(MappedMemory&& other) noexcept
      : address_(std::exchange(other.address_, nullptr)), length_(std::exchange(other.length_, 0)) {}
  MappedMemory& operator=(MappedMemory&& other) noexcept {
    if (this != &other) {
      reset();
      address_ = std::exchange(other.address_, nullptr);
      length_ = std::exchange(other.length_, 0);
    }
    return *this;
  }
  MappedMemory(const MappedMemory&) = delete;
  MappedMemory& operator=(const MappedMemory&) = delete;

  [[nodiscard]] std::byte* data() const noexcept { return static_cast<std::byte*>(address_); }
  [[nodiscard]] size_t size() const noexcept { return length_; }
  [[nodiscard]] bool valid() const noexcept { return address_ != nullptr; }
  /// Unmaps now (no-op when empty).
  void reset() noexcept;

 private:
  void* address_ = nullptr;
  size_t length_ = 0;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
