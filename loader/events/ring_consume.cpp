#include "ring_consume.hpp"

#include <linux/bpf.h>

#include <fmt/format.h>

namespace bpfload::events {
namespace {

constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT;
constexpr uint32_t kDiscard = BPF_RINGBUF_DISCARD_BIT;
constexpr uint64_t kHeader = BPF_RINGBUF_HDR_SZ;

uint64_t round_up_8(uint64_t bytes) { return (bytes + 7) & ~uint64_t{7}; }

}  // namespace

Result<ConsumeOutcome> consume_ring(const RingView& ring, const RecordSink& sink, std::string_view ring_name) {
  ConsumeOutcome outcome;
  const uint64_t mask = ring.size - 1;
  uint64_t consumer = __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE);
  // Producers may commit more while the sink runs: read the producer position again
  // until a pass finds nothing new.
  for (bool found = true; found;) {
    found = false;
    const uint64_t producer = __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE);
    while (consumer < producer) {
      const std::byte* header = ring.data + (consumer & mask);
      // The producer writes the length last, with release order, clearing the busy bit.
      const uint32_t word = __atomic_load_n(reinterpret_cast<const uint32_t*>(header), __ATOMIC_ACQUIRE);
      if ((word & kBusy) != 0) return outcome;
      const uint64_t length = word & ~(kBusy | kDiscard);
      if (length + kHeader > ring.size)
        return make_error(ErrorKind::Malformed,
                          fmt::format("ring buffer '{}': the record at position {} claims {} bytes, more than "
                                      "the ring's {}",
                                      ring_name, consumer, length, ring.size));
      found = true;
      consumer += round_up_8(length + kHeader);
      bool keep_going = true;
      if ((word & kDiscard) == 0) {
        ++outcome.records;
        keep_going = sink(std::span(header + kHeader, static_cast<size_t>(length)));
      }
      __atomic_store_n(ring.consumer_pos, consumer, __ATOMIC_RELEASE);
      if (!keep_going) {
        outcome.stopped = true;
        return outcome;
      }
    }
  }
  return outcome;
}

}  // namespace bpfload::events
