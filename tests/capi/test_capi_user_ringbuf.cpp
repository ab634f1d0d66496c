// The C API's user ring buffer writer, driven from C (capi_user_ringbuf_c.c) on the real
// kernel: a program drains what C wrote.
#include <gtest/gtest.h>

#include "capi_user_ringbuf_c.h"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(CapiUserRingbuf, RecordsWrittenFromCReachTheProgramAndBadArgumentsAreRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  char message[1024] = {};
  EXPECT_EQ(capi_c_user_ringbuf_round_trip(bpf_object("user_ring_events.o").c_str(), message, sizeof(message)), 0)
      << message;
}

}  // namespace
}  // namespace bpfload::test
