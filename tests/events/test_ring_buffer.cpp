// RingBufferReader on the real kernel: records written by programs (BPF_PROG_TEST_RUN of
// bpf_progs/ring_events.o) read back exactly, in order per CPU, wrapping around the end
// of a one-page ring, discarded ones skipped; bound by name and by pin path; maps of
// other types refused naming the map.
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/map.hpp"
#include "bpfload/ring_buffer.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "ring_events_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

// One ring record of ring_events.o: 40 bytes and an 8-byte header.
constexpr uint64_t kRecordSpan = 48;

struct Received {
  std::vector<RingEvent> events;
  RingBufferCallback callback() {
    return [this](std::span<const std::byte> record) {
      events.push_back(decode_event(record));
      return true;
    };
  }
};

RingBufferReader make_reader() {
  Result<RingBufferReader> reader = RingBufferReader::create();
  EXPECT_TRUE(reader.ok()) << error_text(reader);
  if (!reader.ok()) std::abort();
  return std::move(reader).value();
}

TEST(RingBufferKernel, EveryRecordComesOnceInOrderIncludingThoseThatWrapAroundTheRingsEnd) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received got;
  ASSERT_TRUE(reader.add(object, "small_ring", got.callback()).ok());
  // 85 records fit in the 4096-byte ring: write 60 at a time, read between, 20 times.
  constexpr uint32_t kBatch = 60;
  constexpr uint32_t kBatches = 20;
  size_t wrapped = 0;
  const std::vector<unsigned> cpu = usable_cpus(1);
  ASSERT_FALSE(cpu.empty());
  for (uint32_t batch = 0; batch < kBatches; ++batch) {
    ASSERT_TRUE(run_times_on_cpu(object, "emit_small", kBatch, cpu[0]));
    Result<size_t> read = reader.consume();
    ASSERT_TRUE(read.ok()) << error_text(read);
    EXPECT_EQ(*read, kBatch) << "batch " << batch;
  }
  ASSERT_EQ(got.events.size(), size_t{kBatch} * kBatches);
  for (size_t i = 0; i < got.events.size(); ++i) {
    EXPECT_EQ(got.events[i].seq, i);
    EXPECT_EQ(got.events[i].kind, 1u);
    const uint64_t start = (i * kRecordSpan) % 4096;
    if (start + kRecordSpan > 4096) ++wrapped;
  }
  // 4096 is not a multiple of 48: 10 of the records straddle the ring's end.
  EXPECT_EQ(wrapped, 10u);
  EXPECT_EQ(dropped_records(object), 0u);
  Result<size_t> nothing = reader.consume();
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, 0u);
}

TEST(RingBufferKernel, PollReturnsWhatIsReadyAndZeroWhenTheTimeRunsOut) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received got;
  ASSERT_TRUE(reader.add(object, "big_ring", got.callback()).ok());
  Result<size_t> idle = reader.poll(0);
  ASSERT_TRUE(idle.ok()) << error_text(idle);
  EXPECT_EQ(*idle, 0u);
  run_times(object, "emit_big", 7);
  Result<size_t> woken = reader.poll(-1);  // records are there: returns at once
  ASSERT_TRUE(woken.ok()) << error_text(woken);
  EXPECT_EQ(*woken, 7u);
  EXPECT_EQ(got.events.size(), 7u);
}

TEST(RingBufferKernel, RecordsFromEveryCpuAtOnceAllArriveInOrderPerCpu) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received got;
  ASSERT_TRUE(reader.add(object, "big_ring", got.callback()).ok());
  const std::vector<unsigned> cpus = usable_cpus(8);
  ASSERT_FALSE(cpus.empty());
  // 4000 records fit in the 256 KiB ring (5461 do), so none is dropped even unread.
  const uint32_t per_cpu = static_cast<uint32_t>(4000 / cpus.size());
  std::vector<std::thread> producers;
  std::vector<char> placed(cpus.size(), 0);
  std::atomic<size_t> finished = 0;
  for (size_t i = 0; i < cpus.size(); ++i)
    producers.emplace_back([&, i] {
      placed[i] = run_times_on_cpu(object, "emit_big", per_cpu, cpus[i]);
      ++finished;
    });
  // Read while the producers write; then, once they are done, whatever is left.
  while (finished.load() < cpus.size()) {
    Result<size_t> read = reader.poll(20);
    if (!read.ok()) {
      ADD_FAILURE() << error_text(read);
      break;
    }
  }
  for (auto& producer : producers) producer.join();
  Result<size_t> rest = reader.consume();
  ASSERT_TRUE(rest.ok()) << error_text(rest);
  const size_t expected = size_t{per_cpu} * cpus.size();
  for (char p : placed) ASSERT_TRUE(p) << "a CPU this process may use refused it";
  EXPECT_EQ(dropped_records(object), 0u);
  ASSERT_EQ(got.events.size(), expected);
  std::map<uint32_t, std::vector<uint64_t>> per;
  for (const RingEvent& event : got.events) per[event.cpu].push_back(event.seq);
  ASSERT_EQ(per.size(), cpus.size());
  for (const unsigned cpu : cpus) {
    const std::vector<uint64_t>& seqs = per[cpu];
    ASSERT_EQ(seqs.size(), per_cpu) << "CPU " << cpu;
    for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i) << "CPU " << cpu;
  }
}

TEST(RingBufferKernel, DiscardedRecordsAreSkipped) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received got;
  ASSERT_TRUE(reader.add(object, "small_ring", got.callback()).ok());
  run_times(object, "emit_reserve_discard", 50);
  Result<size_t> read = reader.consume();
  ASSERT_TRUE(read.ok()) << error_text(read);
  EXPECT_EQ(*read, 40u);
  ASSERT_EQ(got.events.size(), 40u);
  uint64_t expected = 0;
  for (const RingEvent& event : got.events) {
    if (expected % 5 == 4) ++expected;
    EXPECT_EQ(event.seq, expected);
    EXPECT_EQ(event.kind, 3u);
    ++expected;
  }
}

TEST(RingBufferKernel, AReaderOfTwoRingsHandsEachRecordToItsRingsCallback) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received small;
  Received big;
  ASSERT_TRUE(reader.add(object, "small_ring", small.callback()).ok());
  ASSERT_TRUE(reader.add(object, "big_ring", big.callback()).ok());
  EXPECT_EQ(reader.ring_count(), 2u);
  run_times(object, "emit_small", 3);
  run_times(object, "emit_big", 5);
  Result<size_t> read = reader.consume();
  ASSERT_TRUE(read.ok()) << error_text(read);
  EXPECT_EQ(*read, 8u);
  EXPECT_EQ(small.events.size(), 3u);
  EXPECT_EQ(big.events.size(), 5u);
  for (const RingEvent& event : small.events) EXPECT_EQ(event.kind, 1u);
  for (const RingEvent& event : big.events) EXPECT_EQ(event.kind, 2u);
}

TEST(RingBufferKernel, APinnedRingIsReadByItsPathAndTheReaderOutlivesTheObject) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string pin = dir.path() + "/big_ring";
  RingBufferReader reader = make_reader();
  Received got;
  {
    const LoadedObject object = load_ring_events();
    ASSERT_TRUE(system_kernel().obj_pin(object.map_fd("big_ring"), pin).ok());
    ASSERT_TRUE(reader.add_pinned(pin, got.callback()).ok());
    run_times(object, "emit_big", 4);
    ASSERT_TRUE(system_kernel().unpin(pin).ok());
  }
  Result<size_t> read = reader.consume();
  ASSERT_TRUE(read.ok()) << error_text(read);
  EXPECT_EQ(*read, 4u);
  EXPECT_EQ(got.events.size(), 4u);
}

TEST(RingBufferKernel, MapsOfOtherTypesAreRefusedNamingTheMapAndTheReaderIsUnchanged) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  Received got;
  for (const char* name : {"seqs", "perf_events"}) {
    Status refused = reader.add(object, name, got.callback());
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(refused.error().message.find(std::string("'") + name + "'"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("not a ring buffer"), std::string::npos) << refused.error().message;
  }
  EXPECT_EQ(reader.ring_count(), 0u);
  Status missing = reader.add(object, "nosuch", got.callback());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("'big_ring'"), std::string::npos) << missing.error().message;
  Result<size_t> empty = reader.poll(0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::InvalidArgument);
}

TEST(RingBufferKernel, ACallbackThatStopsLeavesTheRestForTheNextCall) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_ring_events();
  RingBufferReader reader = make_reader();
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(reader
                  .add(object, "big_ring",
                       [&](std::span<const std::byte> record) {
                         seqs.push_back(decode_event(record).seq);
                         return seqs.size() != 3;
                       })
                  .ok());
  run_times(object, "emit_big", 5);
  Result<size_t> first = reader.consume();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 3u);
  Result<size_t> second = reader.consume();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2u);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace bpfload::test
