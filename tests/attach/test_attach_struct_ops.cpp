// struct_ops (issue 23): a TCP congestion control of our own (bpf_progs/compat/
// struct_ops_cc.bpf.c) parsed from its `.struct_ops.link` section, its programs loaded
// against the members they implement, its map value filled with their fds, registered with
// BPF_LINK_CREATE, and used by a TCP connection over loopback in a network namespace.
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "compat_objects.hpp"
#include "kernel_guard.hpp"

namespace bpfload {
namespace {

constexpr const char* kCongestionControl = "bpfload_reno";

ObjectSpec parse_cc(const std::string& path) {
  Result<ObjectSpec> spec = parse_object_file(path);
  EXPECT_TRUE(spec.ok()) << path << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(*spec) : ObjectSpec{};
}

// Child process only: a new network namespace with lo up, a TCP connection over it whose
// client asks for `cc`. Exit code 0 when getsockopt(TCP_CONGESTION) on the connected
// client says `cc`; 10+ for the step that failed.
[[noreturn]] void connect_with(const char* cc) {
  if (::unshare(CLONE_NEWNET) != 0) ::_exit(10);
  const int control = ::socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq lo {};
  std::strncpy(lo.ifr_name, "lo", IFNAMSIZ - 1);
  if (control < 0 || ::ioctl(control, SIOCGIFFLAGS, &lo) != 0) ::_exit(11);
  lo.ifr_flags |= IFF_UP;
  if (::ioctl(control, SIOCSIFFLAGS, &lo) != 0) ::_exit(12);
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (server < 0 || ::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(server, 1) != 0 || ::getsockname(server, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    ::_exit(13);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0 || ::setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, cc, std::strlen(cc)) != 0) ::_exit(14);
  if (::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) ::_exit(15);
  const int accepted = ::accept(server, nullptr, nullptr);
  if (accepted < 0) ::_exit(16);
  char payload[4096] = {};
  for (int i = 0; i < 16; ++i)
    if (::send(client, payload, sizeof(payload), 0) != static_cast<ssize_t>(sizeof(payload))) ::_exit(17);
  char used[16] = {};  // TCP_CA_NAME_MAX
  socklen_t used_length = sizeof(used);
  if (::getsockopt(client, IPPROTO_TCP, TCP_CONGESTION, used, &used_length) != 0) ::_exit(18);
  ::_exit(std::strcmp(used, cc) == 0 ? 0 : 19);
}

int connection_outcome(const char* cc) {
  const pid_t child = ::fork();
  if (child == 0) connect_with(cc);
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(StructOps, ParsedFromTheLinkSectionWithEachMembersProgram) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("struct_ops_cc")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const ObjectSpec spec = parse_cc(path);
    const auto index = spec.find_map(kCongestionControl);
    ASSERT_TRUE(index.has_value());
    const MapSpec& map = spec.maps[*index];
    EXPECT_EQ(map.type, uint32_t{BPF_MAP_TYPE_STRUCT_OPS});
    ASSERT_NE(map.struct_ops, nullptr);
    EXPECT_EQ(map.struct_ops->type_name, "tcp_congestion_ops");
    EXPECT_TRUE(map.struct_ops->link);
    std::map<std::string, std::string> programs;
    for (const StructOpsMember& member : map.struct_ops->members)
      if (!member.program.empty()) programs[member.name] = member.program;
    EXPECT_EQ(programs, (std::map<std::string, std::string>{{"init", "reno_init"},
                                                            {"ssthresh", "reno_ssthresh"},
                                                            {"cong_avoid", "reno_cong_avoid"},
                                                            {"undo_cwnd", "reno_undo_cwnd"}}));
    for (const ProgramSpec& program : spec.programs) {
      EXPECT_EQ(program.struct_ops_type, "tcp_congestion_ops") << program.name;
      EXPECT_TRUE(program.autoload) << program.name;
    }
  }
}

TEST(StructOps, ATcpConnectionInANamespaceUsesTheRegisteredCongestionControl) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("struct_ops_cc")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    LoadOptions options;
    options.pin = false;
    Result<LoadedObject> loaded = load_object(parse_cc(path), options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << loaded.error().verifier_log;
    EXPECT_NE(connection_outcome(kCongestionControl), 0) << "usable before it is attached";
    {
      Result<Attachment> attached = attach_struct_ops(system_kernel(), loaded->map_fd(kCongestionControl),
                                                      kCongestionControl, "tcp_congestion_ops");
      ASSERT_TRUE(attached.ok()) << attached.error().message;
      EXPECT_EQ(connection_outcome(kCongestionControl), 0);
      // The programs ran: init once per connection end, cong_avoid as data was acked.
      uint64_t calls[4] = {};
      const uint32_t zero = 0;
      ASSERT_TRUE(system_kernel()
                      .map_lookup(loaded->map_fd(".bss"), std::as_bytes(std::span(&zero, 1)),
                                  std::as_writable_bytes(std::span(calls)))
                      .ok());
      EXPECT_GE(calls[0], 1u) << "init";
    }
    // Detached when the attachment went: no connection can ask for it any more.
    EXPECT_EQ(connection_outcome(kCongestionControl), 14);
  }
}

}  // namespace
}  // namespace bpfload
