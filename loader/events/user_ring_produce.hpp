// The producer side of the BPF user ring buffer protocol (BPF_MAP_TYPE_USER_RINGBUF) over
// memory already mapped: what UserRingBufferWriter runs, kept apart from the mapping so it
// can be tested on hand-built memory (wrapping, a full ring, records too large).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bpfload/result.hpp"

namespace bpfload::events {

/// One user ring buffer as the kernel lays it out for user space: the consumer position
/// (advanced by the kernel as bpf_user_ringbuf_drain takes records; read-only here), the
/// producer position (ours) and the data area of `size` bytes (a power of two), mapped
/// twice in a row so a record that wraps around the end is contiguous.
struct UserRingView {
  const uint64_t* consumer_pos = nullptr;
  uint64_t* producer_pos = nullptr;
  std::byte* data = nullptr;
  uint64_t size = 0;
};

/// The largest record a ring of `ring_size` bytes takes: the record and its 8-byte
/// header, rounded up to 8 bytes, must fit in the ring, and the kernel hands records to
/// programs as dynptrs, which hold at most 2^24 - 1 bytes.
[[nodiscard]] uint64_t max_user_record_size(uint64_t ring_size) noexcept;

/// Bytes free for records (headers included) now.
[[nodiscard]] uint64_t user_ring_free_bytes(const UserRingView& ring) noexcept;

/// Reserves `size` bytes at the producer position: writes the record's header with the
/// busy bit set (so the kernel stops there until it is submitted or discarded), then
/// publishes the new producer position (release order). Returns where the record's bytes
/// go. Fails with InvalidArgument naming `ring_name` when `size` is 0 or larger than
/// max_user_record_size() (errno E2BIG), LimitExceeded (errno ENOSPC) when the ring has
/// no room for it now (a program has not drained it yet).
[[nodiscard]] Result<std::byte*> reserve_user_record(const UserRingView& ring, size_t size,
                                                     std::string_view ring_name);

/// Hands the reserved record at `record` to the kernel (discard false) or tells it to
/// skip the record (discard true), by clearing the busy bit (release order, after the
/// caller's writes). Fails with InvalidArgument naming `ring_name` when `record` is not a
/// record reserved in this ring and not yet submitted or discarded.
[[nodiscard]] Status commit_user_record(const UserRingView& ring, void* record, bool discard,
                                        std::string_view ring_name);

}  // namespace bpfload::events
