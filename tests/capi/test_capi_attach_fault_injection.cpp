// Attaching through the C API with each of its kernel calls failed in turn (the one
// FaultInjectingKernel, installed after the load): XDP and a tc
// filter through netlink on a veth in a namespace the test creates, and a socket filter.
// Every failure is an error value on the object with no link handed out, and after
// bpfload_object_close nothing is left on the device or the socket and no fd leaked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/bpfload.h"
#include "capi_testing.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bpfload_object* open_net_object() {
  const bpfload_program_type types[] = {{"ingress", "sched_cls"}, {"egress", "sched_cls"}};
  bpfload_open_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.program_types = types;
  opts.program_type_count = 2;
  bpfload_object* object = nullptr;
  EXPECT_EQ(bpfload_object_open_file(bpf_object("attach_net_legacy.o").c_str(), &opts, &object), BPFLOAD_OK)
      << bpfload_object_error(nullptr)->message;
  return object;
}

// Attaches count_xdp (netlink, generic) and count_ingress (clsact filter) to `device`.
// Returns the first failing status, or OK; *links counts the links handed out.
bpfload_status attach_both(bpfload_object* object, const std::string& device, int* links) {
  bpfload_attach_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.device = device.c_str();
  opts.netlink = 1;
  opts.xdp_mode = BPFLOAD_XDP_GENERIC;
  opts.tc_direction = BPFLOAD_TC_INGRESS;
  for (const char* program : {"count_xdp", "count_ingress"}) {
    bpfload_link* link = nullptr;
    const bpfload_status status = bpfload_program_attach(object, program, &opts, &link);
    if (status != BPFLOAD_OK) {
      EXPECT_EQ(link, nullptr) << "a failed attach hands out no link";
      return status;
    }
    ++*links;
  }
  return BPFLOAD_OK;
}

TEST(CapiAttachFaultInjection, EveryFailedAttachCallLeavesNoProgramFilterOrQdiscAfterClose) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string device = ns.receiver();
  FaultInjectingKernel kernel(system_kernel());
  const size_t baseline = open_fd_count();

  std::vector<std::string> calls;
  {
    bpfload_object* object = open_net_object();
    ASSERT_NE(object, nullptr);
    ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << bpfload_object_error(object)->message;
    capi::use_kernel_for_testing(object, &kernel);
    kernel.reset();
    int links = 0;
    ASSERT_EQ(attach_both(object, device, &links), BPFLOAD_OK) << bpfload_object_error(object)->message;
    calls = kernel.call_log();
    kernel.reset();
    bpfload_object_close(object);
  }
  ASSERT_GT(calls.size(), 3U);

  size_t failed = 0;
  for (size_t n = 1; n <= calls.size(); ++n) {
    for (const int err : {EPERM, EBUSY}) {
      SCOPED_TRACE("failing attach call " + std::to_string(n) + " (" + calls[n - 1] + ") with errno " +
                   std::to_string(err));
      bpfload_object* object = open_net_object();
      ASSERT_NE(object, nullptr);
      ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << bpfload_object_error(object)->message;
      capi::use_kernel_for_testing(object, &kernel);
      kernel.reset();
      kernel.fail_nth_call(n, err);
      int links = 0;
      const bpfload_status status = attach_both(object, device, &links);
      if (status != BPFLOAD_OK) {
        ++failed;
        const bpfload_error* error = bpfload_object_error(object);
        EXPECT_EQ(error->kind, status);
        EXPECT_THAT(error->message, HasSubstr("count_")) << "the message names the program";
      }
      kernel.reset();  // closing undoes what was attached, without injected faults
      bpfload_object_close(object);
      EXPECT_EQ(open_fd_count(), baseline) << "fds leaked";
      EXPECT_THAT(command_output("ip link show dev " + device), Not(HasSubstr("xdp")));
      EXPECT_THAT(command_output("tc qdisc show dev " + device), Not(HasSubstr("clsact")));
    }
  }
  std::printf("C API attach fault injection: %zu attach calls, %zu failed attaches cleaned up\n", calls.size(),
              failed);
  EXPECT_EQ(failed, 2 * calls.size()) << "every injected failure fails the attach";
}

}  // namespace
}  // namespace bpfload::test
