// UserRingBufferWriter's mappings and checks against the fake kernel (no privilege): the
// consumer page read-only and the producer page with the data writable, as the kernel
// requires; a failed mapping or a map of another type named in the error.
#include <linux/bpf.h>
#include <sys/mman.h>

#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "bpfload/user_ring_buffer.hpp"

namespace bpfload::test {
namespace {

Fd fake_map(FakeKernel& kernel, uint32_t type, const char* name, uint32_t max_entries) {
  MapCreateRequest request;
  request.type = type;
  request.name = name;
  const bool ring = type == BPF_MAP_TYPE_USER_RINGBUF || type == BPF_MAP_TYPE_RINGBUF;
  request.key_size = ring ? 0 : 4;
  request.value_size = ring ? 0 : 8;
  request.max_entries = max_entries;
  Result<Fd> fd = kernel.map_create(request);
  EXPECT_TRUE(fd.ok()) << fd.error().message;
  return fd.ok() ? std::move(*fd) : Fd();
}

struct Mapping {
  size_t length = 0;
  uint64_t offset = 0;
  bool writable = false;
};

/// Answers every mmap with anonymous memory of the asked length, noting what was asked.
void answer_mappings(FaultInjectingKernel& kernel, std::vector<Mapping>& asked) {
  kernel.answer_every("memory_map", [&asked](KernelOp& any, Kernel&) -> Status {
    auto& request = std::get<op::MemoryMap>(any);
    asked.push_back({request.length, request.offset, request.writable});
    void* memory = ::mmap(nullptr, request.length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return make_error(ErrorKind::Kernel, "anonymous mmap", errno);
    request.memory = MappedMemory(memory, request.length);
    return {};
  });
}

TEST(UserRingBufferFake, TheConsumerPageIsMappedReadOnlyAndTheProducerPageWithTheDataWritable) {
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  std::vector<Mapping> asked;
  answer_mappings(kernel, asked);
  const Fd map = fake_map(fake, BPF_MAP_TYPE_USER_RINGBUF, "requests", 16384);
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open_fd(map.get(), "requests", &kernel);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const size_t page = fake.page_size();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].offset, 0u);
  EXPECT_EQ(asked[0].length, page);
  EXPECT_FALSE(asked[0].writable) << "the kernel refuses a writable consumer page (EPERM)";
  EXPECT_EQ(asked[1].offset, page);
  EXPECT_EQ(asked[1].length, page + 2 * 16384u) << "the producer page, then the data twice";
  EXPECT_TRUE(asked[1].writable);
  EXPECT_EQ(writer->max_record_size(), 16384u - 8u);
  EXPECT_EQ(writer->free_bytes(), 16384u);
  Result<std::span<std::byte>> record = writer->reserve(100);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(writer->free_bytes(), 16384u - 112u);
  EXPECT_TRUE(writer->submit(record->data()).ok());
}

TEST(UserRingBufferFake, AFailedMappingNamesTheRingAndWhatWasBeingMapped) {
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  std::vector<Mapping> asked;
  answer_mappings(kernel, asked);
  kernel.fail_nth("memory_map", 2, ENOMEM);
  const Fd map = fake_map(fake, BPF_MAP_TYPE_USER_RINGBUF, "requests", 4096);
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open_fd(map.get(), "requests", &kernel);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(writer.error().sys_errno, ENOMEM);
  EXPECT_NE(writer.error().message.find("user ring buffer 'requests'"), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("producer page"), std::string::npos) << writer.error().message;
}

TEST(UserRingBufferFake, AKernelRingBufferIsRefusedSayingItIsReadNotWritten) {
  FakeKernel kernel;
  const Fd ring = fake_map(kernel, BPF_MAP_TYPE_RINGBUF, "events", 4096);
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open_fd(ring.get(), "events", &kernel);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(writer.error().message.find("'events'"), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("read, not written"), std::string::npos) << writer.error().message;
}

TEST(UserRingBufferFake, APinThatIsNotThereIsAKernelErrorNamingThePath) {
  FakeKernel kernel;
  Result<UserRingBufferWriter> writer = UserRingBufferWriter::open_pinned("/sys/fs/bpf/nothing/here", &kernel);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().kind, ErrorKind::Kernel);
  EXPECT_NE(writer.error().message.find("/sys/fs/bpf/nothing/here"), std::string::npos) << writer.error().message;
}

}  // namespace
}  // namespace bpfload::test
