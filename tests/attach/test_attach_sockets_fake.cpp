// sk_msg/sk_skb on a sockmap and socket filters against the fake world (FakeKernel): which mechanism
// each uses, the fallback without sockmap links, and that nothing stays attached after a
// failure or a destruction.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <linux/bpf.h>

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
using test::fake_map;
using ::testing::HasSubstr;

Fd udp_socket() { return Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)); }

TEST(AttachSocketsFake, SkMsgOnASockmapIsALinkWhereTheKernelHasThem) {
  FakeKernel kernel;
  FakeProgram prog(kernel, BPF_PROG_TYPE_SK_MSG);
  Fd map = fake_map(kernel, BPF_MAP_TYPE_SOCKMAP);
  {
    auto attachment = attach_sockmap(kernel, prog.fd(), "count_msg", map.get(), "sock_map", BPF_SK_MSG_VERDICT);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "link");
    EXPECT_THAT(attachment->target(), HasSubstr("sock_map"));
    EXPECT_EQ(kernel.live_links(), 1);
    EXPECT_THAT(kernel.calls(), ::testing::Contains(fmt::format("link_create type={} target={} flags=0",
                                                             BPF_SK_MSG_VERDICT, map.get())));
  }
  EXPECT_EQ(kernel.live_links(), 0);
}

TEST(AttachSocketsFake, SkSkbFallsBackToProgAttachOnTheMapAndDetachesOnDestruction) {
  FakeKernel kernel;
  kernel.set_sockmap_links(false);
  FakeProgram prog(kernel, BPF_PROG_TYPE_SK_SKB);
  Fd map = fake_map(kernel, BPF_MAP_TYPE_SOCKMAP);
  {
    auto attachment =
        attach_sockmap(kernel, prog.fd(), "count_skb", map.get(), "sock_map", BPF_SK_SKB_STREAM_VERDICT);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "prog-attach");
    EXPECT_EQ(kernel.prog_attachments(), 1);
    EXPECT_FALSE(attachment->pin("/sys/fs/bpf/count_skb")) << "only links can be pinned";
  }
  EXPECT_EQ(kernel.prog_attachments(), 0);
  EXPECT_THAT(kernel.calls(), ::testing::Contains(fmt::format("prog_detach type={}", BPF_SK_SKB_STREAM_VERDICT)));
}

TEST(AttachSocketsFake, SockmapAttachTypeThatIsNotASocketOneIsRefusedNamingIt) {
  FakeKernel kernel;
  FakeProgram prog(kernel, BPF_PROG_TYPE_SK_MSG);
  Fd map = fake_map(kernel, BPF_MAP_TYPE_SOCKMAP);
  kernel.clear_calls();
  auto attachment = attach_sockmap(kernel, prog.fd(), "count_msg", map.get(), "sock_map", BPF_CGROUP_INET_EGRESS);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("'count_msg'"));
  EXPECT_THAT(attachment.error().message, HasSubstr("sock_map"));
  EXPECT_TRUE(kernel.calls().empty());
}

TEST(AttachSocketsFake, MissingSockmapIsNotFound) {
  FakeKernel kernel;
  FakeProgram prog(kernel, BPF_PROG_TYPE_SK_MSG);
  auto attachment = attach_sockmap(kernel, prog.fd(), "count_msg", -1, "nosuch_map", BPF_SK_MSG_VERDICT);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("nosuch_map"));
}

TEST(AttachSocketsFake, EveryFailingCallOfASockmapFallbackLeavesNothingAttached) {
  for (int n = 1; n <= 4; ++n) {
    FakeKernel fake;
    fake.set_sockmap_links(false);
    FakeProgram prog(fake, BPF_PROG_TYPE_SK_MSG);
    Fd map = fake_map(fake, BPF_MAP_TYPE_SOCKMAP);
    FaultInjectingKernel kernel(fake);
    kernel.fail_nth_call(n, EIO);
    {
      auto attachment = attach_sockmap(kernel, prog.fd(), "count_msg", map.get(), "sock_map", BPF_SK_MSG_VERDICT);
      if (attachment) continue;  // n is past the last call
      EXPECT_EQ(attachment.error().sys_errno, EIO) << "call " << n;
    }
    EXPECT_EQ(fake.prog_attachments(), 0) << "call " << n;
    EXPECT_EQ(fake.live_links(), 0) << "call " << n;
  }
}

TEST(AttachSocketsFake, SocketFilterIsRemovedOnDestructionUnlessKept) {
  FakeKernel kernel;
  FakeProgram prog(kernel, BPF_PROG_TYPE_SOCKET_FILTER);
  Fd socket = udp_socket();
  {
    auto attachment = attach_socket_filter(kernel, prog.fd(), "drop_long", socket.get());
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "socket-filter");
    EXPECT_EQ(kernel.socket_filters(), 1);
  }
  EXPECT_EQ(kernel.socket_filters(), 0);
  {
    auto attachment = attach_socket_filter(kernel, prog.fd(), "drop_long", socket.get());
    ASSERT_TRUE(attachment) << attachment.error().message;
    attachment->keep();
  }
  EXPECT_EQ(kernel.socket_filters(), 1);
}

TEST(AttachSocketsFake, SocketFilterOnANegativeFdIsRefused) {
  FakeKernel kernel;
  FakeProgram prog(kernel, BPF_PROG_TYPE_SOCKET_FILTER);
  auto attachment = attach_socket_filter(kernel, prog.fd(), "drop_long", -1);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("drop_long"));
}

TEST(AttachSocketsFake, FailedSocketFilterAttachLeavesNoFilter) {
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  kernel.fail_every("socket_attach_filter", EINVAL);
  FakeProgram prog(kernel, BPF_PROG_TYPE_SOCKET_FILTER);
  Fd socket = udp_socket();
  auto attachment = attach_socket_filter(kernel, prog.fd(), "drop_long", socket.get());
  ASSERT_FALSE(attachment);
  EXPECT_THAT(attachment.error().message, HasSubstr("drop_long"));
  EXPECT_EQ(fake.socket_filters(), 0);
}

}  // namespace
}  // namespace bpfload
