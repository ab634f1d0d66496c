// The C API's ring buffer reader, driven from C (capi_ringbuf_c.c) on the real kernel.
#include <gtest/gtest.h>

#include "capi_ringbuf_c.h"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(CapiRingbuf, RecordsWrittenByAProgramAreReadFromCAlsoAfterTheObjectIsClosed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
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
