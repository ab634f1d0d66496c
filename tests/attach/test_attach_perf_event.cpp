// A perf_event program on a software perf event of this thread: page faults, which the
// test causes by touching fresh anonymous pages, so the event fires without timing.
#include <sys/mman.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"

namespace bpfload {
namespace {

uint64_t overflows(const LoadedObject& object) {
  const uint32_t key = 0;
  uint64_t value = 0;
  const Status status = system_kernel().map_lookup(object.map_fd("counts"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(status) << (status ? "" : status.error().message);
  return value;
}

// Maps `pages` fresh anonymous pages and writes one byte in each: a page fault apiece.
void fault_in_fresh_pages(size_t pages) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* memory = ::mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  auto* bytes = static_cast<volatile char*>(memory);
  for (size_t i = 0; i < pages; ++i) bytes[i * page] = 1;
  ::munmap(memory, pages * page);
}

// Bounded busy work until the program ran at least once; returns what it counted.
uint64_t fault_until_counted(const LoadedObject& object) {
  for (int round = 0; round < 64; ++round) {
    fault_in_fresh_pages(16);
    if (const uint64_t n = overflows(object); n > 0) return n;
  }
  return overflows(object);
}

Result<Fd> page_fault_event_of_this_thread() {
  PerfEventRequest request;
  request.type = PERF_TYPE_SOFTWARE;
  request.config = PERF_COUNT_SW_PAGE_FAULTS;
  request.sample_period = 1;  // every fault overflows, and so runs the program
  request.pid = 0;
  request.cpu = -1;
  return system_kernel().perf_event_open(request);
}

TEST(AttachPerfEvent, ProgramOnASoftwarePageFaultEventCountsTheFaultsUntilDetached) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_perf_legacy.o");
  ASSERT_TRUE(object) << object.error().message;
  auto event = page_fault_event_of_this_thread();
  ASSERT_TRUE(event) << event.error().message;
  auto attached = attach_perf_event(system_kernel(), object->program_fd("count_overflows"),
                                    "count_overflows", std::move(*event), "page faults of this thread");
  ASSERT_TRUE(attached) << attached.error().message;
  EXPECT_EQ(attached->target(), "page faults of this thread");
  EXPECT_GT(fault_until_counted(*object), 0U);

  ASSERT_TRUE(attached->detach());
  const uint64_t before = overflows(*object);
  fault_in_fresh_pages(16);
  EXPECT_EQ(overflows(*object), before) << "the program still runs after detach";
}

TEST(AttachPerfEvent, ProgramThatIsNotAPerfEventProgramIsRefusedNamingTheTarget) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_sock_legacy.o");
  ASSERT_TRUE(object) << object.error().message;
  auto event = page_fault_event_of_this_thread();
  ASSERT_TRUE(event) << event.error().message;
  auto attached = attach_perf_event(system_kernel(), object->program_fd("drop_long"), "drop_long",
                                    std::move(*event), "page faults of this thread");
  ASSERT_FALSE(attached);
  EXPECT_THAT(attached.error().message, ::testing::HasSubstr("'drop_long'"));
  EXPECT_THAT(attached.error().message, ::testing::HasSubstr("page faults of this thread"));
}

}  // namespace
}  // namespace bpfload
