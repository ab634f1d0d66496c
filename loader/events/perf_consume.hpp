// The reader side of one perf event ring (one CPU of a PERF_EVENT_ARRAY) over memory
// already mapped: what PerfBufferReader runs on each CPU's ring, kept apart from the
// mapping so it can be tested on hand-built memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

namespace bpfload::events {

/// One perf ring: the data head the kernel advances and the tail the reader writes (in
/// the first page, struct perf_event_mmap_page), and the data area of `size` bytes (a
/// power of two) after it, mapped once: records that wrap around its end are copied.
struct PerfRingView {
  const uint64_t* data_head = nullptr;
  uint64_t* data_tail = nullptr;
  const std::byte* data = nullptr;
  uint64_t size = 0;
};

/// Called with a sample's raw bytes (BPF output: what the program passed, padded so the
/// record is a multiple of 8); valid only during the call. False stops after it.
using SampleSink = std::function<bool(std::span<const std::byte>)>;

/// What one pass over a perf ring did.
struct PerfConsumeOutcome {
  size_t samples = 0;  ///< samples handed to the sink
  uint64_t lost = 0;   ///< samples the kernel dropped (PERF_RECORD_LOST) since the last pass
  bool stopped = false;
};

/// Hands every sample from the tail to the head to `sink`, adds up PERF_RECORD_LOST
/// counts, skips other record types, and moves the tail past each record (release order)
/// so the kernel can reuse the space. `scratch` holds copies of records that wrap around
/// the end. Fails with Malformed naming `ring_name` when a record's size is smaller than
/// its header or larger than the ring.
[[nodiscard]] Result<PerfConsumeOutcome> consume_perf_ring(const PerfRingView& ring, const SampleSink& sink,
                                                           std::vector<std::byte>& scratch,
                                                           std::string_view ring_name);

}  // namespace bpfload::events
