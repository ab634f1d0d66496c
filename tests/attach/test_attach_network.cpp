// XDP and tc attached for real on a veth pair inside a network namespace the test creates;
// frames sent through it are counted by a legacy-map object and read back from its map.
#include <linux/bpf.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using test::VethNamespace;
using ::testing::HasSubstr;

constexpr uint32_t kXdpKey = 0;
constexpr uint32_t kIngressKey = 1;
constexpr uint32_t kEgressKey = 2;
constexpr int kFrames = 5;

using test::counter;
using test::tc_sections;

class AttachNetwork : public ::testing::TestWithParam<bool> {};

// The parameter forces the clsact + `bpf da` path (true) or lets tcx be used (false), so
// both mechanisms are exercised on this kernel.
TEST_P(AttachNetwork, XdpAndTcIngressAndEgressCountEveryFrameSent) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_net_legacy.o", tc_sections());
  ASSERT_TRUE(object) << object.error().message;
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  Kernel& kernel = system_kernel();

  XdpOptions xdp;
  xdp.mode = XdpMode::Native;
  auto on_xdp = attach_xdp(kernel, object->program_fd("count_xdp"), "count_xdp", ns.receiver(), xdp);
  ASSERT_TRUE(on_xdp) << on_xdp.error().message;
  TcOptions tc;
  tc.netlink = GetParam();
  tc.direction = TcDirection::Ingress;
  auto on_ingress = attach_tc(kernel, object->program_fd("count_ingress"), "count_ingress", ns.receiver(), tc);
  ASSERT_TRUE(on_ingress) << on_ingress.error().message;
  tc.direction = TcDirection::Egress;
  auto on_egress = attach_tc(kernel, object->program_fd("count_egress"), "count_egress", ns.sender(), tc);
  ASSERT_TRUE(on_egress) << on_egress.error().message;
  EXPECT_EQ(on_ingress->mechanism(), GetParam() ? "tc-filter" : "link");

  ASSERT_EQ(ns.send_and_receive(kFrames), kFrames);
  EXPECT_EQ(counter(*object, kXdpKey), static_cast<uint64_t>(kFrames));
  EXPECT_EQ(counter(*object, kIngressKey), static_cast<uint64_t>(kFrames));
  EXPECT_EQ(counter(*object, kEgressKey), static_cast<uint64_t>(kFrames));

  ASSERT_TRUE(on_xdp->detach());
  ASSERT_TRUE(on_ingress->detach());
  ASSERT_TRUE(on_egress->detach());
  ASSERT_EQ(ns.send_and_receive(kFrames), kFrames);
  EXPECT_EQ(counter(*object, kXdpKey), static_cast<uint64_t>(kFrames)) << "XDP still counts after detach";
  EXPECT_EQ(counter(*object, kIngressKey), static_cast<uint64_t>(kFrames));
  EXPECT_EQ(counter(*object, kEgressKey), static_cast<uint64_t>(kFrames));
  // Nothing of ours is left on either device: no XDP, no filter, and the clsact qdisc this
  // test added is gone again.
  const std::string net = test::command_output("bpftool net show");
  EXPECT_THAT(net, ::testing::Not(HasSubstr("count_"))) << net;
  const std::string qdiscs = test::command_output("tc qdisc show dev " + ns.receiver());
  EXPECT_THAT(qdiscs, ::testing::Not(HasSubstr("clsact"))) << qdiscs;
}

INSTANTIATE_TEST_SUITE_P(Mechanism, AttachNetwork, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ClsactFilter" : "TcxOrFallback"; });

TEST(AttachNetworkErrors, SecondXdpOnTheSameInterfaceIsRefusedNamingIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_net_legacy.o", tc_sections());
  ASSERT_TRUE(object) << object.error().message;
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  XdpOptions options;
  options.netlink = true;
  const int fd = object->program_fd("count_xdp");
  auto first = attach_xdp(system_kernel(), fd, "count_xdp", ns.receiver(), options);
  ASSERT_TRUE(first) << first.error().message;
  auto second = attach_xdp(system_kernel(), fd, "count_xdp", ns.receiver(), options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(second.error().message, HasSubstr(ns.receiver()));
  EXPECT_THAT(second.error().message, HasSubstr("already has an XDP program (program id"));
  options.replace = true;
  auto replaced = attach_xdp(system_kernel(), fd, "count_xdp", ns.receiver(), options);
  EXPECT_TRUE(replaced) << replaced.error().message;
  first->keep();  // replaced: only one detach may run
}

TEST(AttachNetworkErrors, MissingInterfaceIsNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_net_legacy.o", tc_sections());
  ASSERT_TRUE(object) << object.error().message;
  auto attached = attach_tc(system_kernel(), object->program_fd("count_ingress"), "count_ingress",
                            "bpfl_nosuch0", {});
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attached.error().message, HasSubstr("no network interface 'bpfl_nosuch0'"));
}

}  // namespace
}  // namespace bpfload
