// The C API's perf buffer reader, driven from C (capi_perfbuf_c.c) on the real kernel.
#include <gtest/gtest.h>

#include "capi_perfbuf_c.h"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(CapiPerfbuf, SamplesAndLostCountsReachCAndBadArgumentsAreRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  char message[1024] = {};
  EXPECT_EQ(capi_c_perfbuf_round_trip(bpf_object("ring_events.o").c_str(), message, sizeof(message)), 0) << message;
}

}  // namespace
}  // namespace bpfload::test
