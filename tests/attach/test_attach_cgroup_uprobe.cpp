// A cgroup_skb program on a cgroup the test creates, counting the datagrams this process
// sends on loopback inside a network namespace of its own; a uprobe on a function of this
// test binary, counting the calls the test makes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

extern "C" __attribute__((noinline, used)) int bpfload_uprobe_target(int value) {
  asm volatile("" ::: "memory");  // keep the call and the function
  return value + 1;
}

namespace bpfload {
namespace {

using ::testing::HasSubstr;

uint64_t count(const LoadedObject& object, uint32_t key) {
  uint64_t value = 0;
  const Status status = system_kernel().map_lookup(object.map_fd("counts"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(status) << (status ? "" : status.error().message);
  return value;
}

std::string self_path() {
  char buffer[PATH_MAX] = {};
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return length > 0 ? std::string(buffer, static_cast<size_t>(length)) : std::string();
}

// This process in a fresh cgroup v2 directory for the object's lifetime, then back.
class CgroupMembership {
 public:
  explicit CgroupMembership(const std::string& root) {
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line)) {
      if (line.rfind("0::", 0) == 0) original_ = root + line.substr(3);
    }
    path_ = fmt::format("{}/bpfload-test-{}", root, ::getpid());
    if (::mkdir(path_.c_str(), 0755) != 0) return;
    made_ = true;
  }
  bool enter() { return write_pid(path_); }
  ~CgroupMembership() {
    if (!original_.empty()) (void)write_pid(original_);
    if (made_) (void)::rmdir(path_.c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool made() const { return made_; }

 private:
  static bool write_pid(const std::string& dir) {
    std::ofstream procs(dir + "/cgroup.procs");
    procs << ::getpid();
    procs.flush();
    return static_cast<bool>(procs);
  }
  std::string original_;
  std::string path_;
  bool made_ = false;
};

std::string cgroup2_root() {
  std::ifstream mounts("/proc/mounts");
  std::string device, mount_point, type, rest;
  while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2") return mount_point;
  }
  return {};
}

struct Sent {
  int sent = 0;       ///< datagrams sendto() accepted
  int refused = 0;    ///< datagrams sendto() refused with EPERM (a cgroup program said drop)
  int other = 0;      ///< any other failure
};

Sent send_udp_on_loopback(int count) {
  Sent result;
  Fd receiver(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  Fd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (!receiver || !sender || ::bind(receiver.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(receiver.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    result.other = count;
    return result;
  }
  for (int i = 0; i < count; ++i) {
    const char byte = 'x';
    if (::sendto(sender.get(), &byte, 1, 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 1) {
      ++result.sent;
    } else if (errno == EPERM) {
      ++result.refused;
    } else {
      ++result.other;
    }
  }
  return result;
}

// What every cgroup test needs: the object, a namespace whose loopback carries only our
// datagrams, and a fresh cgroup.
class AttachCgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
    root_ = cgroup2_root();
    ASSERT_FALSE(root_.empty()) << "no cgroup2 mount in /proc/mounts";
    auto object = test::load_for_attach("attach_cgroup_uprobe.o", {}, &spec_);
    ASSERT_TRUE(object) << object.error().message;
    object_ = std::move(*object);
    ns_ = std::make_unique<test::VethNamespace>();
    ASSERT_TRUE(ns_->ok()) << ns_->error();
    ASSERT_EQ(test::run_command("ip link set lo up").exit_code, 0);
    cgroup_ = std::make_unique<CgroupMembership>(root_);
    ASSERT_TRUE(cgroup_->made()) << cgroup_->path();
  }
  void TearDown() override {
    cgroup_.reset();  // back to the original cgroup before the namespace goes
    ns_.reset();
  }

  std::string root_;
  ObjectSpec spec_;
  LoadedObject object_;
  std::unique_ptr<test::VethNamespace> ns_;
  std::unique_ptr<CgroupMembership> cgroup_;
};

TEST_F(AttachCgroup, CgroupSkbEgressCountsTheDatagramsSentFromItsCgroup) {
  auto attached = attach_cgroup(system_kernel(), object_.program_fd("count_egress"), "count_egress",
                                cgroup_->path(), BPF_CGROUP_INET_EGRESS);
  ASSERT_TRUE(attached) << attached.error().message;
  ASSERT_TRUE(cgroup_->enter());
  ASSERT_EQ(send_udp_on_loopback(6).sent, 6);
  EXPECT_EQ(count(object_, 0), 6U);
  ASSERT_TRUE(attached->detach());
  ASSERT_EQ(send_udp_on_loopback(2).sent, 2);
  EXPECT_EQ(count(object_, 0), 6U) << "still counting after detach";
}

TEST_F(AttachCgroup, CgroupSkbEgressDropMakesSendtoFailUntilDetached) {
  auto attached = attach_cgroup(system_kernel(), object_.program_fd("drop_egress"), "drop_egress",
                                cgroup_->path(), BPF_CGROUP_INET_EGRESS);
  ASSERT_TRUE(attached) << attached.error().message;
  ASSERT_TRUE(cgroup_->enter());
  const Sent dropped = send_udp_on_loopback(4);
  EXPECT_EQ(dropped.refused, 4);
  EXPECT_EQ(dropped.sent, 0);
  EXPECT_EQ(count(object_, 2), 4U);
  ASSERT_TRUE(attached->detach());
  EXPECT_EQ(send_udp_on_loopback(3).sent, 3);
  EXPECT_EQ(count(object_, 2), 4U);
}

TEST_F(AttachCgroup, ProcessOutsideTheCgroupIsNotCounted) {
  auto attached = attach_cgroup(system_kernel(), object_.program_fd("drop_egress"), "drop_egress",
                                cgroup_->path(), BPF_CGROUP_INET_EGRESS);
  ASSERT_TRUE(attached) << attached.error().message;
  EXPECT_EQ(send_udp_on_loopback(3).sent, 3);  // never entered: this process is not in it
  EXPECT_EQ(count(object_, 2), 0U);
}

TEST(AttachCgroupErrors, MissingCgroupIsNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("attach_cgroup_uprobe.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  auto attached = attach_cgroup(system_kernel(), object->program_fd("count_egress"), "count_egress",
                                "/sys/fs/cgroup/bpfload-nosuch", BPF_CGROUP_INET_EGRESS);
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attached.error().message, HasSubstr("/sys/fs/cgroup/bpfload-nosuch"));
}

TEST(AttachUprobe, UprobeOnAFunctionOfThisBinaryCountsItsCalls) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("attach_cgroup_uprobe.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  const std::string binary = self_path();
  auto offset = uprobe_offset(system_kernel(), binary, "bpfload_uprobe_target");
  ASSERT_TRUE(offset) << offset.error().message;
  auto attached = attach_uprobe(system_kernel(), object->program_fd("count_calls"), "count_calls", binary,
                                *offset, false, static_cast<int>(::getpid()));
  ASSERT_TRUE(attached) << attached.error().message;
  int sum = 0;
  for (int i = 0; i < 5; ++i) sum += bpfload_uprobe_target(i);
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(count(*object, 1), 5U);
  ASSERT_TRUE(attached->detach());
  (void)bpfload_uprobe_target(0);
  EXPECT_EQ(count(*object, 1), 5U);
}

TEST(AttachUprobe, MissingFunctionIsNamed) {
  auto offset = uprobe_offset(system_kernel(), self_path(), "bpfload_no_such_function");
  ASSERT_FALSE(offset);
  EXPECT_EQ(offset.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(offset.error().message, HasSubstr("no function 'bpfload_no_such_function'"));
}

}  // namespace
}  // namespace bpfload
