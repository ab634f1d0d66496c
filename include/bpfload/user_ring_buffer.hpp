// Writing records for BPF programs into a BPF_MAP_TYPE_USER_RINGBUF, which they take with
// bpf_user_ringbuf_drain: libbpf's user_ring_buffer__*. User space is the one producer;
// the kernel consumes.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

class LoadedObject;  // loader.hpp

/// Writes records into one user ring buffer. A record is reserved (its space claimed,
/// marked busy), filled in place, then submitted or discarded; programs see records in
/// reserve order and stop at the first still reserved, so submit or discard each one.
/// The writer maps the ring as the kernel requires (the consumer page read-only, the
/// producer page and the data writable, the data twice so a record wrapping around the
/// end is one span) through the Kernel it was made with, and owns a duplicate of the
/// map's fd, so it may outlive the object. Move-only; one thread at a time (one producer).
class UserRingBufferWriter {
 public:
  /// A writer of the BPF_MAP_TYPE_USER_RINGBUF `map` of a loaded object, through `kernel`
  /// (nullptr: system_kernel()). Fails with NotFound (no such map), InvalidArgument
  /// naming the map when it is not a user ring buffer (its type is said), Kernel
  /// (duplicate, mmap).
  [[nodiscard]] static Result<UserRingBufferWriter> open(const LoadedObject& object, std::string_view map,
                                                         Kernel* kernel = nullptr);
  /// As open(), for the map pinned at `path`. Fails as open() does, and with Kernel
  /// (ENOENT: nothing pinned there).
  [[nodiscard]] static Result<UserRingBufferWriter> open_pinned(const std::string& path, Kernel* kernel = nullptr);
  /// As open(), for the map behind `map_fd` (duplicated; the caller keeps its fd), named
  /// `name` in errors.
  [[nodiscard]] static Result<UserRingBufferWriter> open_fd(int map_fd, std::string_view name,
                                                            Kernel* kernel = nullptr);

  UserRingBufferWriter(UserRingBufferWriter&&) noexcept;
  UserRingBufferWriter& operator=(UserRingBufferWriter&&) noexcept;
  ~UserRingBufferWriter();

  /// Claims `size` bytes for a record and returns them, to fill before submit() or
  /// discard(). Fails with InvalidArgument (E2BIG) naming the map when the record can
  /// never fit (size 0, or more than max_record_size()), LimitExceeded (ENOSPC) when the
  /// ring has no room now: a program must drain it first. Never waits.
  [[nodiscard]] Result<std::span<std::byte>> reserve(size_t size);
  /// Hands the reserved record at `record` (what reserve() returned) to the programs.
  /// Fails with InvalidArgument when it is not a record reserved here and still pending.
  [[nodiscard]] Status submit(void* record);
  /// Gives the reserved record back unread: programs skip it. Fails as submit().
  [[nodiscard]] Status discard(void* record);
  /// reserve(), copy `bytes`, submit(): one record. Fails as reserve().
  [[nodiscard]] Status write(std::span<const std::byte> bytes);

  /// The largest record this ring takes (its size less the 8-byte header).
  [[nodiscard]] size_t max_record_size() const noexcept;
  /// Bytes free now for records and their headers.
  [[nodiscard]] size_t free_bytes() const noexcept;
  /// The ring's name in messages (the map's name or pin path).
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  struct Ring;
  explicit UserRingBufferWriter(std::unique_ptr<Ring> ring);
  std::unique_ptr<Ring> ring_;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
