#include "user_ring_produce.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace bpfload::events {
namespace {

constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT;
constexpr uint32_t kDiscard = BPF_RINGBUF_DISCARD_BIT;
constexpr uint64_t kHeader = BPF_RINGBUF_HDR_SZ;
// A bpf_dynptr's size field has 24 bits (the kernel's DYNPTR_MAX_SIZE).
constexpr uint64_t kMaxDynptrSize = (uint64_t{1} << 24) - 1;

uint64_t round_up_8(uint64_t bytes) { return (bytes + 7) & ~uint64_t{7}; }

}  // namespace

uint64_t max_user_record_size(uint64_t ring_size) noexcept {
  if (ring_size < kHeader + 8) return 0;
  return std::min(ring_size - kHeader, kMaxDynptrSize);
}

uint64_t user_ring_free_bytes(const UserRingView& ring) noexcept {
  const uint64_t consumer = __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE);
  const uint64_t producer = __atomic_load_n(ring.producer_pos, __ATOMIC_RELAXED);
  const uint64_t used = producer - consumer;
  return used >= ring.size ? 0 : ring.size - used;
}

Result<std::byte*> reserve_user_record(const UserRingView& ring, size_t size, std::string_view ring_name) {
  if (size == 0)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("user ring buffer '{}': a record of 0 bytes (a program cannot read it)", ring_name),
                      EINVAL);
  const uint64_t largest = max_user_record_size(ring.size);
  if (size > largest)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("user ring buffer '{}': a record of {} bytes is larger than the ring takes ({} "
                                  "bytes: the ring's {} less the 8-byte header{}); make the map bigger or the "
                                  "record smaller",
                                  ring_name, size, largest, ring.size,
                                  largest == kMaxDynptrSize ? ", and at most a dynptr's 16 MiB - 1" : ""),
                      E2BIG);
  const uint64_t total = round_up_8(size + kHeader);
  // Only the kernel moves the consumer position; only this producer moves its own.
  const uint64_t consumer = __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE);
  const uint64_t producer = __atomic_load_n(ring.producer_pos, __ATOMIC_RELAXED);
  const uint64_t used = producer - consumer;
  if (used > ring.size || ring.size - used < total)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("user ring buffer '{}' is full: a record of {} bytes needs {} with its header, "
                                  "{} are free until a program drains the ring (bpf_user_ringbuf_drain)",
                                  ring_name, size, total, used > ring.size ? 0 : ring.size - used),
                      ENOSPC);
  const uint64_t mask = ring.size - 1;
  auto* header = reinterpret_cast<uint32_t*>(ring.data + (producer & mask));
  header[1] = 0;
  __atomic_store_n(&header[0], static_cast<uint32_t>(size) | kBusy, __ATOMIC_RELAXED);
  // The kernel reads the header only below the producer position: publish both at once.
  __atomic_store_n(ring.producer_pos, producer + total, __ATOMIC_RELEASE);
  return ring.data + ((producer + kHeader) & mask);
}

Status commit_user_record(const UserRingView& ring, void* record, bool discard, std::string_view ring_name) {
  const auto* at = static_cast<const std::byte*>(record);
  const auto not_reserved = [&](std::string_view why) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("user ring buffer '{}': {} is not a record reserved there ({})", ring_name,
                                  record, why),
                      EINVAL);
  };
  if (at < ring.data || at >= ring.data + ring.size) return not_reserved("outside the ring");
  const uint64_t offset = static_cast<uint64_t>(at - ring.data);
  if (offset % 8 != 0) return not_reserved("records start 8-byte aligned");
  const uint64_t mask = ring.size - 1;
  auto* header = reinterpret_cast<uint32_t*>(ring.data + ((offset + ring.size - kHeader) & mask));
  const uint32_t word = __atomic_load_n(header, __ATOMIC_RELAXED);
  if ((word & kBusy) == 0) return not_reserved("already submitted or discarded");
  const uint32_t committed = (word & ~kBusy) | (discard ? kDiscard : 0u);
  // Release: the record's bytes are written before the kernel sees the busy bit clear.
  __atomic_store_n(header, committed, __ATOMIC_RELEASE);
  return {};
}

}  // namespace bpfload::events
