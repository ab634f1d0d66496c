// Removing everything from a device: detach_xdp_device and detach_tc_device for real on a
// veth pair in a namespace the test creates (links, netlink XDP, clsact filters and
// qdisc), and the `bpfload xdp off` / `bpfload tc off` verbs built on them.
#include <linux/bpf.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "cli/cli_test_util.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using test::quoted;
using test::stdout_json;
using test::VethNamespace;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kXdpKey = 0;
constexpr uint32_t kIngressKey = 1;

using test::counter;
using test::tc_sections;

TEST(AttachDeviceOff, XdpLinkAndTcxLinkAreDetachedFromTheDeviceTheyAreOn) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto object = test::load_for_attach("attach_net_legacy.o", tc_sections());
  ASSERT_TRUE(object) << object.error().message;
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  Kernel& kernel = system_kernel();
  XdpOptions xdp;
  xdp.mode = XdpMode::Generic;
  auto on_xdp = attach_xdp(kernel, object->program_fd("count_xdp"), "count_xdp", ns.receiver(), xdp);
  ASSERT_TRUE(on_xdp) << on_xdp.error().message;
  ASSERT_TRUE(on_xdp->is_link());
  auto on_ingress = attach_tc(kernel, object->program_fd("count_ingress"), "count_ingress", ns.receiver(), {});
  ASSERT_TRUE(on_ingress) << on_ingress.error().message;
  const bool tcx = on_ingress->is_link();
  ASSERT_EQ(ns.send_and_receive(2), 2);
  ASSERT_EQ(counter(*object, kXdpKey), 2U);

  auto removed = detach_xdp_device(kernel, ns.receiver());
  ASSERT_TRUE(removed) << removed.error().message;
  ASSERT_EQ(removed->size(), 1U);
  EXPECT_EQ((*removed)[0].hook, "xdp generic");
  EXPECT_EQ((*removed)[0].mechanism, "link");
  EXPECT_NE((*removed)[0].link_id, 0U);
  auto tc_removed = detach_tc_device(kernel, ns.receiver(), TcDirection::Ingress);
  ASSERT_TRUE(tc_removed) << tc_removed.error().message;
  ASSERT_FALSE(tc_removed->empty());
  EXPECT_EQ((*tc_removed)[0].mechanism, tcx ? "link" : "tc-filters");

  ASSERT_EQ(ns.send_and_receive(3), 3);
  EXPECT_EQ(counter(*object, kXdpKey), 2U) << "XDP still counts after detach_xdp_device";
  EXPECT_EQ(counter(*object, kIngressKey), 2U) << "tc still counts after detach_tc_device";
  auto again = detach_xdp_device(kernel, ns.receiver());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->empty()) << "nothing left to remove";
  // Our Attachments find their links already detached: destroying them is harmless.
  EXPECT_TRUE(on_xdp->detach());
  if (!tcx) on_ingress->keep();  // its filter was flushed with the hook
}

TEST(AttachDeviceOff, MissingInterfaceIsNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto xdp = detach_xdp_device(system_kernel(), "bpfl_nosuch3");
  ASSERT_FALSE(xdp);
  EXPECT_EQ(xdp.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(xdp.error().message, HasSubstr("bpfl_nosuch3"));
  auto tc = detach_tc_device(system_kernel(), "bpfl_nosuch3", std::nullopt);
  ASSERT_FALSE(tc);
  EXPECT_THAT(tc.error().message, HasSubstr("remove tc programs from 'bpfl_nosuch3'"));
}

std::string in_namespace(const VethNamespace& ns, const std::string& args) {
  return fmt::format("ip netns exec {} {} {}", ns.name(), BPFLOAD_CLI, args);
}

TEST(AttachDeviceOff, XdpOffRemovesWhatBpfloadXdpAttachedAndSaysSoInJson) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = test::bpf_object("attach_net_legacy.o");
  auto attached = test::run_command(
      in_namespace(ns, fmt::format("xdp {} {} sec xdp mode generic --json", ns.receiver(), quoted(object))));
  ASSERT_EQ(attached.exit_code, 0) << attached.err << attached.out;
  const auto attach_doc = stdout_json(attached);
  const uint32_t prog_id = attach_doc["programs"][0]["id"].get<uint32_t>();
  ASSERT_THAT(test::command_output("ip link show dev " + ns.receiver()), HasSubstr("xdpgeneric"));

  auto off = test::run_command(in_namespace(ns, fmt::format("xdp off {} --json", ns.receiver())));
  ASSERT_EQ(off.exit_code, 0) << off.err << off.out;
  const auto doc = stdout_json(off);
  EXPECT_EQ(doc["device"], ns.receiver());
  EXPECT_EQ(doc["hook"], "xdp");
  ASSERT_EQ(doc["removed"].size(), 1U) << off.out;
  EXPECT_EQ(doc["removed"][0]["hook"], "xdp generic");
  EXPECT_EQ(doc["removed"][0]["mechanism"], "netlink");
  EXPECT_EQ(doc["removed"][0]["prog_id"], prog_id);
  EXPECT_THAT(test::command_output("ip link show dev " + ns.receiver()), Not(HasSubstr("xdp")));

  auto nothing = test::run_command(in_namespace(ns, fmt::format("xdp off {}", ns.receiver())));
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_THAT(nothing.out, HasSubstr("nothing was attached to " + ns.receiver()));
}

TEST(AttachDeviceOff, TcOffOneDirectionKeepsTheQdiscAndTcOffBothRemovesIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = test::bpf_object("attach_net_legacy.o");
  for (const char* direction : {"ingress", "egress"}) {
    auto attached = test::run_command(in_namespace(
        ns, fmt::format("tc {} {} {} sec {}", ns.receiver(), direction, quoted(object), direction)));
    ASSERT_EQ(attached.exit_code, 0) << attached.err << attached.out;
  }
  auto ingress_off = test::run_command(in_namespace(ns, fmt::format("tc off {} ingress --json", ns.receiver())));
  ASSERT_EQ(ingress_off.exit_code, 0) << ingress_off.err << ingress_off.out;
  const auto doc = stdout_json(ingress_off);
  EXPECT_EQ(doc["hook"], "ingress");
  ASSERT_FALSE(doc["removed"].empty()) << ingress_off.out;
  EXPECT_EQ(doc["removed"].back()["mechanism"], "tc-filters");
  EXPECT_EQ(test::command_output("tc filter show dev " + ns.receiver() + " ingress"), "");
  EXPECT_THAT(test::command_output("tc filter show dev " + ns.receiver() + " egress"), HasSubstr("direct-action"));
  EXPECT_THAT(test::command_output("tc qdisc show dev " + ns.receiver()), HasSubstr("clsact"));

  auto both_off = test::run_command(in_namespace(ns, fmt::format("tc off {} --json", ns.receiver())));
  ASSERT_EQ(both_off.exit_code, 0) << both_off.err << both_off.out;
  const auto both = stdout_json(both_off);
  EXPECT_EQ(both["hook"], "tc");
  ASSERT_FALSE(both["removed"].empty());
  EXPECT_EQ(both["removed"].back()["hook"], "clsact");
  EXPECT_EQ(both["removed"].back()["mechanism"], "qdisc");
  EXPECT_EQ(test::command_output("tc filter show dev " + ns.receiver() + " egress"), "");
  EXPECT_THAT(test::command_output("tc qdisc show dev " + ns.receiver()), Not(HasSubstr("clsact")));
  EXPECT_THAT(test::command_output("bpftool net show"), Not(HasSubstr("count_")));
}

TEST(AttachDeviceOff, OffVerbsNameAMissingInterfaceAndABadDirection) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto xdp = test::run_bpfload("xdp off bpfl_nosuch4");
  EXPECT_NE(xdp.exit_code, 0);
  EXPECT_THAT(xdp.err, HasSubstr("no network interface 'bpfl_nosuch4'"));
  auto tc = test::run_bpfload("tc off lo sideways --json");
  EXPECT_EQ(tc.exit_code, 2);
  EXPECT_THAT(tc.out + tc.err, HasSubstr("say ingress or egress"));
  auto missing = test::run_bpfload("xdp lo");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("OBJ is required"));
}

}  // namespace
}  // namespace bpfload
