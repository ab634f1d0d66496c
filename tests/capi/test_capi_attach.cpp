// The C API's attach calls against the real kernel: a socket filter driven entirely from
// C (capi_attach_c.c), and XDP and tc on a veth pair in a namespace the test creates,
// counted through the object's map and undone by detach and by closing the object.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/bpfload.h"
#include "capi_attach_c.h"
#include "compat_objects.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string message_of(const bpfload_object* object) { return bpfload_object_error(object)->message; }

// attach_net_legacy.o opened with tc's sections as sched_cls, loaded; closed at the end.
struct NetObject {
  NetObject() {
    const bpfload_program_type types[] = {{"ingress", "sched_cls"}, {"egress", "sched_cls"}};
    bpfload_open_opts opts = BPFLOAD_OPTS_INIT(opts);
    opts.program_types = types;
    opts.program_type_count = 2;
    EXPECT_EQ(bpfload_object_open_file(bpf_object("attach_net_legacy.o").c_str(), &opts, &object), BPFLOAD_OK)
        << message_of(nullptr);
    if (object != nullptr) loaded = bpfload_object_load(object, nullptr) == BPFLOAD_OK;
    EXPECT_TRUE(loaded) << message_of(object);
  }
  ~NetObject() { bpfload_object_close(object); }
  NetObject(const NetObject&) = delete;
  NetObject& operator=(const NetObject&) = delete;

  uint64_t counter(uint32_t key) {
    uint64_t value = 0;
    EXPECT_EQ(bpfload_map_lookup(object, "counters", &key, sizeof(key), &value, sizeof(value), nullptr), BPFLOAD_OK)
        << message_of(object);
    return value;
  }

  bpfload_object* object = nullptr;
  bool loaded = false;
};

TEST(CapiAttach, SocketFilterFromCDropsLongDatagramsUntilDetachedOrClosed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  VethNamespace ns;  // a loopback of our own
  ASSERT_TRUE(ns.ok()) << ns.error();
  ASSERT_EQ(run_command("ip link set lo up").exit_code, 0);
  char message[1024] = {};
  EXPECT_EQ(capi_c_socket_filter_round_trip(bpf_object("attach_sock_legacy.o").c_str(), message, sizeof(message)),
            0)
      << message;
}

TEST(CapiAttach, StructOpsLinkMapRegistersUntilDetached) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : compat_object_builds("struct_ops_cc")) {
    SCOPED_TRACE(compat_compiler_of(path));
    bpfload_object* object = nullptr;
    ASSERT_EQ(bpfload_object_open_file(path.c_str(), nullptr, &object), BPFLOAD_OK) << message_of(nullptr);
    ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
    bpfload_link* link = nullptr;
    EXPECT_EQ(bpfload_map_attach_struct_ops(object, "nope", &link), BPFLOAD_ERR_NOT_FOUND);
    EXPECT_EQ(bpfload_map_attach_struct_ops(object, ".bss", &link), BPFLOAD_ERR_INVALID_ARGUMENT);
    EXPECT_THAT(message_of(object), HasSubstr("not a SEC(\".struct_ops.link\")"));
    ASSERT_EQ(bpfload_map_attach_struct_ops(object, "bpfload_reno", &link), BPFLOAD_OK) << message_of(object);
    ASSERT_NE(link, nullptr);
    EXPECT_STREQ(bpfload_link_mechanism(link), "link");
    EXPECT_GE(bpfload_link_fd(link), 0);
    EXPECT_THAT(bpfload_link_target(link), HasSubstr("tcp_congestion_ops"));
    // Registered: a second registration of the same name is refused by the kernel.
    bpfload_link* again = nullptr;
    EXPECT_EQ(bpfload_map_attach_struct_ops(object, "bpfload_reno", &again), BPFLOAD_ERR_KERNEL);
    EXPECT_EQ(bpfload_link_detach(link), BPFLOAD_OK) << message_of(object);
    bpfload_object_close(object);
  }
}

TEST(CapiAttach, XdpOnAVethCountsFramesUntilDetached) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  NetObject net;
  ASSERT_TRUE(net.loaded);
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  bpfload_attach_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.device = ns.receiver().c_str();
  opts.xdp_mode = BPFLOAD_XDP_GENERIC;
  bpfload_link* link = nullptr;
  ASSERT_EQ(bpfload_program_attach(net.object, "count_xdp", &opts, &link), BPFLOAD_OK) << message_of(net.object);
  ASSERT_NE(link, nullptr);
  EXPECT_STREQ(bpfload_link_mechanism(link), "link");
  EXPECT_GE(bpfload_link_fd(link), 0);
  EXPECT_THAT(bpfload_link_target(link), HasSubstr(ns.receiver()));

  ASSERT_EQ(ns.send_and_receive(5), 5);
  EXPECT_EQ(net.counter(0), 5U);
  ASSERT_EQ(bpfload_link_detach(link), BPFLOAD_OK) << message_of(net.object);
  ASSERT_EQ(ns.send_and_receive(3), 3);
  EXPECT_EQ(net.counter(0), 5U) << "XDP still counts after bpfload_link_detach";
  EXPECT_THAT(command_output("ip link show dev " + ns.receiver()), Not(HasSubstr("xdp")));
}

TEST(CapiAttach, NetlinkTcFilterCountsIngressAndClosingTheObjectRemovesFilterAndQdisc) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  {
    NetObject net;
    ASSERT_TRUE(net.loaded);
    bpfload_attach_opts opts = BPFLOAD_OPTS_INIT(opts);
    opts.device = ns.receiver().c_str();
    opts.netlink = 1;
    opts.tc_direction = BPFLOAD_TC_INGRESS;
    bpfload_link* link = nullptr;
    ASSERT_EQ(bpfload_program_attach(net.object, "count_ingress", &opts, &link), BPFLOAD_OK)
        << message_of(net.object);
    EXPECT_STREQ(bpfload_link_mechanism(link), "tc-filter");
    EXPECT_EQ(bpfload_link_pin(link, "/sys/fs/bpf/bpfload-capi-never"), BPFLOAD_ERR_UNSUPPORTED);
    ASSERT_EQ(ns.send_and_receive(4), 4);
    EXPECT_EQ(net.counter(1), 4U);
    EXPECT_THAT(command_output("tc filter show dev " + ns.receiver() + " ingress"), HasSubstr("direct-action"));
  }  // closed without a detach
  EXPECT_EQ(command_output("tc filter show dev " + ns.receiver() + " ingress"), "");
  EXPECT_THAT(command_output("tc qdisc show dev " + ns.receiver()), Not(HasSubstr("clsact")));
}

TEST(CapiAttach, SectionThatDoesNotSayWhereNamesTheProgramAndTheMissingOption) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  NetObject net;
  ASSERT_TRUE(net.loaded);
  bpfload_link* link = nullptr;
  ASSERT_EQ(bpfload_program_attach(net.object, "count_xdp", nullptr, &link), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(link, nullptr);
  EXPECT_THAT(message_of(net.object), HasSubstr("count_xdp"));
  bpfload_attach_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.device = "bpfl_nosuch9";
  ASSERT_EQ(bpfload_program_attach(net.object, "count_xdp", &opts, &link), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_THAT(message_of(net.object), HasSubstr("bpfl_nosuch9"));
  opts.xdp_mode = static_cast<bpfload_xdp_mode>(77);
  ASSERT_EQ(bpfload_program_attach(net.object, "count_xdp", &opts, &link), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(message_of(net.object), HasSubstr("xdp_mode 77"));
}

TEST(CapiAttach, SocketFilterOnAFileThatIsNoSocketNamesTheCallersFd) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("attach_sock_legacy.o").c_str(), nullptr, &object), BPFLOAD_OK)
      << message_of(nullptr);
  ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
  const int not_a_socket = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(not_a_socket, 0);
  bpfload_link* link = nullptr;
  EXPECT_EQ(bpfload_program_attach_socket_filter(object, "drop_long", not_a_socket, &link),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(link, nullptr);
  // Only the caller's fd is named: the library's own copy of it would mislead.
  const std::string message = message_of(object);
  EXPECT_THAT(message, HasSubstr("fd " + std::to_string(not_a_socket) + " is not an open socket"));
  const std::string mentioned = "fd " + std::to_string(not_a_socket);
  size_t fds_named = 0;
  for (size_t at = message.find("fd "); at != std::string::npos; at = message.find("fd ", at + 1)) {
    ++fds_named;
    EXPECT_EQ(message.compare(at, mentioned.size(), mentioned), 0) << message;
    const size_t after = at + mentioned.size();
    EXPECT_TRUE(after == message.size() || !std::isdigit(static_cast<unsigned char>(message[after]))) << message;
  }
  EXPECT_GE(fds_named, 1u);
  ::close(not_a_socket);
  bpfload_object_close(object);
}

TEST(CapiAttach, AttachBeforeLoadIsRefused) {
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("attach_sock_legacy.o").c_str(), nullptr, &object), BPFLOAD_OK)
      << message_of(nullptr);
  bpfload_link* link = nullptr;
  EXPECT_EQ(bpfload_program_attach_socket_filter(object, "drop_long", 0, &link), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(message_of(object), HasSubstr("not loaded"));
  bpfload_object_close(object);
}

}  // namespace
}  // namespace bpfload::test
