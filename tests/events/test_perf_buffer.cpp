// PerfBufferReader on the real kernel: samples written with bpf_perf_event_output by
// bpf_progs/ring_events.o read back per CPU in order, wrapping around a one-page ring;
// a ring too small for a burst reports what was lost instead of blocking; maps of other
// types refused naming the map.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/map.hpp"
#include "bpfload/perf_buffer.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "ring_events_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

struct Samples {
  std::vector<std::pair<unsigned, RingEvent>> events;
  std::map<unsigned, uint64_t> lost;
  PerfBufferOptions options(size_t pages) {
    PerfBufferOptions options;
    options.pages_per_cpu = pages;
    options.sample = [this](unsigned cpu, std::span<const std::byte> sample) {
      // The kernel pads a BPF output sample so the record stays 8-byte aligned.
      EXPECT_GE(sample.size(), sizeof(RingEvent));
      EXPECT_LT(sample.size(), sizeof(RingEvent) + 8);
      events.emplace_back(cpu, decode_event(sample.first(std::min(sample.size(), sizeof(RingEvent)))));
      return true;
    };
    options.lost = [this](unsigned cpu, uint64_t count) { lost[cpu] += count; };
    return options;
  }
};

TEST(PerfBufferKernel, SamplesOfEveryCpuComeInOrderWithTheCpuTheyWereWrittenOn) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  Samples got;
  Result<PerfBufferReader> reader = PerfBufferReader::open(object, "perf_events", got.options(8));
  ASSERT_TRUE(reader.ok()) << error_text(reader);
  EXPECT_GE(reader->ring_count(), 1u);
  const std::vector<unsigned> cpus = usable_cpus(4);
  for (const unsigned cpu : cpus) ASSERT_TRUE(run_times_on_cpu(object, "emit_perf", 100, cpu));
  Result<size_t> read = reader->consume();
  ASSERT_TRUE(read.ok()) << error_text(read);
  EXPECT_EQ(*read, 100 * cpus.size());
  EXPECT_EQ(reader->lost_samples(), 0u);
  std::map<unsigned, std::vector<uint64_t>> per;
  for (const auto& [cpu, event] : got.events) {
    EXPECT_EQ(event.cpu, cpu);
    EXPECT_EQ(event.kind, 4u);
    per[cpu].push_back(event.seq);
  }
  ASSERT_EQ(per.size(), cpus.size());
  for (const unsigned cpu : cpus) {
    ASSERT_EQ(per[cpu].size(), 100u) << "CPU " << cpu;
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(per[cpu][i], i) << "CPU " << cpu;
  }
}

TEST(PerfBufferKernel, SamplesWrappingAroundAOnePageRingAreWhole) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  Samples got;
  Result<PerfBufferReader> reader = PerfBufferReader::open(object, "perf_events", got.options(1));
  ASSERT_TRUE(reader.ok()) << error_text(reader);
  const std::vector<unsigned> cpu = usable_cpus(1);
  ASSERT_FALSE(cpu.empty());
  // A record is 56 bytes: 40 of them wrap a 4096-byte ring 25 times over 30 batches.
  for (int batch = 0; batch < 30; ++batch) {
    ASSERT_TRUE(run_times_on_cpu(object, "emit_perf", 40, cpu[0]));
    Result<size_t> read = reader->poll(-1);
    ASSERT_TRUE(read.ok()) << error_text(read);
    EXPECT_EQ(*read, 40u) << "batch " << batch;
  }
  ASSERT_EQ(got.events.size(), 1200u);
  for (size_t i = 0; i < got.events.size(); ++i) EXPECT_EQ(got.events[i].second.seq, i);
  EXPECT_EQ(reader->lost_samples(), 0u);
}

TEST(PerfBufferKernel, ABurstTooBigForTheRingReportsTheLostCountInsteadOfBlocking) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  Samples got;
  Result<PerfBufferReader> reader = PerfBufferReader::open(object, "perf_events", got.options(1));
  ASSERT_TRUE(reader.ok()) << error_text(reader);
  const std::vector<unsigned> cpu = usable_cpus(1);
  ASSERT_FALSE(cpu.empty());
  ASSERT_TRUE(run_times_on_cpu(object, "emit_perf", 500, cpu[0]));
  Result<size_t> first = reader->consume();
  ASSERT_TRUE(first.ok()) << error_text(first);
  EXPECT_LT(*first, 500u);
  // The kernel writes its lost record with the next sample that fits.
  ASSERT_TRUE(run_times_on_cpu(object, "emit_perf", 1, cpu[0]));
  Result<size_t> second = reader->consume();
  ASSERT_TRUE(second.ok()) << error_text(second);
  const uint64_t dropped = dropped_records(object);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(reader->lost_samples(), dropped);
  EXPECT_EQ(got.lost[cpu[0]], dropped);
  EXPECT_EQ(got.events.size() + reader->lost_samples(), 501u);
}

TEST(PerfBufferKernel, ARingBufferOrArrayIsRefusedNamingTheMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  for (const char* name : {"big_ring", "drops"}) {
    Samples got;
    Result<PerfBufferReader> refused = PerfBufferReader::open(object, name, got.options(8));
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(refused.error().message.find(std::string("'") + name + "'"), std::string::npos)
        << refused.error().message;
  }
  Samples got;
  Result<PerfBufferReader> odd = PerfBufferReader::open(object, "perf_events", got.options(3));
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().kind, ErrorKind::InvalidArgument);
}

}  // namespace
}  // namespace bpfload::test
