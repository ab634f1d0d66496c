// The attach layer against FakeAttachKernel: what each kind asks the OS for, the errors it
// gives, and that a failed run leaves nothing attached or pinned.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpfload/attach.hpp"
#include "fake_attach_kernel.hpp"

namespace bpfload {
namespace {

using test::FakeAttachKernel;
using ::testing::HasSubstr;

// A real fd standing in for a loaded program (attachments dup it).
class FakeProgram {
 public:
  FakeProgram() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

TEST(AttachFake, XdpLinkCarriesIfindexAndModeAndDetachesOnDestruction) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  {
    XdpOptions options;
    options.mode = XdpMode::Generic;
    auto attachment = attach_xdp(kernel, prog.fd(), "xdp_count", "veth0", options);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_TRUE(attachment->is_link());
    EXPECT_EQ(kernel.live_links(), 1);
    EXPECT_THAT(kernel.calls, ::testing::Contains(fmt::format("link_create type={} target=7 flags={}", BPF_XDP,
                                                             XDP_FLAGS_SKB_MODE)));
  }
  EXPECT_EQ(kernel.live_links(), 0);
}

TEST(AttachFake, XdpOnMissingInterfaceNamesIt) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_xdp(kernel, prog.fd(), "xdp_count", "nosuch0", {});
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("nosuch0"));
  EXPECT_THAT(attachment.error().message, HasSubstr("xdp_count"));
}

TEST(AttachFake, XdpAlreadyAttachedNamesInterfaceAndProgramId) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  XdpOptions options;
  options.netlink = true;
  auto first = attach_xdp(kernel, prog.fd(), "first", "veth0", options);
  ASSERT_TRUE(first);
  first->keep();
  auto second = attach_xdp(kernel, prog.fd(), "second", "veth0", options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(second.error().message, HasSubstr("'veth0' already has an XDP program (program id 42)"));
  options.replace = true;
  auto replaced = attach_xdp(kernel, prog.fd(), "second", "veth0", options);
  EXPECT_TRUE(replaced) << replaced.error().message;
}

TEST(AttachFake, NetlinkXdpDetachRemovesOnlyWhenNotKept) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  XdpOptions options;
  options.netlink = true;
  { auto attachment = attach_xdp(kernel, prog.fd(), "p", "veth0", options); ASSERT_TRUE(attachment); }
  EXPECT_EQ(kernel.xdp_netlink.count(7), 0U);
  {
    auto attachment = attach_xdp(kernel, prog.fd(), "p", "veth0", options);
    ASSERT_TRUE(attachment);
    attachment->keep();
  }
  EXPECT_EQ(kernel.xdp_netlink.count(7), 1U);
}

TEST(AttachFake, TcUsesTcxLinkWhenTheKernelHasIt) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  TcOptions options;
  options.direction = TcDirection::Egress;
  auto attachment = attach_tc(kernel, prog.fd(), "tc_egress", "veth1", options);
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_TRUE(attachment->is_link());
  EXPECT_THAT(kernel.calls, ::testing::Contains(fmt::format("link_create type={} target=8 flags=0", kAttachTcxEgress)));
  EXPECT_TRUE(kernel.qdiscs.empty());
}

TEST(AttachFake, TcWithoutTcxAddsClsactAndRemovesItOnlyWhenItAddedIt) {
  FakeAttachKernel kernel;
  kernel.tcx = false;
  FakeProgram prog;
  {
    auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", {});
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "tc-filter");
    EXPECT_EQ(kernel.qdiscs.count(7), 1U);
    EXPECT_EQ(kernel.filters.size(), 1U);
  }
  EXPECT_EQ(kernel.qdiscs.count(7), 0U);
  EXPECT_TRUE(kernel.filters.empty());

  kernel.qdiscs.insert(7);  // someone else's qdisc
  { auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", {}); ASSERT_TRUE(attachment); }
  EXPECT_EQ(kernel.qdiscs.count(7), 1U);
  EXPECT_TRUE(kernel.filters.empty());
}

TEST(AttachFake, TcFilterFailureRemovesTheQdiscItAdded) {
  FakeAttachKernel kernel;
  kernel.tcx = false;
  kernel.fail_method("tc_filter_attach", EEXIST);
  FakeProgram prog;
  TcOptions options;
  options.handle = 1;
  options.priority = 1;
  auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", options);
  ASSERT_FALSE(attachment);
  EXPECT_THAT(attachment.error().message, HasSubstr("already on veth0 ingress"));
  EXPECT_TRUE(kernel.qdiscs.empty());
}

TEST(AttachFake, TracepointUsesTracefsIdAndPerfLink) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_getpid");
  ASSERT_TRUE(attachment) << attachment.error().message;
  ASSERT_EQ(kernel.perf_requests.size(), 1U);
  EXPECT_EQ(kernel.perf_requests[0].config, 321U);
  EXPECT_TRUE(attachment->is_link());
}

TEST(AttachFake, TracepointFallsBackToIoctlWithoutPerfLinks) {
  FakeAttachKernel kernel;
  kernel.perf_links = false;
  FakeProgram prog;
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_getpid");
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_EQ(attachment->mechanism(), "perf-event");
  EXPECT_THAT(kernel.calls, ::testing::Contains("perf_event_set_bpf"));
}

TEST(AttachFake, MissingTracepointIsNamed) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_nothing");
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("syscalls:sys_enter_nothing"));
}

TEST(AttachFake, KprobeWithoutPmuSaysTheFeatureIsMissing) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_kprobe(kernel, prog.fd(), "kp", "do_sys_open", 0, false);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("kernel feature missing"));
  EXPECT_THAT(attachment.error().message, HasSubstr("kprobe do_sys_open"));
}

TEST(AttachFake, KretprobeAsksThePmuWithFunctionOffsetAndRetprobeBit) {
  FakeAttachKernel kernel;
  kernel.kprobe_pmu = true;
  FakeProgram prog;
  AttachTargets targets;
  auto attachment = attach_program(kernel, prog.fd(), "krp", "kretprobe/do_unlinkat+0x10", BPF_PROG_TYPE_KPROBE,
                                   0, targets);
  ASSERT_TRUE(attachment) << attachment.error().message;
  ASSERT_EQ(kernel.perf_requests.size(), 1U);
  EXPECT_EQ(kernel.perf_requests[0].type, 6U);
  EXPECT_EQ(kernel.perf_requests[0].config, 1U);  // bit 0: retprobe
  EXPECT_EQ(kernel.perf_requests[0].config2, 0x10U);
  EXPECT_EQ(kernel.perf_names.at(0), "do_unlinkat");
}

TEST(AttachFake, NoSuchKernelFunctionIsNamed) {
  FakeAttachKernel kernel;
  kernel.kprobe_pmu = true;
  kernel.fail_method("perf_event_open", ENOENT);
  FakeProgram prog;
  auto attachment = attach_kprobe(kernel, prog.fd(), "kp", "no_such_function", 0, false);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("no probeable kernel function 'no_such_function'"));
}

TEST(AttachFake, FentryFexitLsmAndTpBtfOpenARawTracepointWithoutName) {
  for (const auto& [section, type, attach] :
       {std::tuple{"fentry/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
        std::tuple{"fexit/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
        std::tuple{"fmod_ret/security_x", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN},
        std::tuple{"tp_btf/sched_switch", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP},
        std::tuple{"lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC}}) {
    FakeAttachKernel kernel;
    FakeProgram prog;
    auto attachment = attach_program(kernel, prog.fd(), "p", section, type, attach, {});
    ASSERT_TRUE(attachment) << section << ": " << attachment.error().message;
    EXPECT_THAT(kernel.calls, ::testing::Contains("raw_tracepoint_open ")) << section;
    EXPECT_EQ(kernel.live_links(), 1) << section;
  }
}

TEST(AttachFake, IterCreatesATraceIterLink) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_program(kernel, prog.fd(), "it", "iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, {});
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_THAT(kernel.calls, ::testing::Contains(fmt::format("link_create type={} target=0 flags=0", BPF_TRACE_ITER)));
}

TEST(AttachFake, MissingCgroupIsNamed) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  AttachTargets targets;
  targets.cgroup = "/sys/fs/cgroup/nosuch";
  auto attachment = attach_program(kernel, prog.fd(), "cg", "cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB,
                                   BPF_CGROUP_INET_EGRESS, targets);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("/sys/fs/cgroup/nosuch"));
}

TEST(AttachFake, SectionWithoutTargetSaysWhichOptionIsMissing) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  auto attachment = attach_program(kernel, prog.fd(), "x", "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, {});
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("--dev"));
}

std::vector<ProgramToAttach> three_programs(const FakeProgram& prog) {
  return {
      {"count_xdp", "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, prog.fd()},
      {"count_ingress", "tc/ingress", BPF_PROG_TYPE_SCHED_CLS, 0, prog.fd()},
      {"on_getpid", "tracepoint/syscalls/sys_enter_getpid", BPF_PROG_TYPE_TRACEPOINT, 0, prog.fd()},
      {"on_raw", "raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, prog.fd()},
  };
}

// Every call of a whole run fails in turn: afterwards nothing of the run is attached, no
// qdisc it added remains and nothing is pinned.
TEST(AttachFake, AnyFailedCallUndoesTheWholeRunIncludingPins) {
  FakeProgram prog;
  AttachTargets targets;
  targets.device = "veth0";
  size_t total_calls = 0;
  {
    FakeAttachKernel kernel;
    kernel.tcx = false;
    auto set = attach_all(kernel, three_programs(prog), targets);
    ASSERT_TRUE(set) << set.error().message;
    ASSERT_TRUE(set->pin_all(kernel, "/fake/pins"));
    total_calls = kernel.calls.size();
    EXPECT_EQ(kernel.pins.size(), 3U);  // xdp, tracepoint and raw tracepoint links
  }
  ASSERT_GT(total_calls, 8U);
  for (size_t n = 1; n <= total_calls; ++n) {
    FakeAttachKernel kernel;
    kernel.tcx = false;
    kernel.fail_call(static_cast<int>(n), EPERM);
    Status status;
    {
      auto set = attach_all(kernel, three_programs(prog), targets);
      if (!set) {
        status = std::move(set).error();
      } else {
        status = set->pin_all(kernel, "/fake/pins");
        if (status) continue;  // the failing call was not on this path (cannot happen today)
      }
    }
    ASSERT_FALSE(status) << "call " << n;
    EXPECT_EQ(kernel.live_links(), 0) << "call " << n << ": " << status.error().message;
    EXPECT_TRUE(kernel.pins.empty()) << "call " << n;
    EXPECT_TRUE(kernel.filters.empty()) << "call " << n;
    EXPECT_TRUE(kernel.qdiscs.empty()) << "call " << n;
    EXPECT_TRUE(kernel.xdp_netlink.empty()) << "call " << n;
    EXPECT_TRUE(kernel.directories.empty()) << "call " << n;
  }
}

TEST(AttachFake, DetachingAPinnedLinkRemovesPinAndLink) {
  FakeAttachKernel kernel;
  FakeProgram prog;
  {
    auto attachment = attach_raw_tracepoint(kernel, prog.fd(), "raw", "sys_enter");
    ASSERT_TRUE(attachment);
    ASSERT_TRUE(attachment->pin("/fake/links/raw"));
  }
  EXPECT_EQ(kernel.live_links(), 1);  // the pin holds it past the object
  EXPECT_EQ(kernel.pins.count("/fake/links/raw"), 1U);
  ASSERT_TRUE(kernel.unpin("/fake/links/raw"));
  EXPECT_EQ(kernel.live_links(), 0);
}

}  // namespace
}  // namespace bpfload
