// The consumer side of the BPF ring buffer protocol over memory already mapped: what
// RingBufferReader runs on each ring, kept apart from the mapping so it can be tested on
// hand-built memory (wrapping, busy and discarded records).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "bpfload/result.hpp"

namespace bpfload::events {

/// One BPF_MAP_TYPE_RINGBUF as the kernel lays it out for user space: the consumer
/// position (a page user space writes), the producer position (read-only) and the data
/// area of `size` bytes (a power of two), mapped twice in a row so a record that wraps
/// around the end is contiguous at `data + (position & (size - 1))`.
struct RingView {
  uint64_t* consumer_pos = nullptr;
  const uint64_t* producer_pos = nullptr;
  const std::byte* data = nullptr;
  uint64_t size = 0;
};

/// Called with each record in place (valid only during the call); false stops consuming
/// after this record.
using RecordSink = std::function<bool(std::span<const std::byte>)>;

/// What one pass over a ring did.
struct ConsumeOutcome {
  size_t records = 0;    ///< records handed to the sink (discarded ones are not counted)
  bool stopped = false;  ///< the sink asked to stop
};

/// Hands every committed record from the consumer position on to `sink`, in order,
/// skipping discarded ones and stopping at the first still being written (busy), and
/// advances the consumer position past each (release order, after the sink returned)
/// so the producer can reuse the space. Positions are read with acquire order. Fails
/// with Malformed naming `ring_name` when a record's header says it is larger than the
/// ring (memory the kernel would never write), leaving the position before it.
[[nodiscard]] Result<ConsumeOutcome> consume_ring(const RingView& ring, const RecordSink& sink,
                                                  std::string_view ring_name);

}  // namespace bpfload::events
