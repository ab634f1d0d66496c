// UserRingBufferWriter on the real kernel: records written from user space are taken by
// a program (bpf_progs/user_ring_events.o, run with BPF_PROG_TEST_RUN) calling
// bpf_user_ringbuf_drain, which counts and sums them and checks their order; discarded
// records are skipped, the ring wraps, a full ring and a record larger than the ring are
// refused naming the map, maps of other types too.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/map.hpp"
#include "bpfload/user_ring_buffer.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "ring_events_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

/// struct user_record of user_ring_events.c.
struct UserRecord {
  uint64_t seq = 0;
  uint64_t value = 0;
};

/// struct drain_totals of user_ring_events.c.
struct DrainTotals {
  uint64_t records = 0;
  uint64_t sum = 0;
  uint64_t next_seq = 0;
  uint64_t out_of_order = 0;
  uint64_t too_short = 0;
  uint64_t drained = 0;
  uint64_t drain_errors = 0;
};

LoadedObject load_user_ring_events() {
  Result<LoadedObject> loaded = load_object(parse_test_object("user_ring_events.o"), LoadOptions{});
  EXPECT_TRUE(loaded.ok()) << error_text(loaded);
  return loaded.ok() ? std::move(loaded).value() : LoadedObject{};
}

UserRingBufferWriter open_writer(const LoadedObject& object) {
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open(object, "user_records");
  EXPECT_TRUE(writer.ok()) << error_text(writer);
  if (!writer.ok()) std::abort();
  return std::move(writer).value();
}

DrainTotals totals(const LoadedObject& object) { return read_map<DrainTotals>(object.map_fd("totals"), 0); }

/// Writes record `seq` with value seq * 3 + 1 (and `padding` bytes more the program
/// ignores); fails the test when it does not fit.
void write_record(UserRingBufferWriter& writer, uint64_t seq, size_t padding = 0) {
  Result<std::span<std::byte>> record = writer.reserve(sizeof(UserRecord) + padding);
  ASSERT_TRUE(record.ok()) << error_text(record);
  const UserRecord body{seq, seq * 3 + 1};
  std::memcpy(record->data(), &body, sizeof(body));
  std::memset(record->data() + sizeof(body), 0xee, padding);
  ASSERT_TRUE(writer.submit(record->data()).ok());
}

uint64_t expected_sum(uint64_t first, uint64_t count) {
  uint64_t sum = 0;
  for (uint64_t seq = first; seq < first + count; ++seq) sum += seq * 3 + 1;
  return sum;
}

TEST(UserRingBufferKernel, TheProgramDrainsExactlyTheRecordsWrittenInOrder) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  EXPECT_EQ(writer.max_record_size(), 4096u - 8u);
  constexpr uint64_t kRecords = 100;  // 100 * 24 bytes: fits in the 4096-byte ring
  for (uint64_t seq = 0; seq < kRecords; ++seq) write_record(writer, seq);
  run_times(object, "drain", 1);
  const DrainTotals seen = totals(object);
  EXPECT_EQ(seen.records, kRecords);
  EXPECT_EQ(seen.drained, kRecords);
  EXPECT_EQ(seen.sum, expected_sum(0, kRecords));
  EXPECT_EQ(seen.out_of_order, 0u);
  EXPECT_EQ(seen.too_short, 0u);
  EXPECT_EQ(seen.drain_errors, 0u);
  EXPECT_EQ(writer.free_bytes(), 4096u) << "the kernel gave the space back";
}

TEST(UserRingBufferKernel, RecordsWrappingAroundTheRingsEndArriveWhole) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  // Records of 16 + 20 bytes take 48 with their header, which does not divide 4096: over
  // 10 rounds of 70 records, some straddle the end of the ring and must arrive whole.
  constexpr uint64_t kPerRound = 70;
  constexpr uint64_t kRounds = 10;
  uint64_t seq = 0;
  for (uint64_t round = 0; round < kRounds; ++round) {
    for (uint64_t i = 0; i < kPerRound; ++i) write_record(writer, seq++, 20);
    run_times(object, "drain", 1);
    const DrainTotals seen = totals(object);
    ASSERT_EQ(seen.records, seq) << "round " << round;
  }
  const DrainTotals seen = totals(object);
  EXPECT_EQ(seen.sum, expected_sum(0, seq));
  EXPECT_EQ(seen.out_of_order, 0u);
  EXPECT_EQ(seen.drain_errors, 0u);
}

TEST(UserRingBufferKernel, DiscardedRecordsAreSkippedByTheProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  uint64_t seq = 0;
  uint64_t sum = 0;
  for (int i = 0; i < 30; ++i) {
    Result<std::span<std::byte>> record = writer.reserve(sizeof(UserRecord));
    ASSERT_TRUE(record.ok()) << error_text(record);
    if (i % 3 == 2) {
      // Garbage the program would count as out of order, were it not discarded.
      std::memset(record->data(), 0xff, record->size());
      ASSERT_TRUE(writer.discard(record->data()).ok());
      continue;
    }
    const UserRecord body{seq, seq * 3 + 1};
    sum += body.value;
    ++seq;
    std::memcpy(record->data(), &body, sizeof(body));
    ASSERT_TRUE(writer.submit(record->data()).ok());
  }
  run_times(object, "drain", 1);
  const DrainTotals seen = totals(object);
  EXPECT_EQ(seen.records, 20u);
  EXPECT_EQ(seen.sum, sum);
  EXPECT_EQ(seen.out_of_order, 0u);
  EXPECT_EQ(seen.drained, 20u) << "bpf_user_ringbuf_drain does not count discarded records";
}

TEST(UserRingBufferKernel, AReservedRecordHoldsBackTheOnesAfterItUntilSubmitted) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  Result<std::span<std::byte>> first = writer.reserve(sizeof(UserRecord));
  ASSERT_TRUE(first.ok());
  write_record(writer, 1);
  run_times(object, "drain", 1);
  EXPECT_EQ(totals(object).records, 0u) << "the program stops at the busy record";
  const UserRecord body{0, 1};
  std::memcpy(first->data(), &body, sizeof(body));
  ASSERT_TRUE(writer.submit(first->data()).ok());
  run_times(object, "drain", 1);
  const DrainTotals seen = totals(object);
  EXPECT_EQ(seen.records, 2u);
  EXPECT_EQ(seen.out_of_order, 0u);
}

TEST(UserRingBufferKernel, AFullRingIsReportedAndTakesRecordsAgainOnceDrained) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  uint64_t seq = 0;
  for (; seq < 4096 / 24; ++seq) write_record(writer, seq);  // 170 records: 4080 bytes
  Result<std::span<std::byte>> full = writer.reserve(sizeof(UserRecord));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind, ErrorKind::LimitExceeded);
  EXPECT_EQ(full.error().sys_errno, ENOSPC);
  EXPECT_NE(full.error().message.find("'user_records' is full"), std::string::npos) << full.error().message;
  run_times(object, "drain", 1);
  write_record(writer, seq++);
  run_times(object, "drain", 1);
  const DrainTotals seen = totals(object);
  EXPECT_EQ(seen.records, seq);
  EXPECT_EQ(seen.sum, expected_sum(0, seq));
}

TEST(UserRingBufferKernel, ARecordLargerThanTheRingIsRefusedNamingTheMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  UserRingBufferWriter writer = open_writer(object);
  const std::vector<std::byte> big(8192);
  const Status refused = writer.write(big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(refused.error().sys_errno, E2BIG);
  EXPECT_NE(refused.error().message.find("'user_records'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("8192 bytes"), std::string::npos) << refused.error().message;
  EXPECT_EQ(writer.free_bytes(), 4096u) << "nothing was reserved";
}

TEST(UserRingBufferKernel, MapsOfOtherTypesAreRefusedNamingTheMapAndItsType) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_user_ring_events();
  Result<UserRingBufferWriter> array = UserRingBufferWriter::open(object, "totals");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(array.error().message.find("'totals'"), std::string::npos) << array.error().message;
  EXPECT_NE(array.error().message.find("not a user ring buffer"), std::string::npos) << array.error().message;
  const LoadedObject rings = load_ring_events();
  Result<UserRingBufferWriter> ring = UserRingBufferWriter::open(rings, "small_ring");
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("it is read, not written"), std::string::npos) << ring.error().message;
  Result<UserRingBufferWriter> missing = UserRingBufferWriter::open(object, "nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
}

TEST(UserRingBufferKernel, APinnedUserRingIsWrittenByPathAndTheWriterOutlivesTheObject) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  std::optional<LoadedObject> object = load_user_ring_events();
  const std::string pin = dir.path() + "/user_records";
  ASSERT_TRUE(system_kernel().obj_pin(object->map_fd("user_records"), pin).ok());
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open_pinned(pin);
  ASSERT_TRUE(writer.ok()) << error_text(writer);
  EXPECT_EQ(writer->name(), pin);
  write_record(*writer, 0);
  run_times(*object, "drain", 1);
  EXPECT_EQ(totals(*object).records, 1u);
  // With the object closed, the writer's own reference keeps the ring mapped.
  object.reset();
  write_record(*writer, 1);
  EXPECT_EQ(writer->free_bytes(), 4096u - 24u);
}

}  // namespace
}  // namespace bpfload::test
