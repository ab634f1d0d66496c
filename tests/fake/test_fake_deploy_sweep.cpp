// Load, attach and pin together against the fake world, with every call through the seam
// failed in turn: whichever call fails, nothing is left (no fd, link, filter, qdisc, XDP
// program, pin or directory). Also: a symlink planted where a pin will go sends nothing
// outside the pin directory. No privileges needed.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include <linux/magic.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kPinDir = "/sys/fs/bpf/app";

ObjectSpec parse(const std::string& file, const ParseOptions& options = {}) {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object(file), options);
  EXPECT_TRUE(spec.ok()) << file << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

ParseOptions tc_sections() {
  ParseOptions options;
  options.program_types["ingress"] = "sched_cls";
  options.program_types["egress"] = "sched_cls";
  return options;
}

/// What a deployment keeps once it succeeded: the object, its attachments.
struct Deployed {
  std::optional<LoadedObject> object;
  AttachSet attachments;
};

/// Loads `spec` pinning maps and programs in kPinDir, attaches every program and pins
/// the links in kPinDir/links: all or nothing, as `bpfload load --attach` does. On
/// failure the attachments are undone and the load's pin set removed, through `kernel`.
Result<Deployed> deploy(Kernel& kernel, const ObjectSpec& spec, const AttachTargets& targets) {
  LoadOptions options;
  options.kernel = &kernel;
  options.pin_dir = kPinDir;
  options.object_id = "sweep";
  options.parallelism = 1;  // one call order: "call n" is the same call every round
  Result<LoadedObject> loaded = load_object(spec, options);
  if (!loaded.ok()) return std::move(loaded).error();
  Deployed deployed;
  deployed.object = std::move(*loaded);
  Status attached = [&]() -> Status {
    Result<AttachSet> set = attach_all(kernel, attachable_programs(spec, *deployed.object, targets), targets);
    if (!set.ok()) return std::move(set).error();
    BPFLOAD_TRY(set->pin_all(kernel, kPinDir));
    deployed.attachments = std::move(*set);
    return {};
  }();
  if (attached.ok()) return deployed;
  deployed.object.reset();
  std::vector<std::string> removed;
  Status unpinned = remove_pin_set(kernel, kPinDir, removed);
  if (!unpinned.ok()) return unpinned.error().with_context(fmt::format("after: {}", attached.error().message));
  return attached.error();
}

/// The fake world a sweep round starts from.
void prepare(FakeKernel& fake) {
  fake.set_tcx(false);  // netlink XDP and clsact qdiscs: the most there is to leave behind
  fake.add_tracepoint("syscalls", "sys_enter_getppid", 322);
}

void sweep(const ObjectSpec& spec, const AttachTargets& targets, size_t expected_attachments) {
  size_t total = 0;
  std::vector<std::string> clean_calls;
  {
    FakeKernel fake;
    prepare(fake);
    FaultInjectingKernel kernel(fake);
    Result<Deployed> clean = deploy(kernel, spec, targets);
    ASSERT_TRUE(clean.ok()) << clean.error().message;
    EXPECT_EQ(clean->attachments.attachments().size(), expected_attachments);
    total = kernel.calls();
    clean_calls = kernel.call_log();
  }
  ASSERT_GT(total, 20U);
  size_t failed = 0;
  for (size_t n = 1; n <= total; ++n) {
    for (const int err : {EPERM, ENOMEM}) {
      SCOPED_TRACE(fmt::format("failing call {} of {} ({}) with errno {}", n, total, clean_calls[n - 1], err));
      FakeKernel fake;
      prepare(fake);
      const std::vector<std::string> before = fake.state();
      FaultInjectingKernel kernel(fake);
      kernel.fail_nth_call(n, err);
      {
        Result<Deployed> run = deploy(kernel, spec, targets);
        if (run.ok()) {
          // The loader got over the failure by itself (a probe, a retried log): then the
          // deployment must be whole.
          EXPECT_EQ(run->attachments.attachments().size(), expected_attachments);
          EXPECT_FALSE(fake.pins().empty());
          continue;
        }
        ++failed;
        EXPECT_NE(run.error().sys_errno, 0) << run.error().message;
      }
      EXPECT_EQ(fake.state(), before) << "something was left behind";
      EXPECT_EQ(fake.open_objects(), 0);
      EXPECT_EQ(fake.live_links(), 0);
    }
  }
  std::printf("load+attach+pin sweep on the fake: %zu calls, %zu failed deployments left nothing\n", total, failed);
  EXPECT_GT(failed, total) << "most injected failures must fail the deployment";
}

TEST(FakeDeploySweep, EveryFailedCallOfLoadXdpTcAndPinsLeavesNothing) {
  AttachTargets targets;
  targets.device = "veth0";
  targets.xdp.netlink = true;
  targets.xdp.mode = XdpMode::Generic;
  targets.tc.netlink = true;
  sweep(parse("attach_net_legacy.o", tc_sections()), targets, 3);
}

TEST(FakeDeploySweep, EveryFailedCallOfLoadTracepointLinksAndTheirPinsLeavesNothing) {
  sweep(parse("attach_trace_legacy.o"), {}, 2);
}

TEST(FakeDeploySweep, TcxAndXdpLinksArePinnedAndGoneWithTheirPins) {
  FakeKernel fake;
  const std::vector<std::string> before = fake.state();
  AttachTargets targets;
  targets.device = "veth1";
  {
    Result<Deployed> deployed = deploy(fake, parse("attach_net_legacy.o", tc_sections()), targets);
    ASSERT_TRUE(deployed.ok()) << deployed.error().message;
    EXPECT_EQ(fake.live_links(), 3);
  }
  // The pins hold the links after every fd is gone; removing them ends the links.
  EXPECT_EQ(fake.live_links(), 3);
  Result<std::vector<std::string>> detached = detach_pinned(fake, kPinDir);
  ASSERT_TRUE(detached.ok()) << detached.error().message;
  EXPECT_EQ(fake.live_links(), 0);
  EXPECT_EQ(fake.state(), before);
}

// A symlink planted at <pin dir>/links, pointing elsewhere in bpffs or outside it: the
// hardened pin walk refuses it, the attachments are undone, and nothing appears where it
// points.
TEST(FakeDeploySweep, ASymlinkPlantedWhereLinkPinsGoSendsNothingOutsideThePinDirectory) {
  for (const std::string target : {"/sys/fs/bpf/elsewhere", "/tmp/elsewhere"}) {
    SCOPED_TRACE(target);
    FakeKernel fake;
    prepare(fake);
    ASSERT_TRUE(fake.make_directory(kPinDir).ok());
    ASSERT_TRUE(fake.make_directory(target).ok());
    fake.add_symlink(std::string(kPinDir) + "/links", target);
    const std::vector<std::string> before = fake.state();
    AttachTargets targets;
    targets.device = "veth0";
    FakeKernel& kernel = fake;
    std::string message;
    {
      const ObjectSpec spec = parse("attach_trace_legacy.o");
      LoadOptions options;
      options.kernel = &kernel;
      Result<LoadedObject> loaded = load_object(spec, options);
      ASSERT_TRUE(loaded.ok()) << loaded.error().message;
      Result<AttachSet> set = attach_all(kernel, attachable_programs(spec, *loaded, targets), targets);
      ASSERT_TRUE(set.ok()) << set.error().message;
      Status pinned = set->pin_all(kernel, kPinDir);
      ASSERT_FALSE(pinned.ok()) << "pinned through a symlink";
      EXPECT_EQ(pinned.error().kind, ErrorKind::InvalidArgument);
      message = pinned.error().message;
    }
    EXPECT_THAT(message, HasSubstr(std::string(kPinDir) + "/links"));
    EXPECT_THAT(message, HasSubstr("symbolic link"));
    Result<std::vector<DirectoryEntry>> there = fake.list_directory(target);
    ASSERT_TRUE(there.ok());
    EXPECT_THAT(*there, IsEmpty()) << "a pin landed outside the pin directory";
    EXPECT_EQ(fake.state(), before);
    EXPECT_EQ(fake.live_links(), 0);
  }
}

TEST(FakeDeploySweep, ASymlinkPlantedWhereMapPinsGoIsRefusedToo) {
  FakeKernel fake;
  ASSERT_TRUE(fake.make_directory(kPinDir).ok());
  ASSERT_TRUE(fake.make_directory("/sys/fs/bpf/elsewhere").ok());
  fake.add_symlink(std::string(kPinDir) + "/maps", "/sys/fs/bpf/elsewhere");
  const std::vector<std::string> before = fake.state();
  LoadOptions options;
  options.kernel = &fake;
  options.pin_dir = kPinDir;
  Result<LoadedObject> loaded = load_object(parse("attach_trace_legacy.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument) << loaded.error().message;
  EXPECT_THAT(loaded.error().message, HasSubstr("symbolic link"));
  EXPECT_EQ(fake.state(), before);
}

}  // namespace
}  // namespace bpfload
