// RingBufferReader's checks before it maps a ring, against the fake kernel: no privilege.
#include <linux/bpf.h>

#include <string>

#include <gtest/gtest.h>

#include "bpfload/ring_buffer.hpp"
#include "bpfload/testing/fake_kernel.hpp"

namespace bpfload::test {
namespace {

Fd fake_map(FakeKernel& kernel, uint32_t type, const char* name, uint32_t max_entries) {
  MapCreateRequest request;
  request.type = type;
  request.name = name;
  const bool ring = type == BPF_MAP_TYPE_RINGBUF || type == BPF_MAP_TYPE_USER_RINGBUF;
  request.key_size = ring ? 0 : 4;
  request.value_size = ring ? 0 : 8;
  request.max_entries = max_entries;
  Result<Fd> fd = kernel.map_create(request);
  EXPECT_TRUE(fd.ok()) << fd.error().message;
  return fd.ok() ? std::move(*fd) : Fd();
}

const RingBufferCallback kIgnore = [](std::span<const std::byte>) { return true; };

TEST(RingBufferFake, AnArrayIsRefusedNamingItsTypeAndName) {
  FakeKernel kernel;
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  const Fd array = fake_map(kernel, BPF_MAP_TYPE_ARRAY, "counts", 4);
  Status refused = reader->add_fd(array.get(), "counts", kIgnore);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(refused.error().message.find("'counts'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("array"), std::string::npos) << refused.error().message;
  EXPECT_EQ(reader->ring_count(), 0u);
}

TEST(RingBufferFake, AUserRingBufferIsRefusedSayingItIsWrittenNotRead) {
  FakeKernel kernel;
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  ASSERT_TRUE(reader.ok());
  const Fd user = fake_map(kernel, BPF_MAP_TYPE_USER_RINGBUF, "requests", 4096);
  Status refused = reader->add_fd(user.get(), "requests", kIgnore);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("written, not read"), std::string::npos) << refused.error().message;
}

TEST(RingBufferFake, AnEmptyCallbackIsRefusedBeforeAnythingIsAsked) {
  FakeKernel kernel;
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  ASSERT_TRUE(reader.ok());
  const Fd ring = fake_map(kernel, BPF_MAP_TYPE_RINGBUF, "events", 4096);
  Status refused = reader->add_fd(ring.get(), "events", RingBufferCallback{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(refused.error().message.find("'events'"), std::string::npos);
}

TEST(RingBufferFake, AMappingFailureNamesTheRingAndLeavesTheReaderEmpty) {
  FakeKernel kernel;
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  ASSERT_TRUE(reader.ok());
  const Fd ring = fake_map(kernel, BPF_MAP_TYPE_RINGBUF, "events", 4096);
  Status failed = reader->add_fd(ring.get(), "events", kIgnore);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(failed.error().message.find("ring buffer 'events'"), std::string::npos) << failed.error().message;
  EXPECT_EQ(reader->ring_count(), 0u);
  Result<size_t> nothing = reader->consume();
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().kind, ErrorKind::InvalidArgument);
}

TEST(RingBufferFake, APinThatIsNotThereIsAKernelErrorNamingThePath) {
  FakeKernel kernel;
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  ASSERT_TRUE(reader.ok());
  Status missing = reader->add_pinned("/sys/fs/bpf/nosuch", kIgnore);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/sys/fs/bpf/nosuch"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace bpfload::test
