// The user ring buffer producer protocol on hand-built memory laid out as the kernel lays
// it out (data mapped twice): headers with the busy bit, submit and discard, a record
// wrapping around the end, a full ring, records that can never fit.
#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "user_ring_produce.hpp"

namespace bpfload::events {
namespace {

/// A ring of `size` bytes whose data is one buffer of twice the size; what the producer
/// writes in the second copy is folded back into the first, as the double mapping does.
class HandMadeUserRing {
 public:
  explicit HandMadeUserRing(uint64_t size) : size_(size), data_(2 * size) {}

  UserRingView view() { return UserRingView{&consumer_, &producer_, data_.data(), size_}; }
  [[nodiscard]] uint64_t producer() const { return producer_; }
  /// The kernel's side: takes every byte up to the producer position.
  void drain_all() { consumer_ = producer_; }
  /// The header word of the record whose header is at position `at`.
  [[nodiscard]] uint32_t header_at(uint64_t at) const {
    uint32_t word = 0;
    std::memcpy(&word, data_.data() + (at & (size_ - 1)), sizeof(word));
    return word;
  }
  /// Copies what a wrapping record wrote past the end into the first copy.
  void fold() {
    for (uint64_t i = 0; i < size_; ++i)
      if (data_[size_ + i] != std::byte{0}) data_[i] = data_[size_ + i];
  }
  [[nodiscard]] std::byte at(uint64_t position) const { return data_[position & (size_ - 1)]; }

 private:
  uint64_t size_;
  uint64_t consumer_ = 0;
  uint64_t producer_ = 0;
  std::vector<std::byte> data_;
};

TEST(UserRingProduce, AReservedRecordIsBusyUntilSubmittedAndThenCarriesItsLength) {
  HandMadeUserRing ring(4096);
  Result<std::byte*> record = reserve_user_record(ring.view(), 20, "ring");
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(ring.producer(), 32u) << "20 bytes and the 8-byte header, rounded up to 8";
  EXPECT_EQ(ring.header_at(0), 20u | BPF_RINGBUF_BUSY_BIT);
  ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  EXPECT_EQ(ring.header_at(0), 20u);
}

TEST(UserRingProduce, ADiscardedRecordCarriesTheDiscardBit) {
  HandMadeUserRing ring(4096);
  Result<std::byte*> record = reserve_user_record(ring.view(), 16, "ring");
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(commit_user_record(ring.view(), *record, true, "ring").ok());
  EXPECT_EQ(ring.header_at(0), 16u | BPF_RINGBUF_DISCARD_BIT);
}

TEST(UserRingProduce, ARecordIsRefusedWhenTheRingIsFullAndFitsOnceDrained) {
  HandMadeUserRing ring(4096);
  // 4096 / 64: 64 records of 56 bytes fill the ring exactly.
  for (int i = 0; i < 64; ++i) {
    Result<std::byte*> record = reserve_user_record(ring.view(), 56, "ring");
    ASSERT_TRUE(record.ok()) << "record " << i << ": " << record.error().message;
    ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  }
  EXPECT_EQ(user_ring_free_bytes(ring.view()), 0u);
  Result<std::byte*> full = reserve_user_record(ring.view(), 1, "ring");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind, ErrorKind::LimitExceeded);
  EXPECT_EQ(full.error().sys_errno, ENOSPC);
  EXPECT_NE(full.error().message.find("'ring' is full"), std::string::npos) << full.error().message;
  ring.drain_all();
  EXPECT_TRUE(reserve_user_record(ring.view(), 56, "ring").ok());
}

TEST(UserRingProduce, ARecordWrappingAroundTheEndIsOneSpanInTheDoubleMapping) {
  HandMadeUserRing ring(4096);
  // Move to 4080: the next header takes 4080..4087, its 24 bytes 4088..4111 wrap.
  for (int i = 0; i < 255; ++i) {
    Result<std::byte*> record = reserve_user_record(ring.view(), 8, "ring");
    ASSERT_TRUE(record.ok());
    ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  }
  ring.drain_all();
  ASSERT_EQ(ring.producer(), 4080u);
  Result<std::byte*> record = reserve_user_record(ring.view(), 24, "ring");
  ASSERT_TRUE(record.ok()) << record.error().message;
  for (int i = 0; i < 24; ++i) (*record)[i] = std::byte(static_cast<uint8_t>(0x40 + i));
  ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  ring.fold();
  EXPECT_EQ(ring.header_at(4080), 24u);
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(ring.at(4088 + i), std::byte(static_cast<uint8_t>(0x40 + i))) << "byte " << i;
}

TEST(UserRingProduce, ARecordWhoseHeaderTakesTheLastEightBytesStartsAtTheRingsBeginning) {
  HandMadeUserRing ring(4096);
  // 254 records of 16 bytes and one of 24 with their headers: position 4088.
  for (int i = 0; i < 255; ++i) {
    Result<std::byte*> record = reserve_user_record(ring.view(), i == 0 ? 16 : 8, "ring");
    ASSERT_TRUE(record.ok());
    ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  }
  ring.drain_all();
  ASSERT_EQ(ring.producer(), 4088u);
  Result<std::byte*> record = reserve_user_record(ring.view(), 8, "ring");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(*record, ring.view().data);
  ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  EXPECT_EQ(ring.header_at(4088), 8u);
}

TEST(UserRingProduce, ARecordLargerThanTheRingIsRefusedNamingTheRingAndSizes) {
  HandMadeUserRing ring(4096);
  EXPECT_EQ(max_user_record_size(4096), 4088u);
  EXPECT_TRUE(reserve_user_record(ring.view(), 4088, "user_records").ok());
  HandMadeUserRing other(4096);
  Result<std::byte*> big = reserve_user_record(other.view(), 4089, "user_records");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(big.error().sys_errno, E2BIG);
  EXPECT_NE(big.error().message.find("'user_records'"), std::string::npos) << big.error().message;
  EXPECT_NE(big.error().message.find("4089 bytes"), std::string::npos) << big.error().message;
  EXPECT_NE(big.error().message.find("4088"), std::string::npos) << big.error().message;
  EXPECT_EQ(other.producer(), 0u) << "nothing reserved";
}

TEST(UserRingProduce, EmptyRecordsAreRefused) {
  HandMadeUserRing ring(4096);
  Result<std::byte*> empty = reserve_user_record(ring.view(), 0, "ring");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::InvalidArgument);
}

TEST(UserRingProduce, SubmittingSomethingNotReservedOrTwiceIsRefused) {
  HandMadeUserRing ring(4096);
  Result<std::byte*> record = reserve_user_record(ring.view(), 16, "ring");
  ASSERT_TRUE(record.ok());
  int elsewhere = 0;
  EXPECT_EQ(commit_user_record(ring.view(), &elsewhere, false, "ring").error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(commit_user_record(ring.view(), *record + 4, false, "ring").error().kind, ErrorKind::InvalidArgument);
  ASSERT_TRUE(commit_user_record(ring.view(), *record, false, "ring").ok());
  const Status twice = commit_user_record(ring.view(), *record, true, "ring");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("already submitted"), std::string::npos) << twice.error().message;
  EXPECT_EQ(ring.header_at(0), 16u) << "the second call changed nothing";
}

}  // namespace
}  // namespace bpfload::events
