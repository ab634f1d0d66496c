// The C API's ring buffer reader, driven from C (capi_ringbuf_c.c) on the real kernel.
#include <sched.h>

#include <gtest/gtest.h>

#include "capi_ringbuf_c.h"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

/// Keeps this thread on the CPU it is on while alive: the test program numbers records per
/// CPU, and the two test runs must count on one CPU for the numbers to follow on.
class StayOnThisCpu {
 public:
  StayOnThisCpu() {
    saved_ok_ = ::sched_getaffinity(0, sizeof(saved_), &saved_) == 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(::sched_getcpu(), &one);
    (void)::sched_setaffinity(0, sizeof(one), &one);
  }
  ~StayOnThisCpu() {
    if (saved_ok_) (void)::sched_setaffinity(0, sizeof(saved_), &saved_);
  }

 private:
  cpu_set_t saved_{};
  bool saved_ok_ = false;
};

TEST(CapiRingbuf, RecordsWrittenByAProgramAreReadFromCAlsoAfterTheObjectIsClosed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const StayOnThisCpu pinned;
  char message[1024] = {};
  EXPECT_EQ(capi_c_ringbuf_round_trip(bpf_object("ring_events.o").c_str(), message, sizeof(message)), 0) << message;
}

TEST(CapiRingbuf, NullArgumentsWrongMapTypesUnloadedObjectsAndMissingPinsAreRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  char message[1024] = {};
  EXPECT_EQ(capi_c_ringbuf_refusals(bpf_object("ring_events.o").c_str(), message, sizeof(message)), 0) << message;
}

}  // namespace
}  // namespace bpfload::test
