// Deployments against the fake world, no privileges: created, unchanged when applied
// again, upgraded in place with the link and the map kept, refused for a changed map,
// and every call of an upgrade failed in turn leaving the previous state exactly; a crash
// at every call of an upgrade is finished or undone by the next run.
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpfload/deploy.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kPinDir = "/sys/fs/bpf/app";

enum class Hook { XdpLink, XdpNetlink, Tcx, TcClsact };

std::string hook_name(Hook hook) {
  switch (hook) {
    case Hook::XdpLink: return "XdpLink";
    case Hook::XdpNetlink: return "XdpNetlink";
    case Hook::Tcx: return "Tcx";
    case Hook::TcClsact: return "TcClsact";
  }
  return "?";
}

bool is_xdp(Hook hook) { return hook == Hook::XdpLink || hook == Hook::XdpNetlink; }

/// The fake world with the test objects as files.
void add_objects(FakeKernel& fake) {
  for (const char* name : {"deploy_xdp_v1", "deploy_xdp_v2", "deploy_xdp_resized", "deploy_tc_v1", "deploy_tc_v2"}) {
    const std::vector<std::byte> bytes = test::read_file(test::bpf_object(fmt::format("{}.o", name)));
    fake.add_file(fmt::format("/objects/{}.o", name),
                  std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
}

Deployment deployment_of(Hook hook, int version, const std::string& object = {}) {
  ObjectDeployment o;
  o.path = object.empty() ? fmt::format("/objects/deploy_{}_v{}.o", is_xdp(hook) ? "xdp" : "tc", version) : object;
  o.attach_all = true;
  o.parallelism = 1;  // one call order: "call n" is the same call every round
  o.targets.device = "veth0";
  o.targets.tc_direction = TcDirection::Ingress;
  o.targets.xdp.netlink = hook == Hook::XdpNetlink;
  o.targets.tc.netlink = hook == Hook::TcClsact;
  Deployment d;
  d.pin_dir = kPinDir;
  d.objects.push_back(std::move(o));
  return d;
}

DeployOptions options_with(Kernel& kernel) {
  DeployOptions options;
  options.kernel = &kernel;
  options.replace = true;
  return options;
}

/// Id of the program pinned at `path` in the fake.
uint32_t pinned(FakeKernel& fake, const std::string& path) { return fake.pinned_id(path); }

/// The program id behind the deployment's one attachment, however it is attached.
uint32_t running_program(FakeKernel& fake, Hook hook) {
  switch (hook) {
    case Hook::XdpLink:
    case Hook::Tcx:
      for (const FakeKernel::Link& link : fake.links())
        if (link.live()) return link.info.prog_id;
      return 0;
    case Hook::XdpNetlink: {
      const auto attached = fake.xdp_attached();
      return attached.contains(7) ? attached.at(7) : 0;
    }
    case Hook::TcClsact:
      for (const FakeKernel::Filter& filter : fake.filters()) return filter.prog_id;
      return 0;
  }
  return 0;
}

/// state() plus what it leaves out: the program of every tc filter.
std::vector<std::string> full_state(FakeKernel& fake) {
  std::vector<std::string> state = fake.state();
  for (const FakeKernel::Filter& filter : fake.filters()) state.push_back(fmt::format("filter prog {}", filter.prog_id));
  return state;
}

void write_count(FakeKernel& fake, uint32_t key, uint64_t value) {
  Result<Fd> map = fake.obj_get(std::string(kPinDir) + "/maps/counts");
  ASSERT_TRUE(map.ok()) << map.error().message;
  ASSERT_TRUE(fake.map_update(map->get(), std::as_bytes(std::span(&key, 1)), std::as_bytes(std::span(&value, 1)), BPF_ANY).ok());
}

uint64_t read_count(FakeKernel& fake, uint32_t key) {
  Result<Fd> map = fake.obj_get(std::string(kPinDir) + "/maps/counts");
  EXPECT_TRUE(map.ok());
  if (!map.ok()) return 0;
  uint64_t value = 0;
  EXPECT_TRUE(fake.map_lookup(map->get(), std::as_bytes(std::span(&key, 1)), std::as_writable_bytes(std::span(&value, 1))).ok());
  return value;
}

class DeployFake : public ::testing::TestWithParam<Hook> {
 protected:
  void SetUp() override {
    add_objects(fake_);
    fake_.set_tcx(GetParam() != Hook::TcClsact);
  }
  FakeKernel fake_;
};

TEST_P(DeployFake, CreatesThenAppliedAgainChangesNothing) {
  Result<DeployReport> first = apply_deployment(deployment_of(GetParam(), 1), options_with(fake_));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->outcome, DeployOutcome::Created);
  ASSERT_EQ(first->attachments.size(), 1U);
  EXPECT_EQ(running_program(fake_, GetParam()), pinned(fake_, std::string(kPinDir) + "/progs/count"));
  const std::vector<std::string> before = full_state(fake_);
  const size_t programs_before = fake_.programs().size();

  Result<DeployReport> again = apply_deployment(deployment_of(GetParam(), 1), options_with(fake_));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->outcome, DeployOutcome::Unchanged);
  EXPECT_EQ(full_state(fake_), before);
  EXPECT_EQ(fake_.programs().size(), programs_before) << "nothing is loaded again";
  EXPECT_THAT(fake_.directories(), Contains(HasSubstr("/sys/fs/bpf/app/bpfload-deployed-")));
}

TEST_P(DeployFake, UpgradesInPlaceKeepingTheAttachmentAndTheMap) {
  ASSERT_TRUE(apply_deployment(deployment_of(GetParam(), 1), options_with(fake_)).ok());
  write_count(fake_, 0, 77);
  const std::vector<FakeKernel::Link> links_before = fake_.links();
  const uint32_t map_before = pinned(fake_, std::string(kPinDir) + "/maps/counts");
  const uint32_t v1 = running_program(fake_, GetParam());

  Result<DeployReport> upgraded = apply_deployment(deployment_of(GetParam(), 2), options_with(fake_));
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  EXPECT_EQ(upgraded->outcome, DeployOutcome::Upgraded);
  const uint32_t v2 = running_program(fake_, GetParam());
  EXPECT_NE(v2, v1);
  EXPECT_EQ(v2, pinned(fake_, std::string(kPinDir) + "/progs/count"));
  EXPECT_EQ(pinned(fake_, std::string(kPinDir) + "/maps/counts"), map_before) << "the same map, kept";
  EXPECT_EQ(read_count(fake_, 0), 77U) << "its contents kept";
  EXPECT_EQ(fake_.links().size(), links_before.size()) << "no link was made: the old one took the new program";
  ASSERT_EQ(upgraded->attachments.size(), 1U);
  EXPECT_EQ(upgraded->attachments[0].change, "updated in place");
  EXPECT_THAT(fake_.directories(), ::testing::Not(Contains(HasSubstr("bpfload-new"))));
  EXPECT_THAT(fake_.directories(), ::testing::Not(Contains(HasSubstr("bpfload-switching"))));
}

TEST_P(DeployFake, EveryFailedCallOfAnUpgradeLeavesThePreviousStateExactly) {
  // Each round: v1 deployed in a fresh world, then the upgrade to v2 with call n failed.
  size_t failures = 0;
  for (size_t n = 1;; ++n) {
    FakeKernel fake;
    add_objects(fake);
    fake.set_tcx(GetParam() != Hook::TcClsact);
    ASSERT_TRUE(apply_deployment(deployment_of(GetParam(), 1), options_with(fake)).ok());
    write_count(fake, 0, 5);
    const std::vector<std::string> before = full_state(fake);
    FaultInjectingKernel faulty(fake);
    faulty.fail_nth_call(n, EIO);
    Result<DeployReport> upgraded = apply_deployment(deployment_of(GetParam(), 2), options_with(faulty));
    if (faulty.injected() == 0) {
      ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
      break;  // past the last call
    }
    if (upgraded.ok()) {
      // The failed call came after the swap (removing the old set): the new state is in
      // place, and the next run removes what is left.
      EXPECT_NE(running_program(fake, GetParam()), 0U) << "call " << n << " (" << faulty.call_log()[n - 1] << ")";
      Result<DeployReport> next = apply_deployment(deployment_of(GetParam(), 2), options_with(fake));
      ASSERT_TRUE(next.ok()) << "call " << n << ": " << next.error().message;
      EXPECT_EQ(running_program(fake, GetParam()), pinned(fake, std::string(kPinDir) + "/progs/count")) << "call " << n;
      EXPECT_THAT(fake.directories(), ::testing::Not(Contains(HasSubstr("bpfload-new")))) << "call " << n;
      continue;
    }
    ++failures;
    EXPECT_EQ(full_state(fake), before) << "call " << n << " (" << faulty.call_log()[n - 1]
                                        << ") failed: " << upgraded.error().message;
    EXPECT_EQ(read_count(fake, 0), 5U) << "call " << n;
  }
  EXPECT_GT(failures, 10U);
}

/// Thrown by a call to stop the run where it is, as kill -9 would: no error path runs.
struct Crash : std::runtime_error {
  Crash() : std::runtime_error("crash") {}
};

TEST_P(DeployFake, ACrashAtAnyCallOfAnUpgradeIsFinishedOrUndoneByTheNextRun) {
  for (size_t n = 1;; ++n) {
    FakeKernel fake;
    add_objects(fake);
    fake.set_tcx(GetParam() != Hook::TcClsact);
    ASSERT_TRUE(apply_deployment(deployment_of(GetParam(), 1), options_with(fake)).ok());
    const uint32_t v1 = running_program(fake, GetParam());
    FaultInjectingKernel crashing(fake);
    crashing.answer_nth_call(n, [](KernelOp&, Kernel&) -> Status { throw Crash(); });
    bool crashed = false;
    try {
      (void)apply_deployment(deployment_of(GetParam(), 2), options_with(crashing));
    } catch (const Crash&) {
      crashed = true;
    }
    if (!crashed) break;
    // The crashed process is gone: its unpinned fds are closed (done by the unwinding).
    fake.set_process_id(5151);
    const uint32_t running = running_program(fake, GetParam());
    Result<DeployReport> next = apply_deployment(deployment_of(GetParam(), 2), options_with(fake));
    ASSERT_TRUE(next.ok()) << "crash at call " << n << ": " << next.error().message;
    EXPECT_TRUE(running == v1 || running != 0) << "crash at call " << n << ": something runs";
    EXPECT_EQ(running_program(fake, GetParam()), pinned(fake, std::string(kPinDir) + "/progs/count"))
        << "crash at call " << n;
    EXPECT_THAT(fake.directories(), ::testing::Not(Contains(HasSubstr("bpfload-new")))) << "crash at call " << n;
    EXPECT_THAT(fake.directories(), ::testing::Not(Contains(HasSubstr("bpfload-switching")))) << "crash at call " << n;
    int live = 0;
    for (const FakeKernel::Link& link : fake.links()) live += link.live() ? 1 : 0;
    EXPECT_EQ(live, GetParam() == Hook::XdpLink || GetParam() == Hook::Tcx ? 1 : 0) << "crash at call " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Hooks, DeployFake,
                         ::testing::Values(Hook::XdpLink, Hook::XdpNetlink, Hook::Tcx, Hook::TcClsact),
                         [](const auto& info) { return hook_name(info.param); });

TEST(DeployFakeMaps, AChangedMapDefinitionRefusesTheUpgradeNamingTheMapUnlessRecreated) {
  FakeKernel fake;
  add_objects(fake);
  ASSERT_TRUE(apply_deployment(deployment_of(Hook::XdpLink, 1), options_with(fake)).ok());
  const std::vector<std::string> before = full_state(fake);
  Deployment resized = deployment_of(Hook::XdpLink, 0, "/objects/deploy_xdp_resized.o");
  Result<DeployReport> refused = apply_deployment(resized, options_with(fake));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(refused.error().message, HasSubstr("map 'counts'"));
  EXPECT_THAT(refused.error().message, HasSubstr("max_entries 4 -> 8"));
  EXPECT_THAT(refused.error().message, HasSubstr("--recreate-map counts"));
  EXPECT_EQ(full_state(fake), before);

  const uint32_t map_before = fake.pinned_id(std::string(kPinDir) + "/maps/counts");
  resized.objects[0].recreate_maps.insert("counts");
  Result<DeployReport> recreated = apply_deployment(resized, options_with(fake));
  ASSERT_TRUE(recreated.ok()) << recreated.error().message;
  EXPECT_NE(fake.pinned_id(std::string(kPinDir) + "/maps/counts"), map_before);
}

TEST(DeployFakeReplace, AnotherSetInThePinDirectoryIsRefusedWithoutReplace) {
  FakeKernel fake;
  add_objects(fake);
  DeployOptions options = options_with(fake);
  options.replace = false;
  ASSERT_TRUE(apply_deployment(deployment_of(Hook::XdpLink, 1), options).ok());
  Result<DeployReport> again = apply_deployment(deployment_of(Hook::XdpLink, 1), options);
  ASSERT_TRUE(again.ok()) << "the same deployment again needs no --replace";
  EXPECT_EQ(again->outcome, DeployOutcome::Unchanged);
  Result<DeployReport> other = apply_deployment(deployment_of(Hook::XdpLink, 2), options);
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message, HasSubstr("--replace"));
}

TEST(DeployFakeDelete, DeleteRemovesEveryAttachmentPinAndDirectory) {
  FakeKernel fake;
  add_objects(fake);
  const std::vector<std::string> empty = fake.state();
  for (Hook hook : {Hook::XdpLink, Hook::XdpNetlink, Hook::TcClsact}) {
    fake.set_tcx(hook != Hook::TcClsact);
    ASSERT_TRUE(apply_deployment(deployment_of(hook, 1), options_with(fake)).ok()) << hook_name(hook);
    Result<DeployReport> removed = remove_deployment(kPinDir, options_with(fake));
    ASSERT_TRUE(removed.ok()) << hook_name(hook) << ": " << removed.error().message;
    EXPECT_EQ(fake.state(), empty) << hook_name(hook);
  }
}

TEST(DeployFakeDevice, AMissingDeviceIsRefusedBeforeAnythingIsPinned) {
  FakeKernel fake;
  add_objects(fake);
  const std::vector<std::string> empty = fake.state();
  Deployment d = deployment_of(Hook::TcClsact, 1);
  d.objects[0].targets.device = "nonexist0";
  Result<DeployReport> refused = apply_deployment(d, options_with(fake));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(refused.error().message, HasSubstr("nonexist0"));
  EXPECT_EQ(fake.state(), empty);
}

TEST(DeployFakeStray, AStagingDirectoryOfAnInterruptedReplaceIsReportedAndRemoved) {
  FakeKernel fake;
  add_objects(fake);
  ASSERT_TRUE(apply_deployment(deployment_of(Hook::XdpLink, 1), options_with(fake)).ok());
  // What kill -9 during `load --pin-dir D --replace` left: a partial set beside D.
  ASSERT_TRUE(fake.make_directory("/sys/fs/bpf/app-bpfload-new-999").ok());
  ASSERT_TRUE(fake.make_directory("/sys/fs/bpf/app-bpfload-new-999/maps").ok());
  Result<Fd> map = fake.obj_get(std::string(kPinDir) + "/maps/counts");
  ASSERT_TRUE(map.ok());
  ASSERT_TRUE(fake.obj_pin(map->get(), "/sys/fs/bpf/app-bpfload-new-999/maps/counts").ok());
  map->reset();
  Result<DeployReport> next = apply_deployment(deployment_of(Hook::XdpLink, 1), options_with(fake));
  ASSERT_TRUE(next.ok()) << next.error().message;
  ASSERT_EQ(next->recovered.size(), 1U);
  EXPECT_THAT(next->recovered[0], HasSubstr("pid 999"));
  EXPECT_THAT(fake.directories(), ::testing::Not(Contains(HasSubstr("bpfload-new"))));
  EXPECT_EQ(next->outcome, DeployOutcome::Unchanged);
}

}  // namespace
}  // namespace bpfload
