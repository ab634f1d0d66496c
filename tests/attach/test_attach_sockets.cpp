// Socket programs attached for real, inside a network namespace the test creates: sk_msg
// and sk_skb on a sockmap of a legacy object count what a loopback TCP connection sends
// and receives; a socket filter on a UDP socket drops the long datagrams.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kMsgKey = 0;
constexpr uint32_t kSkbKey = 1;
constexpr uint32_t kFilterSeenKey = 2;
constexpr uint32_t kFilterDroppedKey = 3;

uint64_t count(const LoadedObject& object, uint32_t key) {
  uint64_t value = 0;
  const Status status = system_kernel().map_lookup(object.map_fd("counts"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(status) << (status ? "" : status.error().message);
  return value;
}

// Bounds every blocking receive: a test that loses a datagram fails instead of hanging.
void receive_timeout(int fd) {
  timeval limit {};
  limit.tv_sec = 10;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
}

sockaddr_in loopback_any_port() {
  sockaddr_in address {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

struct TcpPair {
  Fd client;
  Fd server;
};

// A connected loopback TCP pair (in the namespace this thread is in).
TcpPair tcp_pair() {
  TcpPair pair;
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_any_port();
  socklen_t length = sizeof(address);
  if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return pair;
  }
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!client || ::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return pair;
  Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!server) return pair;
  receive_timeout(server.get());
  pair.client = std::move(client);
  pair.server = std::move(server);
  return pair;
}

Status put_in_sockmap(const LoadedObject& object, uint32_t key, int socket_fd) {
  const uint32_t value = static_cast<uint32_t>(socket_fd);
  return system_kernel().map_update(object.map_fd("sock_map"), std::as_bytes(std::span(&key, 1)),
                                    std::as_bytes(std::span(&value, 1)), BPF_ANY);
}

// Sends `messages` 5-byte messages from client to server, one send() each; returns the
// bytes the server read back.
std::string exchange(const TcpPair& pair, int messages) {
  for (int i = 0; i < messages; ++i) {
    if (::send(pair.client.get(), "hello", 5, MSG_NOSIGNAL) != 5) return "send failed";
  }
  std::string received;
  const size_t expected = 5 * static_cast<size_t>(messages);
  char buffer[256];
  while (received.size() < expected) {
    const ssize_t n = ::recv(pair.server.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

class AttachSockets : public ::testing::Test {
 protected:
  void SetUp() override {
    BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
    auto object = test::load_for_attach("attach_sock_legacy.o");
    ASSERT_TRUE(object) << object.error().message;
    object_ = std::move(*object);
    ns_ = std::make_unique<test::VethNamespace>();  // a loopback of our own
    ASSERT_TRUE(ns_->ok()) << ns_->error();
    ASSERT_EQ(test::run_command("ip link set lo up").exit_code, 0);
  }
  void TearDown() override { ns_.reset(); }

  LoadedObject object_;
  std::unique_ptr<test::VethNamespace> ns_;
};

TEST_F(AttachSockets, SkMsgAndSkSkbOnTheSockmapCountWhatItsSocketsSendAndReceive) {
  Kernel& kernel = system_kernel();
  const int map = object_.map_fd("sock_map");
  auto on_msg = attach_sockmap(kernel, object_.program_fd("count_msg"), "count_msg", map, "sock_map",
                               BPF_SK_MSG_VERDICT);
  ASSERT_TRUE(on_msg) << on_msg.error().message;
  auto on_skb = attach_sockmap(kernel, object_.program_fd("count_skb"), "count_skb", map, "sock_map",
                               BPF_SK_SKB_STREAM_VERDICT);
  ASSERT_TRUE(on_skb) << on_skb.error().message;

  // Sockets pick up the map's programs when they are added, so attach comes first.
  const TcpPair pair = tcp_pair();
  ASSERT_TRUE(pair.client && pair.server);
  ASSERT_TRUE(put_in_sockmap(object_, 0, pair.client.get()));
  ASSERT_TRUE(put_in_sockmap(object_, 1, pair.server.get()));
  EXPECT_EQ(exchange(pair, 4), "hellohellohellohello");
  EXPECT_EQ(count(object_, kMsgKey), 4U) << "one sk_msg run per send()";
  EXPECT_GE(count(object_, kSkbKey), 1U) << "the receiving socket's data went through sk_skb";

  ASSERT_TRUE(on_msg->detach());
  ASSERT_TRUE(on_skb->detach());
  const uint64_t msgs = count(object_, kMsgKey);
  const uint64_t skbs = count(object_, kSkbKey);
  const TcpPair later = tcp_pair();
  ASSERT_TRUE(later.client && later.server);
  ASSERT_TRUE(put_in_sockmap(object_, 2, later.client.get()));
  ASSERT_TRUE(put_in_sockmap(object_, 3, later.server.get()));
  EXPECT_EQ(exchange(later, 2), "hellohello");
  EXPECT_EQ(count(object_, kMsgKey), msgs) << "sockets added after detach run nothing";
  EXPECT_EQ(count(object_, kSkbKey), skbs);
}

TEST_F(AttachSockets, SkMsgOnAMapThatIsNotASockmapIsRefusedNamingIt) {
  auto attached = attach_sockmap(system_kernel(), object_.program_fd("count_msg"), "count_msg",
                                 object_.map_fd("counts"), "counts", BPF_SK_MSG_VERDICT);
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().kind, ErrorKind::InvalidArgument) << attached.error().message;
  EXPECT_THAT(attached.error().message, HasSubstr("'counts'"));
}

struct UdpPair {
  Fd sender;
  Fd receiver;
  sockaddr_in address {};
};

UdpPair udp_pair() {
  UdpPair pair;
  pair.receiver = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  pair.sender = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  pair.address = loopback_any_port();
  socklen_t length = sizeof(pair.address);
  if (::bind(pair.receiver.get(), reinterpret_cast<sockaddr*>(&pair.address), sizeof(pair.address)) != 0 ||
      ::getsockname(pair.receiver.get(), reinterpret_cast<sockaddr*>(&pair.address), &length) != 0) {
    pair.receiver.reset();
  }
  receive_timeout(pair.receiver.get());
  return pair;
}

bool send_datagram(const UdpPair& pair, size_t size) {
  const std::vector<char> payload(size, 'd');
  return ::sendto(pair.sender.get(), payload.data(), payload.size(), 0,
                  reinterpret_cast<const sockaddr*>(&pair.address), sizeof(pair.address)) ==
         static_cast<ssize_t>(size);
}

ssize_t next_datagram_size(const UdpPair& pair) {
  char buffer[2048];
  return ::recv(pair.receiver.get(), buffer, sizeof(buffer), 0);
}

TEST_F(AttachSockets, SocketFilterDropsLongDatagramsAndKeepsShortOnesUntilDetached) {
  const UdpPair pair = udp_pair();
  ASSERT_TRUE(pair.sender && pair.receiver);
  auto filter = attach_socket_filter(system_kernel(), object_.program_fd("drop_long"), "drop_long",
                                     pair.receiver.get());
  ASSERT_TRUE(filter) << filter.error().message;
  EXPECT_EQ(filter->mechanism(), "socket-filter");
  ASSERT_TRUE(send_datagram(pair, 200));
  ASSERT_TRUE(send_datagram(pair, 3));
  // Loopback keeps the order: the first datagram read is the short one, so the long one
  // was dropped.
  EXPECT_EQ(next_datagram_size(pair), 3);
  EXPECT_EQ(count(object_, kFilterSeenKey), 2U);
  EXPECT_EQ(count(object_, kFilterDroppedKey), 1U);

  ASSERT_TRUE(filter->detach());
  ASSERT_TRUE(send_datagram(pair, 200));
  EXPECT_EQ(next_datagram_size(pair), 200);
  EXPECT_EQ(count(object_, kFilterSeenKey), 2U) << "filter still runs after detach";
}

TEST_F(AttachSockets, SocketFilterStaysOnTheSocketWhenKept) {
  const UdpPair pair = udp_pair();
  ASSERT_TRUE(pair.sender && pair.receiver);
  {
    auto filter = attach_socket_filter(system_kernel(), object_.program_fd("drop_long"), "drop_long",
                                       pair.receiver.get());
    ASSERT_TRUE(filter) << filter.error().message;
    filter->keep();
  }
  ASSERT_TRUE(send_datagram(pair, 200));
  ASSERT_TRUE(send_datagram(pair, 4));
  EXPECT_EQ(next_datagram_size(pair), 4);
  EXPECT_EQ(count(object_, kFilterDroppedKey), 1U);
}

TEST_F(AttachSockets, SocketFilterOnAFileThatIsNotASocketIsRefused) {
  Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto filter =
      attach_socket_filter(system_kernel(), object_.program_fd("drop_long"), "drop_long", file.get());
  ASSERT_FALSE(filter);
  EXPECT_EQ(filter.error().kind, ErrorKind::InvalidArgument) << filter.error().message;
  EXPECT_THAT(filter.error().message, HasSubstr("not an open socket"));
}

TEST_F(AttachSockets, ProgramThatIsNotASocketFilterIsRefusedOnASocket) {
  const UdpPair pair = udp_pair();
  ASSERT_TRUE(pair.receiver);
  auto filter =
      attach_socket_filter(system_kernel(), object_.program_fd("count_msg"), "count_msg", pair.receiver.get());
  ASSERT_FALSE(filter);
  EXPECT_EQ(filter.error().kind, ErrorKind::InvalidArgument) << filter.error().message;
  EXPECT_THAT(filter.error().message, HasSubstr("not a socket filter program"));
}

}  // namespace
}  // namespace bpfload
