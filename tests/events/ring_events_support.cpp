#include "ring_events_support.hpp"

#include <sched.h>

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "bpfload/map.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {

RingEvent decode_event(std::span<const std::byte> record) {
  RingEvent event;
  EXPECT_EQ(record.size(), sizeof(RingEvent));
  if (record.size() != sizeof(RingEvent)) return {};
  std::memcpy(&event, record.data(), sizeof(event));
  for (size_t i = 0; i < sizeof(event.payload); ++i)
    EXPECT_EQ(event.payload[i], static_cast<uint8_t>(event.seq + i))
        << "byte " << i << " of the record with sequence number " << event.seq << " on CPU " << event.cpu;
  return event;
}

LoadedObject load_ring_events() {
  const ObjectSpec spec = parse_test_object("ring_events.o");
  Result<LoadedObject> loaded = load_object(spec, LoadOptions{});
  EXPECT_TRUE(loaded.ok()) << error_text(loaded);
  return loaded.ok() ? std::move(loaded).value() : LoadedObject{};
}

void run_times(const LoadedObject& object, const std::string& program, uint32_t repeat) {
  const std::vector<std::byte> packet = ipv4_udp_packet();
  Result<TestRunOutcome> ran = test_run(object, program, packet, repeat);
  EXPECT_TRUE(ran.ok()) << error_text(ran);
}

bool run_times_on_cpu(const LoadedObject& object, const std::string& program, uint32_t repeat, unsigned cpu) {
  bool placed = false;
  std::thread runner([&] {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof(set), &set) != 0) return;
    placed = true;
    run_times(object, program, repeat);
  });
  runner.join();
  return placed;
}

std::vector<unsigned> usable_cpus(size_t limit) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<unsigned> cpus;
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (unsigned cpu = 0; cpu < CPU_SETSIZE && cpus.size() < limit; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

uint64_t dropped_records(const LoadedObject& object) { return read_map<uint64_t>(object.map_fd("drops"), 0); }

}  // namespace bpfload::test
