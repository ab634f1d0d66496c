#include "attach_test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/kernel.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

constexpr uint16_t kTestEthertype = 0x88B5;
std::atomic<int> namespace_counter{0};

bool shell(const std::string& command) {
  return run_command(command + " >/dev/null 2>&1").exit_code == 0;
}

Fd packet_socket(const std::string& device, uint16_t protocol) {
  Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(protocol)));
  if (!fd) return fd;
  sockaddr_ll address {};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(protocol);
  address.sll_ifindex = static_cast<int>(if_nametoindex(device.c_str()));
  if (address.sll_ifindex == 0 ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Fd();
  }
  return fd;
}

}  // namespace

VethNamespace::VethNamespace() {
  const int pid = static_cast<int>(::getpid());
  const int k = namespace_counter++;
  name_ = fmt::format("bpfl{}n{}", pid, k);
  a_ = fmt::format("bl{}a{}", pid % 100000, k);
  b_ = fmt::format("bl{}b{}", pid % 100000, k);
  if (!shell(fmt::format("ip netns add {}", name_))) {
    error_ = "ip netns add " + name_ + " failed";
    return;
  }
  if (!shell(fmt::format("ip -n {0} link add {1} type veth peer name {2} && ip -n {0} link set {1} up && "
                         "ip -n {0} link set {2} up",
                         name_, a_, b_))) {
    error_ = "creating the veth pair in " + name_ + " failed";
    return;
  }
  original_ = Fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  Fd target(::open(fmt::format("/run/netns/{}", name_).c_str(), O_RDONLY | O_CLOEXEC));
  if (!original_ || !target || ::setns(target.get(), CLONE_NEWNET) != 0) {
    error_ = fmt::format("entering {}: {}", name_, std::strerror(errno));
    return;
  }
  entered_ = true;
}

VethNamespace::~VethNamespace() {
  if (entered_) (void)::setns(original_.get(), CLONE_NEWNET);
  // Deleting the namespace removes the veth pair and whatever was attached to it.
  (void)shell(fmt::format("ip netns del {}", name_));
}

int VethNamespace::send_and_receive(int count) {
  Fd receive = packet_socket(b_, kTestEthertype);
  Fd send = packet_socket(a_, kTestEthertype);
  if (!receive || !send) return -1;
  const timeval timeout{10, 0};
  (void)::setsockopt(receive.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::array<unsigned char, 60> frame {};
  std::memset(frame.data(), 0xff, 6);  // broadcast
  const unsigned char source[6] = {0x02, 0, 0, 0, 0, 1};
  std::memcpy(frame.data() + 6, source, 6);
  frame[12] = kTestEthertype >> 8;
  frame[13] = kTestEthertype & 0xff;
  for (int i = 0; i < count; ++i) {
    if (::send(send.get(), frame.data(), frame.size(), 0) != static_cast<ssize_t>(frame.size())) return -1;
  }
  int received = 0;
  std::array<unsigned char, 256> buffer {};
  while (received < count) {
    if (::recv(receive.get(), buffer.data(), buffer.size(), 0) <= 0) break;
    ++received;
  }
  return received;
}

Result<LoadedObject> load_for_attach(const std::string& file, const ParseOptions& parse, ObjectSpec* spec_out) {
  auto spec = parse_object_file(bpf_object(file), parse);
  if (!spec) return std::move(spec).error();
  LoadOptions options;
  options.pin = false;
  auto object = load_object(*spec, options);
  if (spec_out != nullptr) *spec_out = std::move(*spec);
  return object;
}

std::string command_output(const std::string& command) {
  CommandResult result = run_command(command);
  return result.exit_code == 0 ? result.out : std::string();
}

uint64_t counter(const LoadedObject& object, uint32_t key) {
  uint64_t value = 0;
  const Status status = system_kernel().map_lookup(object.map_fd("counters"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(status) << (status ? "" : status.error().message);
  return value;
}

ParseOptions tc_sections() {
  ParseOptions parse;
  parse.program_types["ingress"] = "sched_cls";
  parse.program_types["egress"] = "sched_cls";
  return parse;
}

}  // namespace bpfload::test
