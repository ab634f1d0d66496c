#include "perf_consume.hpp"

#include <linux/perf_event.h>

#include <cstring>

#include <fmt/format.h>

namespace bpfload::events {
namespace {

/// The `length` bytes at ring position `at`, copied into `scratch` when they wrap.
std::span<const std::byte> bytes_at(const PerfRingView& ring, uint64_t at, size_t length,
                                    std::vector<std::byte>& scratch) {
  const uint64_t offset = at & (ring.size - 1);
  if (offset + length <= ring.size) return {ring.data + offset, length};
  scratch.resize(length);
  const size_t first = static_cast<size_t>(ring.size - offset);
  std::memcpy(scratch.data(), ring.data + offset, first);
  std::memcpy(scratch.data() + first, ring.data, length - first);
  return {scratch.data(), length};
}

}  // namespace

Result<PerfConsumeOutcome> consume_perf_ring(const PerfRingView& ring, const SampleSink& sink,
                                             std::vector<std::byte>& scratch, std::string_view ring_name) {
  PerfConsumeOutcome outcome;
  const uint64_t head = __atomic_load_n(ring.data_head, __ATOMIC_ACQUIRE);
  uint64_t tail = *ring.data_tail;
  while (tail < head) {
    perf_event_header header {};
    std::memcpy(&header, bytes_at(ring, tail, sizeof(header), scratch).data(), sizeof(header));
    if (header.size < sizeof(header) || header.size > ring.size || header.size > head - tail)
      return make_error(ErrorKind::Malformed,
                        fmt::format("perf buffer '{}': the record at position {} claims {} bytes", ring_name, tail,
                                    header.size));
    const std::span<const std::byte> record = bytes_at(ring, tail, header.size, scratch);
    const std::span<const std::byte> body = record.subspan(sizeof(header));
    bool keep_going = true;
    if (header.type == PERF_RECORD_SAMPLE && body.size() >= sizeof(uint32_t)) {
      uint32_t raw_size = 0;
      std::memcpy(&raw_size, body.data(), sizeof(raw_size));
      if (raw_size <= body.size() - sizeof(raw_size)) {
        ++outcome.samples;
        keep_going = sink(body.subspan(sizeof(raw_size), raw_size));
      }
    } else if (header.type == PERF_RECORD_LOST && body.size() >= 2 * sizeof(uint64_t)) {
      uint64_t lost = 0;  // after the event id
      std::memcpy(&lost, body.data() + sizeof(uint64_t), sizeof(lost));
      outcome.lost += lost;
    }
    tail += header.size;
    __atomic_store_n(ring.data_tail, tail, __ATOMIC_RELEASE);
    if (!keep_going) {
      outcome.stopped = true;
      break;
    }
  }
  return outcome;
}

}  // namespace bpfload::events
