// The ring buffer consumer protocol on hand-built memory laid out as the kernel lays it
// out (data mapped twice): order, a record wrapping around the end, busy and discarded
// records, a callback that stops, an impossible length.
#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ring_consume.hpp"

namespace bpfload::events {
namespace {

/// A ring of `size` bytes with a producer that writes records as the kernel does.
class HandMadeRing {
 public:
  explicit HandMadeRing(uint64_t size) : size_(size), data_(2 * size) {}

  RingView view() { return RingView{&consumer_, &producer_, data_.data(), size_}; }
  [[nodiscard]] uint64_t consumer() const { return consumer_; }

  /// Appends a record of `body` with header bits `flags`, moving the producer position.
  /// Returns the record's position.
  uint64_t append(const std::vector<std::byte>& body, uint32_t flags = 0) {
    const uint64_t at = producer_;
    const uint32_t header[2] = {static_cast<uint32_t>(body.size()) | flags, 0};
    write(at, std::as_bytes(std::span(header)));
    write(at + BPF_RINGBUF_HDR_SZ, body);
    producer_ += (body.size() + BPF_RINGBUF_HDR_SZ + 7) / 8 * 8;
    return at;
  }
  void set_header(uint64_t at, uint32_t word) {
    write(at, std::as_bytes(std::span(&word, 1)));
  }

 private:
  // Both copies, as the kernel's double mapping shows the same page twice.
  void write(uint64_t at, std::span<const std::byte> bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      const uint64_t offset = (at + i) & (size_ - 1);
      data_[offset] = bytes[i];
      data_[offset + size_] = bytes[i];
    }
  }

  uint64_t size_;
  uint64_t consumer_ = 0;
  uint64_t producer_ = 0;
  std::vector<std::byte> data_;
};

std::vector<std::byte> body_of(uint8_t seed, size_t length) {
  std::vector<std::byte> body(length);
  for (size_t i = 0; i < length; ++i) body[i] = std::byte(static_cast<uint8_t>(seed + i));
  return body;
}

struct Collected {
  std::vector<std::vector<std::byte>> records;
  RecordSink sink() {
    return [this](std::span<const std::byte> record) {
      records.emplace_back(record.begin(), record.end());
      return true;
    };
  }
};

TEST(RingConsume, RecordsComeInOrderAndTheConsumerPositionAdvancesPastEach) {
  HandMadeRing ring(256);
  ring.append(body_of(1, 5));
  ring.append(body_of(2, 16));
  ring.append(body_of(3, 1));
  Collected got;
  Result<ConsumeOutcome> outcome = consume_ring(ring.view(), got.sink(), "r");
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->records, 3u);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0], body_of(1, 5));
  EXPECT_EQ(got.records[1], body_of(2, 16));
  EXPECT_EQ(got.records[2], body_of(3, 1));
  EXPECT_EQ(ring.consumer(), 16u + 24u + 16u);  // each rounded up to 8 with its header
}

TEST(RingConsume, ARecordWrappingAroundTheEndIsOneContiguousSpan) {
  HandMadeRing ring(128);
  Collected got;
  // Records of 40 bytes (48 with the header): two fill 96 bytes; the third, read after
  // them, starts at 96 and ends at 144, past the end.
  ring.append(body_of(0, 40));
  ring.append(body_of(1, 40));
  ASSERT_TRUE(consume_ring(ring.view(), got.sink(), "r").ok());
  ring.append(body_of(2, 40));
  ring.append(body_of(3, 40));
  Result<ConsumeOutcome> wrapped = consume_ring(ring.view(), got.sink(), "r");
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().message;
  ASSERT_EQ(got.records.size(), 4u);
  EXPECT_EQ(got.records[2], body_of(2, 40));
  EXPECT_EQ(got.records[3], body_of(3, 40));
  EXPECT_EQ(ring.consumer(), 192u);
}

TEST(RingConsume, DiscardedRecordsAreSkippedAndUncounted) {
  HandMadeRing ring(256);
  ring.append(body_of(1, 8));
  ring.append(body_of(2, 8), BPF_RINGBUF_DISCARD_BIT);
  ring.append(body_of(3, 8));
  Collected got;
  Result<ConsumeOutcome> outcome = consume_ring(ring.view(), got.sink(), "r");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->records, 2u);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[1], body_of(3, 8));
  EXPECT_EQ(ring.consumer(), 3u * 16u);
}

TEST(RingConsume, ABusyRecordStopsThePassUntilItIsCommitted) {
  HandMadeRing ring(256);
  ring.append(body_of(1, 8));
  const uint64_t busy = ring.append(body_of(2, 8), BPF_RINGBUF_BUSY_BIT);
  ring.append(body_of(3, 8));
  Collected got;
  Result<ConsumeOutcome> first = consume_ring(ring.view(), got.sink(), "r");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->records, 1u);
  EXPECT_EQ(ring.consumer(), busy);
  ring.set_header(busy, 8);  // committed
  Result<ConsumeOutcome> second = consume_ring(ring.view(), got.sink(), "r");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->records, 2u);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[1], body_of(2, 8));
}

TEST(RingConsume, ACallbackReturningFalseStopsAfterItsRecordWhichCountsAsRead) {
  HandMadeRing ring(256);
  for (uint8_t i = 0; i < 4; ++i) ring.append(body_of(i, 8));
  size_t seen = 0;
  const RecordSink stop_at_two = [&](std::span<const std::byte>) { return ++seen < 2; };
  Result<ConsumeOutcome> outcome = consume_ring(ring.view(), stop_at_two, "r");
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->stopped);
  EXPECT_EQ(outcome->records, 2u);
  EXPECT_EQ(ring.consumer(), 32u);
  Collected rest;
  ASSERT_TRUE(consume_ring(ring.view(), rest.sink(), "r").ok());
  ASSERT_EQ(rest.records.size(), 2u);
  EXPECT_EQ(rest.records[0], body_of(2, 8));
}

TEST(RingConsume, ALengthLargerThanTheRingIsMalformedNamingTheRingAndNothingIsRead) {
  HandMadeRing ring(128);
  const uint64_t at = ring.append(body_of(1, 8));
  ring.set_header(at, 4096);
  Collected got;
  Result<ConsumeOutcome> outcome = consume_ring(ring.view(), got.sink(), "events");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, ErrorKind::Malformed);
  EXPECT_NE(outcome.error().message.find("'events'"), std::string::npos) << outcome.error().message;
  EXPECT_TRUE(got.records.empty());
  EXPECT_EQ(ring.consumer(), 0u);
}

}  // namespace
}  // namespace bpfload::events
