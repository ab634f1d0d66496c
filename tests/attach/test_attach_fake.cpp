// The attach layer against the fake world (FakeKernel): what each kind asks the OS for,
// the errors it gives, and that a failed run leaves nothing attached or pinned.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpfload/attach.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "fake_programs.hpp"

namespace bpfload {
namespace {

using test::FakeProgram;
using ::testing::Contains;
using ::testing::HasSubstr;

TEST(AttachFake, XdpLinkCarriesIfindexAndModeAndDetachesOnDestruction) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  {
    XdpOptions options;
    options.mode = XdpMode::Generic;
    auto attachment = attach_xdp(kernel, prog.fd(), "xdp_count", "veth0", options);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_TRUE(attachment->is_link());
    EXPECT_EQ(kernel.live_links(), 1);
    EXPECT_THAT(kernel.calls(), Contains(fmt::format("link_create type={} target=7 flags={}", BPF_XDP,
                                                             XDP_FLAGS_SKB_MODE)));
  }
  EXPECT_EQ(kernel.live_links(), 0);
}

TEST(AttachFake, XdpOnMissingInterfaceNamesIt) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_xdp(kernel, prog.fd(), "xdp_count", "nosuch0", {});
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("nosuch0"));
  EXPECT_THAT(attachment.error().message, HasSubstr("xdp_count"));
}

TEST(AttachFake, XdpAlreadyAttachedNamesInterfaceAndProgramId) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  XdpOptions options;
  options.netlink = true;
  auto first = attach_xdp(kernel, prog.fd(), "first", "veth0", options);
  ASSERT_TRUE(first);
  first->keep();
  auto second = attach_xdp(kernel, prog.fd(), "second", "veth0", options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(second.error().message,
              HasSubstr(fmt::format("'veth0' already has an XDP program (program id {})", *kernel.prog_id(prog.fd()))));
  options.replace = true;
  auto replaced = attach_xdp(kernel, prog.fd(), "second", "veth0", options);
  EXPECT_TRUE(replaced) << replaced.error().message;
}

TEST(AttachFake, NetlinkXdpDetachRemovesOnlyWhenNotKept) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  XdpOptions options;
  options.netlink = true;
  { auto attachment = attach_xdp(kernel, prog.fd(), "p", "veth0", options); ASSERT_TRUE(attachment); }
  EXPECT_EQ(kernel.xdp_attached().count(7), 0U);
  {
    auto attachment = attach_xdp(kernel, prog.fd(), "p", "veth0", options);
    ASSERT_TRUE(attachment);
    attachment->keep();
  }
  EXPECT_EQ(kernel.xdp_attached().count(7), 1U);
}

TEST(AttachFake, TcUsesTcxLinkWhenTheKernelHasIt) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  TcOptions options;
  options.direction = TcDirection::Egress;
  auto attachment = attach_tc(kernel, prog.fd(), "tc_egress", "veth1", options);
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_TRUE(attachment->is_link());
  EXPECT_THAT(kernel.calls(), Contains(fmt::format("link_create type={} target=8 flags=0", kAttachTcxEgress)));
  EXPECT_TRUE(kernel.qdiscs().empty());
}

TEST(AttachFake, TcWithoutTcxAddsClsactAndRemovesItOnlyWhenItAddedIt) {
  FakeKernel kernel;
  kernel.set_tcx(false);
  FakeProgram prog(kernel, BPF_PROG_TYPE_SCHED_CLS);
  {
    auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", {});
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "tc-filter");
    EXPECT_EQ(kernel.qdiscs().count(7), 1U);
    EXPECT_EQ(kernel.filters().size(), 1U);
  }
  EXPECT_EQ(kernel.qdiscs().count(7), 0U);
  EXPECT_TRUE(kernel.filters().empty());

  ASSERT_TRUE(kernel.clsact_create(7).ok());  // someone else's qdisc
  { auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", {}); ASSERT_TRUE(attachment); }
  EXPECT_EQ(kernel.qdiscs().count(7), 1U);
  EXPECT_TRUE(kernel.filters().empty());
}

TEST(AttachFake, TcFilterFailureRemovesTheQdiscItAdded) {
  FakeKernel fake;
  fake.set_tcx(false);
  FaultInjectingKernel kernel(fake);
  kernel.fail_every("tc_filter_attach", EEXIST);
  FakeProgram prog(kernel, BPF_PROG_TYPE_SCHED_CLS);
  TcOptions options;
  options.handle = 1;
  options.priority = 1;
  auto attachment = attach_tc(kernel, prog.fd(), "tc_in", "veth0", options);
  ASSERT_FALSE(attachment);
  EXPECT_THAT(attachment.error().message, HasSubstr("already on veth0 ingress"));
  EXPECT_TRUE(fake.qdiscs().empty());
}

TEST(AttachFake, TracepointUsesTracefsIdAndPerfLink) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_getpid");
  ASSERT_TRUE(attachment) << attachment.error().message;
  ASSERT_EQ(kernel.perf_events().size(), 1U);
  EXPECT_EQ(kernel.perf_events()[0].config, 321U);
  EXPECT_TRUE(attachment->is_link());
}

TEST(AttachFake, TracepointFallsBackToIoctlWithoutPerfLinks) {
  FakeKernel kernel;
  kernel.set_perf_links(false);
  FakeProgram prog(kernel, BPF_PROG_TYPE_TRACEPOINT);
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_getpid");
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_EQ(attachment->mechanism(), "perf-event");
  EXPECT_EQ(kernel.calls_named("perf_event_set_bpf"), 1U);
}

TEST(AttachFake, MissingTracepointIsNamed) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_tracepoint(kernel, prog.fd(), "tp", "syscalls", "sys_enter_nothing");
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("syscalls:sys_enter_nothing"));
}

TEST(AttachFake, KprobeWithoutPmuSaysTheFeatureIsMissing) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_kprobe(kernel, prog.fd(), "kp", "do_sys_open", 0, false);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("kernel feature missing"));
  EXPECT_THAT(attachment.error().message, HasSubstr("kprobe do_sys_open"));
}

TEST(AttachFake, KretprobeAsksThePmuWithFunctionOffsetAndRetprobeBit) {
  FakeKernel kernel;
  kernel.set_kprobe_pmu(true);
  FakeProgram prog(kernel, BPF_PROG_TYPE_KPROBE);
  AttachTargets targets;
  auto attachment = attach_program(kernel, prog.fd(), "krp", "kretprobe/do_unlinkat+0x10", BPF_PROG_TYPE_KPROBE,
                                   0, targets);
  ASSERT_TRUE(attachment) << attachment.error().message;
  const std::vector<PerfEventRequest> events = kernel.perf_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, 6U);
  EXPECT_EQ(events[0].config, 1U);  // bit 0: retprobe
  EXPECT_EQ(events[0].config2, 0x10U);
  EXPECT_EQ(kernel.perf_names().at(0), "do_unlinkat");
}

TEST(AttachFake, NoSuchKernelFunctionIsNamed) {
  FakeKernel fake;
  fake.set_kprobe_pmu(true);
  FaultInjectingKernel kernel(fake);
  kernel.fail_every("perf_event_open", ENOENT);
  FakeProgram prog(kernel, BPF_PROG_TYPE_KPROBE);
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
    FakeKernel kernel;
    FakeProgram prog(kernel, type);
    auto attachment = attach_program(kernel, prog.fd(), "p", section, type, attach, {});
    ASSERT_TRUE(attachment) << section << ": " << attachment.error().message;
    EXPECT_EQ(kernel.calls_named("raw_tracepoint_open"), 1U) << section;
    EXPECT_EQ(kernel.live_links(), 1) << section;
  }
}

TEST(AttachFake, IterCreatesATraceIterLink) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_program(kernel, prog.fd(), "it", "iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, {});
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_THAT(kernel.calls(), Contains(fmt::format("link_create type={} target=0 flags=0", BPF_TRACE_ITER)));
}

TEST(AttachFake, MissingCgroupIsNamed) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  AttachTargets targets;
  targets.cgroup = "/sys/fs/cgroup/nosuch";
  auto attachment = attach_program(kernel, prog.fd(), "cg", "cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB,
                                   BPF_CGROUP_INET_EGRESS, targets);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("/sys/fs/cgroup/nosuch"));
}

TEST(AttachFake, SectionWithoutTargetSaysWhichOptionIsMissing) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  auto attachment = attach_program(kernel, prog.fd(), "x", "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, {});
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("--dev"));
}

std::vector<ProgramToAttach> four_programs(const FakeProgram& xdp, const FakeProgram& tc, const FakeProgram& tp,
                                           const FakeProgram& raw) {
  return {
      {"count_xdp", "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, xdp.fd()},
      {"count_ingress", "tc/ingress", BPF_PROG_TYPE_SCHED_CLS, 0, tc.fd()},
      {"on_getpid", "tracepoint/syscalls/sys_enter_getpid", BPF_PROG_TYPE_TRACEPOINT, 0, tp.fd()},
      {"on_raw", "raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, raw.fd()},
  };
}

// Every call of a whole run fails in turn: afterwards nothing of the run is attached, no
// qdisc it added remains and nothing is pinned.
TEST(AttachFake, AnyFailedCallUndoesTheWholeRunIncludingPins) {
  AttachTargets targets;
  targets.device = "veth0";
  const std::string pin_dir = "/sys/fs/bpf/pins";
  size_t total_calls = 0;
  for (size_t n = 0; n == 0 || n <= total_calls; ++n) {
    FakeKernel fake;
    fake.set_tcx(false);
    const FakeProgram xdp(fake), tc(fake, BPF_PROG_TYPE_SCHED_CLS), tp(fake, BPF_PROG_TYPE_TRACEPOINT),
        raw(fake, BPF_PROG_TYPE_RAW_TRACEPOINT);
    ASSERT_TRUE(fake.make_directory(pin_dir).ok());
    const std::vector<std::string> before = fake.state();
    FaultInjectingKernel kernel(fake);
    if (n > 0) kernel.fail_nth_call(n, EPERM);
    Status status;
    {
      auto set = attach_all(kernel, four_programs(xdp, tc, tp, raw), targets);
      if (!set) {
        status = std::move(set).error();
      } else {
        status = set->pin_all(kernel, pin_dir);
      }
      if (n == 0) {
        ASSERT_TRUE(status) << status.error().message;
        total_calls = kernel.calls();
      }
      if (status) {
        // No failure, or one the attacher gets over (a failed tcx probe means no tcx).
        EXPECT_EQ(fake.pins().size(), 3U) << "call " << n;  // xdp, tracepoint and raw tracepoint links
        continue;
      }
    }
    EXPECT_EQ(fake.state(), before) << "call " << n << ": " << status.error().message;
  }
  ASSERT_GT(total_calls, 8U);
}

TEST(AttachFake, DetachingAPinnedLinkRemovesPinAndLink) {
  FakeKernel kernel;
  FakeProgram prog(kernel);
  {
    auto attachment = attach_raw_tracepoint(kernel, prog.fd(), "raw", "sys_enter");
    ASSERT_TRUE(attachment);
    ASSERT_TRUE(attachment->pin("/sys/fs/bpf/raw"));
  }
  EXPECT_EQ(kernel.live_links(), 1);  // the pin holds it past the object
  EXPECT_THAT(kernel.pins(), Contains("/sys/fs/bpf/raw"));
  ASSERT_TRUE(kernel.unpin("/sys/fs/bpf/raw"));
  EXPECT_EQ(kernel.live_links(), 0);
}

}  // namespace
}  // namespace bpfload
