// Deployments on the real kernel, in a network namespace with a veth pair the test makes
// and removes: an XDP and a tc program upgraded from v1 (counts into key 0) to v2 (key 1)
// while a thread sends frames without pause; no frame lost or counted twice, the link id
// and the map kept; applying again changes no id; a v3 the verifier refuses leaves v2 and
// every pin; kill -9 at points spread over an upgrade leaves v1 or v2 and the next run
// succeeds.
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <linux/bpf.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/bpfload.h"
#include "bpfload/deploy.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::HasSubstr;

constexpr uint16_t kEthertype = 0x88B6;

/// Sends frames from `device` in namespace `netns` without pause, from its own thread,
/// until stopped; counts the frames the kernel accepted.
class FrameSender {
 public:
  FrameSender(std::string netns, std::string device) : netns_(std::move(netns)), device_(std::move(device)) {
    thread_ = std::thread([this] { run(); });
  }
  ~FrameSender() { stop(); }
  /// Waits (yielding, no sleep) until at least `n` frames went out; false if the thread failed.
  bool wait_for(uint64_t n) {
    while (sent_.load() < n) {
      if (failed_.load()) return false;
      std::this_thread::yield();
    }
    return true;
  }
  uint64_t stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return sent_.load();
  }
  [[nodiscard]] bool failed() const { return failed_.load(); }

 private:
  void run() {
    Fd target(::open(fmt::format("/run/netns/{}", netns_).c_str(), O_RDONLY | O_CLOEXEC));
    if (!target || ::setns(target.get(), CLONE_NEWNET) != 0) {
      failed_.store(true);
      return;
    }
    Fd socket(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(kEthertype)));
    sockaddr_ll address {};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(kEthertype);
    address.sll_ifindex = static_cast<int>(if_nametoindex(device_.c_str()));
    if (!socket || address.sll_ifindex == 0 ||
        ::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      failed_.store(true);
      return;
    }
    std::array<unsigned char, 60> frame {};
    std::memset(frame.data(), 0xff, 6);
    frame[6] = 0x02;
    frame[11] = 0x02;
    frame[12] = kEthertype >> 8;
    frame[13] = kEthertype & 0xff;
    while (!stop_.load()) {
      const ssize_t n = ::send(socket.get(), frame.data(), frame.size(), 0);
      if (n == static_cast<ssize_t>(frame.size())) {
        sent_.fetch_add(1);
      } else if (errno != ENOBUFS && errno != EAGAIN) {
        failed_.store(true);
        return;
      }
    }
  }

  std::string netns_;
  std::string device_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

class DeployKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    pin_dir_ = fmt::format("/sys/fs/bpf/bpfload_deploy_test_{}", ::getpid());
  }
  void TearDown() override {
    (void)remove_deployment(pin_dir_);
  }

  Deployment deployment(const std::string& object, bool tc, const std::string& device, bool netlink = false) const {
    ObjectDeployment o;
    o.path = test::bpf_object(object);
    o.attach_all = true;
    o.targets.device = device;
    o.targets.tc_direction = TcDirection::Ingress;
    o.targets.tc.netlink = tc && netlink;
    o.targets.xdp.netlink = !tc && netlink;
    Deployment d;
    d.pin_dir = pin_dir_;
    d.objects.push_back(std::move(o));
    return d;
  }

  uint64_t count(uint32_t key) const {
    Result<Fd> map = system_kernel().obj_get(pin_dir_ + "/maps/counts");
    EXPECT_TRUE(map.ok()) << (map.ok() ? "" : map.error().message);
    if (!map.ok()) return 0;
    uint64_t value = 0;
    EXPECT_TRUE(system_kernel().map_lookup(map->get(), std::as_bytes(std::span(&key, 1)),
                                           std::as_writable_bytes(std::span(&value, 1))).ok());
    return value;
  }

  /// Waits (polling the map, bounded) until the counts of keys 0 and 1 reach `total`.
  uint64_t counted_when_settled(uint64_t total) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    uint64_t counted = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      counted = count(0) + count(1);
      if (counted >= total) break;
      std::this_thread::yield();
    }
    return counted;
  }

  uint32_t pinned_program_id() const {
    Result<Fd> prog = system_kernel().obj_get(pin_dir_ + "/progs/count");
    if (!prog.ok()) return 0;
    Result<uint32_t> id = system_kernel().prog_id(prog->get());
    return id.ok() ? *id : 0;
  }

  std::string pin_dir_;
};

struct UpgradeCase {
  const char* name;
  bool tc;
  bool netlink;
};

class DeployUpgradeUnderTraffic : public DeployKernel, public ::testing::WithParamInterface<UpgradeCase> {};

TEST_P(DeployUpgradeUnderTraffic, LosesNoFrameKeepsTheLinkAndTheMapAndAppliedAgainChangesNoId) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const UpgradeCase c = GetParam();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string v1 = c.tc ? "deploy_tc_v1.o" : "deploy_xdp_v1.o";
  const std::string v2 = c.tc ? "deploy_tc_v2.o" : "deploy_xdp_v2.o";

  Result<DeployReport> created = apply_deployment(deployment(v1, c.tc, ns.receiver(), c.netlink));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->attachments.size(), 1U);
  const uint32_t link_id = created->attachments[0].link_id;
  EXPECT_EQ(link_id != 0, !c.netlink);

  // Earlier counts, which the upgrade must keep.
  {
    FrameSender before(ns.name(), ns.sender());
    ASSERT_TRUE(before.wait_for(500));
    const uint64_t sent = before.stop();
    ASSERT_EQ(counted_when_settled(sent), sent);
  }
  const uint64_t earlier = count(0);
  ASSERT_GT(earlier, 0U);
  const uint32_t v1_id = pinned_program_id();

  FrameSender sender(ns.name(), ns.sender());
  ASSERT_TRUE(sender.wait_for(2000)) << "the sender could not send";
  Result<DeployReport> upgraded = apply_deployment(deployment(v2, c.tc, ns.receiver(), c.netlink), [] {
    DeployOptions options;
    options.replace = true;
    return options;
  }());
  const uint64_t at_switch = sender.stop() ;
  (void)at_switch;
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  // Frames after the upgrade, so v2 has counted some for certain.
  FrameSender after(ns.name(), ns.sender());
  ASSERT_TRUE(after.wait_for(500));
  const uint64_t sent = earlier + at_switch + after.stop();
  EXPECT_EQ(counted_when_settled(sent), sent) << "v1 count + v2 count == frames sent: none lost, none twice";
  EXPECT_GE(count(0), earlier) << "v1's earlier counts kept";
  EXPECT_GT(count(1), 0U) << "v2 runs";
  ASSERT_EQ(upgraded->attachments.size(), 1U);
  EXPECT_EQ(upgraded->attachments[0].change, "updated in place");
  EXPECT_EQ(upgraded->attachments[0].link_id, link_id) << "the same link";
  const uint32_t v2_id = pinned_program_id();
  EXPECT_NE(v2_id, v1_id);

  // The same again: nothing changes, no id.
  Result<DeploymentStatus> before_again = deployment_status(pin_dir_);
  ASSERT_TRUE(before_again.ok());
  DeployOptions replace;
  replace.replace = true;
  Result<DeployReport> again = apply_deployment(deployment(v2, c.tc, ns.receiver(), c.netlink), replace);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->outcome, DeployOutcome::Unchanged);
  Result<DeploymentStatus> after_again = deployment_status(pin_dir_);
  ASSERT_TRUE(after_again.ok());
  EXPECT_EQ(after_again->programs, before_again->programs);
  EXPECT_EQ(after_again->maps, before_again->maps);
  EXPECT_EQ(pinned_program_id(), v2_id);

  if (!c.tc) {
    // v3, which the verifier refuses: v2 stays, with every pin, and nothing stray.
    Result<DeployReport> refused = apply_deployment(deployment("deploy_xdp_v3.o", false, ns.receiver(), c.netlink), replace);
    ASSERT_FALSE(refused.ok());
    Result<DeploymentStatus> after_refusal = deployment_status(pin_dir_);
    ASSERT_TRUE(after_refusal.ok());
    EXPECT_EQ(after_refusal->programs, before_again->programs);
    EXPECT_EQ(after_refusal->maps, before_again->maps);
    EXPECT_TRUE(after_refusal->staging.empty());
    EXPECT_EQ(pinned_program_id(), v2_id);
    const uint64_t v2_before = count(1);
    FrameSender still(ns.name(), ns.sender());
    ASSERT_TRUE(still.wait_for(100));
    const uint64_t more = still.stop();
    EXPECT_EQ(counted_when_settled(sent + more), sent + more);
    EXPECT_EQ(count(1), v2_before + more) << "v2 still counts every frame";
  }
  Result<DeployReport> removed = remove_deployment(pin_dir_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  Result<FileKind> gone = system_kernel().file_kind(pin_dir_, false);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, FileKind::Missing);
}

INSTANTIATE_TEST_SUITE_P(Hooks, DeployUpgradeUnderTraffic,
                         ::testing::Values(UpgradeCase{"XdpLink", false, false}, UpgradeCase{"XdpNetlink", false, true},
                                           UpgradeCase{"Tcx", true, false}, UpgradeCase{"TcClsact", true, true}),
                         [](const auto& info) { return std::string(info.param.name); });

/// Runs the CLI in this thread's network namespace; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int null = ::open("/dev/null", O_WRONLY);
  (void)::dup2(null, 1);
  (void)::dup2(null, 2);
  std::vector<char*> argv;
  std::string cli = BPFLOAD_CLI;
  argv.push_back(cli.data());
  std::vector<std::string> copy = args;
  for (std::string& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(cli.c_str(), argv.data());
  ::_exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  (void)::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST_F(DeployKernel, KillNineAtPointsSpreadOverAnUpgradeLeavesACompleteSetAndTheNextRunSucceeds) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const auto load = [&](const char* object) {
    return std::vector<std::string>{"load", test::bpf_object(object), "--pin-dir", pin_dir_, "--replace", "--attach",
                                    "--dev", ns.receiver()};
  };
  ASSERT_EQ(wait_exit(spawn_cli(load("deploy_xdp_v1.o"))), 0);
  // How long one upgrade takes, so the kills land over the whole of it.
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(spawn_cli(load("deploy_xdp_v2.o"))), 0);
  const auto duration = std::chrono::steady_clock::now() - start;
  int killed = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const char* next = trial % 2 == 0 ? "deploy_xdp_v1.o" : "deploy_xdp_v2.o";
    const pid_t pid = spawn_cli(load(next));
    const auto point = std::chrono::steady_clock::now();
    const auto delay = duration * (trial + 1) / 21;
    while (std::chrono::steady_clock::now() - point < delay) std::this_thread::yield();
    ::kill(pid, SIGKILL);
    killed += wait_exit(pid) == -SIGKILL ? 1 : 0;
    // Whatever was cut, the pin directory holds a complete set.
    for (const char* pin : {"/maps/counts", "/progs/count", "/links/count"}) {
      Result<FileKind> kind = system_kernel().file_kind(pin_dir_ + pin, false);
      ASSERT_TRUE(kind.ok());
      EXPECT_NE(*kind, FileKind::Missing) << "trial " << trial << ": " << pin;
    }
    // The next run finishes or undoes what the killed one left, and succeeds.
    ASSERT_EQ(wait_exit(spawn_cli(load(next))), 0) << "trial " << trial;
    Result<DeploymentStatus> status = deployment_status(pin_dir_);
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(status->staging.empty()) << "trial " << trial;
    ASSERT_EQ(status->attachments.size(), 1U) << "trial " << trial;
    EXPECT_EQ(status->attachments[0].prog_id, pinned_program_id()) << "trial " << trial;
  }
  EXPECT_GT(killed, 0);
}

TEST_F(DeployKernel, RunsStartedTogetherOnOnePinDirectoryTakeTurnsAndLeaveOneCompleteSet) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::vector<std::string> load{"load", test::bpf_object("deploy_xdp_v1.o"), "--pin-dir", pin_dir_, "--attach",
                                      "--dev", ns.receiver()};
  std::vector<pid_t> runs;
  for (int i = 0; i < 4; ++i) runs.push_back(spawn_cli(load));
  for (const pid_t pid : runs) EXPECT_EQ(wait_exit(pid), 0) << "each run succeeds: the first creates, the rest find it";
  Result<DeploymentStatus> status = deployment_status(pin_dir_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->staging.empty());
  ASSERT_EQ(status->attachments.size(), 1U);
  EXPECT_EQ(status->attachments[0].prog_id, pinned_program_id());
}

TEST_F(DeployKernel, LinkListNamesTheDeviceOfAnXdpLink) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  Result<DeployReport> created = apply_deployment(deployment("deploy_xdp_v1.o", false, ns.receiver()));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->attachments.size(), 1U);
  const test::CommandResult listed = test::run_command(fmt::format("{} link list", BPFLOAD_CLI));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr(fmt::format("{} (ifindex ", ns.receiver()))) << listed.out;
}

TEST_F(DeployKernel, ARunFindingTheLockHeldPastItsWaitChangesNothingAndSaysWhatToDo) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  Result<Fd> held = system_kernel().lock_directory("/sys/fs/bpf", 0);
  ASSERT_TRUE(held.ok()) << held.error().message;
  DeployOptions options;
  options.lock_wait_ms = 0;
  Result<DeployReport> refused = apply_deployment(deployment("deploy_xdp_v1.o", false, ns.receiver()), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().sys_errno, EWOULDBLOCK);
  EXPECT_THAT(refused.error().message, HasSubstr("another bpfload"));
  Result<FileKind> absent = system_kernel().file_kind(pin_dir_, false);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, FileKind::Missing);
  EXPECT_THAT(test::command_output(fmt::format("ip link show dev {}", ns.receiver())),
              ::testing::Not(HasSubstr("xdp")));
  *held = Fd();
  Result<DeployReport> created = apply_deployment(deployment("deploy_xdp_v1.o", false, ns.receiver()), options);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->outcome, DeployOutcome::Created);
}

std::string cgroup2_root() {
  std::ifstream mounts("/proc/mounts");
  std::string device, mount_point, type, rest;
  while (mounts >> device >> mount_point >> type && std::getline(mounts, rest))
    if (type == "cgroup2") return mount_point;
  return {};
}

/// A cgroup v2 directory the test makes and removes.
class TestCgroup {
 public:
  TestCgroup() {
    const std::string root = cgroup2_root();
    if (root.empty()) return;
    path_ = fmt::format("{}/bpfload-deploy-test-{}", root, ::getpid());
    made_ = ::mkdir(path_.c_str(), 0755) == 0;
  }
  ~TestCgroup() {
    if (made_) (void)::rmdir(path_.c_str());
  }
  [[nodiscard]] bool made() const { return made_; }
  [[nodiscard]] const std::string& path() const { return path_; }

  /// Creates `n` sockets from a child process in this cgroup; true when all were made.
  [[nodiscard]] bool make_sockets_inside(int n) const {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int procs = ::open((path_ + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
      if (procs < 0 || ::write(procs, "0", 1) != 1) ::_exit(2);
      for (int i = 0; i < n; ++i) {
        const int socket = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (socket < 0) ::_exit(3);
        ::close(socket);
      }
      ::_exit(0);
    }
    return pid > 0 && wait_exit(pid) == 0;
  }

 private:
  std::string path_;
  bool made_ = false;
};

TEST_F(DeployKernel, ACgroupLinkUpgradeIsInPlaceKeepingTheLinkIdAndTheCounts) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TestCgroup cgroup;
  ASSERT_TRUE(cgroup.made()) << "cannot make a cgroup v2 directory " << cgroup.path();
  const auto cgroup_deployment = [&](const char* object) {
    ObjectDeployment o;
    o.path = test::bpf_object(object);
    o.attach_all = true;
    o.targets.cgroup = cgroup.path();
    Deployment d;
    d.pin_dir = pin_dir_;
    d.objects.push_back(std::move(o));
    return d;
  };
  Result<DeployReport> created = apply_deployment(cgroup_deployment("deploy_cgroup_v1.o"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->attachments.size(), 1U);
  const uint32_t link_id = created->attachments[0].link_id;
  ASSERT_NE(link_id, 0U);
  ASSERT_TRUE(cgroup.make_sockets_inside(5));
  EXPECT_EQ(count(0), 5U);

  DeployOptions replace;
  replace.replace = true;
  Result<DeployReport> upgraded = apply_deployment(cgroup_deployment("deploy_cgroup_v2.o"), replace);
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  ASSERT_EQ(upgraded->attachments.size(), 1U);
  EXPECT_EQ(upgraded->attachments[0].change, "updated in place");
  EXPECT_EQ(upgraded->attachments[0].link_id, link_id);
  ASSERT_TRUE(cgroup.make_sockets_inside(3));
  EXPECT_EQ(count(0), 5U) << "v1's counts kept, v1 no longer runs";
  EXPECT_EQ(count(1), 3U) << "v2 runs behind the same link";
  Result<DeployReport> removed = remove_deployment(pin_dir_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
}

TEST_F(DeployKernel, ATracepointUpgradeAttachesTheNewProgramThenDetachesTheOld) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const auto tracepoint_deployment = [&](const char* object) {
    ObjectDeployment o;
    o.path = test::bpf_object(object);
    o.attach_all = true;
    o.settings.emplace_back("target_tgid", std::to_string(::getpid()));
    Deployment d;
    d.pin_dir = pin_dir_;
    d.objects.push_back(std::move(o));
    return d;
  };
  const auto call_getppid = [](int n) {
    for (int i = 0; i < n; ++i) (void)::syscall(SYS_getppid);
  };
  Result<DeployReport> created = apply_deployment(tracepoint_deployment("deploy_tp_v1.o"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->attachments.size(), 1U);
  const uint32_t v1_id = pinned_program_id();
  call_getppid(5);
  EXPECT_EQ(count(0), 5U);

  DeployOptions replace;
  replace.replace = true;
  Result<DeployReport> upgraded = apply_deployment(tracepoint_deployment("deploy_tp_v2.o"), replace);
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  ASSERT_EQ(upgraded->attachments.size(), 1U);
  EXPECT_EQ(upgraded->attachments[0].change, "replaced (new attached, then old detached)");
  EXPECT_NE(pinned_program_id(), v1_id);
  call_getppid(3);
  EXPECT_EQ(count(0), 5U) << "v1's counts kept, v1 detached";
  EXPECT_EQ(count(1), 3U) << "v2 attached";
  Result<DeploymentStatus> status = deployment_status(pin_dir_);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->attachments.size(), 1U) << "the old attachment is gone";
  EXPECT_EQ(status->attachments[0].prog_id, pinned_program_id());
  Result<DeployReport> removed = remove_deployment(pin_dir_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  Result<FileKind> gone = system_kernel().file_kind(pin_dir_, false);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, FileKind::Missing);
}

TEST_F(DeployKernel, ApplyDeploysATwoObjectFileUnchangedWhenAppliedAgainAndDeleteRemovesIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string file = fmt::format("/tmp/bpfload-deploy-test-{}.yaml", ::getpid());
  {
    std::FILE* out = std::fopen(file.c_str(), "w");
    ASSERT_NE(out, nullptr);
    std::fputs(fmt::format("pin_dir: {}\n"
                           "objects:\n"
                           "  - name: edge\n"
                           "    file: {}\n"
                           "    attach:\n"
                           "      - {{program: count, device: {}}}\n"
                           "  - name: account\n"
                           "    file: {}\n"
                           "    attach:\n"
                           "      - {{program: count, device: {}, direction: ingress, tc_attach: clsact}}\n",
                           pin_dir_, test::bpf_object("deploy_xdp_v1.o"), ns.receiver(),
                           test::bpf_object("deploy_tc_v1.o"), ns.receiver())
                   .c_str(),
               out);
    std::fclose(out);
  }
  struct RemoveFile {
    std::string path;
    ~RemoveFile() { std::remove(path.c_str()); }
  } remove_file{file};
  const test::CommandResult applied = test::run_command(fmt::format("{} apply {}", BPFLOAD_CLI, file));
  ASSERT_EQ(applied.exit_code, 0) << applied.err << applied.out;
  EXPECT_THAT(applied.out, HasSubstr("created"));
  Result<DeploymentStatus> status = deployment_status(pin_dir_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->attachments.size(), 2U);
  EXPECT_EQ(status->programs.size(), 2U);
  // Both programs count the frames of the receiver.
  FrameSender sender(ns.name(), ns.sender());
  ASSERT_TRUE(sender.wait_for(100));
  const uint64_t sent = sender.stop();
  for (const char* object : {"edge", "account"}) {
    Result<Fd> map = system_kernel().obj_get(fmt::format("{}/{}/maps/counts", pin_dir_, object));
    ASSERT_TRUE(map.ok()) << object;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    uint64_t value = 0;
    const uint32_t key = 0;
    while (value < sent && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(system_kernel().map_lookup(map->get(), std::as_bytes(std::span(&key, 1)),
                                             std::as_writable_bytes(std::span(&value, 1))).ok());
      std::this_thread::yield();
    }
    EXPECT_EQ(value, sent) << object;
  }

  const test::CommandResult again = test::run_command(fmt::format("{} apply {}", BPFLOAD_CLI, file));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("unchanged"));
  const test::CommandResult described = test::run_command(fmt::format("{} status {}", BPFLOAD_CLI, file));
  EXPECT_EQ(described.exit_code, 0) << described.out;
  EXPECT_THAT(described.out, HasSubstr("deployed as described"));

  // The C API offers the same transaction.
  bpfload_deploy_outcome outcome = BPFLOAD_DEPLOY_CREATED;
  ASSERT_EQ(bpfload_deploy_apply_file(file.c_str(), nullptr, &outcome), BPFLOAD_OK)
      << bpfload_object_error(nullptr)->message;
  EXPECT_EQ(outcome, BPFLOAD_DEPLOY_UNCHANGED);

  const test::CommandResult deleted = test::run_command(fmt::format("{} delete {}", BPFLOAD_CLI, file));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  Result<FileKind> gone = system_kernel().file_kind(pin_dir_, false);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, FileKind::Missing);
  EXPECT_EQ(test::command_output(fmt::format("tc filter show dev {} ingress", ns.receiver())), "");
  EXPECT_THAT(test::command_output(fmt::format("ip link show dev {}", ns.receiver())),
              ::testing::Not(HasSubstr("xdp")));

  ASSERT_EQ(bpfload_deploy_apply_file(file.c_str(), nullptr, &outcome), BPFLOAD_OK)
      << bpfload_object_error(nullptr)->message;
  EXPECT_EQ(outcome, BPFLOAD_DEPLOY_CREATED);
  EXPECT_EQ(bpfload_deploy_remove(pin_dir_.c_str(), nullptr), BPFLOAD_OK) << bpfload_object_error(nullptr)->message;
  EXPECT_EQ(bpfload_deploy_remove(pin_dir_.c_str(), nullptr), BPFLOAD_ERR_NOT_FOUND);
}

}  // namespace
}  // namespace bpfload
