// sk_msg/sk_skb on a sockmap and socket filters against FakeAttachKernel: which mechanism
// each uses, the fallback without sockmap links, and that nothing stays attached after a
// failure or a destruction.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <linux/bpf.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bpfload/attach.hpp"
#include "fake_attach_kernel.hpp"

namespace bpfload {
namespace {

using test::FakeAttachKernel;
using ::testing::HasSubstr;

Fd dev_null() { return Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

TEST(AttachSocketsFake, SkMsgOnASockmapIsALinkWhereTheKernelHasThem) {
  FakeAttachKernel kernel;
  Fd prog = dev_null();
  Fd map = dev_null();
  {
    auto attachment = attach_sockmap(kernel, prog.get(), "count_msg", map.get(), "sock_map", BPF_SK_MSG_VERDICT);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "link");
    EXPECT_THAT(attachment->target(), HasSubstr("sock_map"));
    EXPECT_EQ(kernel.live_links(), 1);
    EXPECT_THAT(kernel.calls, ::testing::Contains(fmt::format("link_create type={} target={} flags=0",
                                                             BPF_SK_MSG_VERDICT, map.get())));
  }
  EXPECT_EQ(kernel.live_links(), 0);
}

TEST(AttachSocketsFake, SkSkbFallsBackToProgAttachOnTheMapAndDetachesOnDestruction) {
  FakeAttachKernel kernel;
  kernel.sockmap_links = false;
  Fd prog = dev_null();
  Fd map = dev_null();
  {
    auto attachment =
        attach_sockmap(kernel, prog.get(), "count_skb", map.get(), "sock_map", BPF_SK_SKB_STREAM_VERDICT);
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "prog-attach");
    EXPECT_EQ(kernel.prog_attached, 1);
    EXPECT_FALSE(attachment->pin("/fake/links/count_skb")) << "only links can be pinned";
  }
  EXPECT_EQ(kernel.prog_attached, 0);
  EXPECT_THAT(kernel.calls, ::testing::Contains(fmt::format("prog_detach type={}", BPF_SK_SKB_STREAM_VERDICT)));
}

TEST(AttachSocketsFake, SockmapAttachTypeThatIsNotASocketOneIsRefusedNamingIt) {
  FakeAttachKernel kernel;
  Fd prog = dev_null();
  Fd map = dev_null();
  auto attachment = attach_sockmap(kernel, prog.get(), "count_msg", map.get(), "sock_map", BPF_CGROUP_INET_EGRESS);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("'count_msg'"));
  EXPECT_THAT(attachment.error().message, HasSubstr("sock_map"));
  EXPECT_TRUE(kernel.calls.empty());
}

TEST(AttachSocketsFake, MissingSockmapIsNotFound) {
  FakeAttachKernel kernel;
  Fd prog = dev_null();
  auto attachment = attach_sockmap(kernel, prog.get(), "count_msg", -1, "nosuch_map", BPF_SK_MSG_VERDICT);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(attachment.error().message, HasSubstr("nosuch_map"));
}

TEST(AttachSocketsFake, EveryFailingCallOfASockmapFallbackLeavesNothingAttached) {
  for (int n = 1; n <= 4; ++n) {
    FakeAttachKernel kernel;
    kernel.sockmap_links = false;
    Fd prog = dev_null();
    Fd map = dev_null();
    kernel.fail_call(n, EIO);
    {
      auto attachment = attach_sockmap(kernel, prog.get(), "count_msg", map.get(), "sock_map", BPF_SK_MSG_VERDICT);
      if (attachment) continue;  // n is past the last call
      EXPECT_EQ(attachment.error().sys_errno, EIO) << "call " << n;
    }
    EXPECT_EQ(kernel.prog_attached, 0) << "call " << n;
    EXPECT_EQ(kernel.live_links(), 0) << "call " << n;
  }
}

TEST(AttachSocketsFake, SocketFilterIsRemovedOnDestructionUnlessKept) {
  FakeAttachKernel kernel;
  Fd prog = dev_null();
  Fd socket = dev_null();
  {
    auto attachment = attach_socket_filter(kernel, prog.get(), "drop_long", socket.get());
    ASSERT_TRUE(attachment) << attachment.error().message;
    EXPECT_EQ(attachment->mechanism(), "socket-filter");
    EXPECT_EQ(kernel.socket_filters, 1);
  }
  EXPECT_EQ(kernel.socket_filters, 0);
  {
    auto attachment = attach_socket_filter(kernel, prog.get(), "drop_long", socket.get());
    ASSERT_TRUE(attachment) << attachment.error().message;
    attachment->keep();
  }
  EXPECT_EQ(kernel.socket_filters, 1);
}

TEST(AttachSocketsFake, SocketFilterOnANegativeFdIsRefused) {
  FakeAttachKernel kernel;
  Fd prog = dev_null();
  auto attachment = attach_socket_filter(kernel, prog.get(), "drop_long", -1);
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(attachment.error().message, HasSubstr("drop_long"));
}

TEST(AttachSocketsFake, FailedSocketFilterAttachLeavesNoFilter) {
  FakeAttachKernel kernel;
  kernel.fail_method("socket_attach_filter", EINVAL);
  Fd prog = dev_null();
  Fd socket = dev_null();
  auto attachment = attach_socket_filter(kernel, prog.get(), "drop_long", socket.get());
  ASSERT_FALSE(attachment);
  EXPECT_THAT(attachment.error().message, HasSubstr("drop_long"));
  EXPECT_EQ(kernel.socket_filters, 0);
}

}  // namespace
}  // namespace bpfload
