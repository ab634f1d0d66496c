// What the event reader tests share: bpf_progs/ring_events.o loaded, its record layout,
// and runs of its programs pinned to one CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bpfload/loader.hpp"

namespace bpfload::test {

/// struct event of bpf_progs/ring_events.c.
struct RingEvent {
  uint32_t cpu = 0;
  uint32_t kind = 0;
  uint64_t seq = 0;
  uint8_t payload[20] = {};
};
static_assert(sizeof(RingEvent) == 40);

/// The record as a RingEvent; fails the test (and returns a zeroed one) when the record
/// is not 40 bytes or its payload is not what the program wrote for its sequence number.
RingEvent decode_event(std::span<const std::byte> record);

/// ring_events.o loaded (fails the test and returns an empty object when it does not load).
LoadedObject load_ring_events();

/// Runs `program` `repeat` times with BPF_PROG_TEST_RUN on an IPv4 frame; fails the test
/// when the run fails.
void run_times(const LoadedObject& object, const std::string& program, uint32_t repeat);

/// As run_times, from a thread pinned to CPU `cpu` (the kernel runs a packet program's
/// test run where it is called). Returns false when this process may not run there.
bool run_times_on_cpu(const LoadedObject& object, const std::string& program, uint32_t repeat, unsigned cpu);

/// The CPUs this process may run on, at most `limit`.
std::vector<unsigned> usable_cpus(size_t limit);

/// Index 0 of ring_events.o's `drops` map: records the programs could not write.
uint64_t dropped_records(const LoadedObject& object);

}  // namespace bpfload::test
