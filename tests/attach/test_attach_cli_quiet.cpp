// libbpf's own lines never reach the terminal: its netlink helpers print the kernel's
// extended ack through libbpf's print callback, which the command line captures. A
// command that succeeds says nothing of them; one that fails shows them once, after its
// own error, labelled as libbpf's.
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "cli/cli_test_util.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using test::quoted;
using ::testing::HasSubstr;

std::string in_namespace(const test::VethNamespace& ns, const std::string& args) {
  return fmt::format("ip netns exec {} {} {}", ns.name(), BPFLOAD_CLI, args);
}

// Lines of `text` that start as libbpf's own do.
size_t libbpf_lines(const std::string& text) {
  size_t count = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    if (text.compare(at, 7, "libbpf:") == 0) ++count;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return count;
}

TEST(AttachCliQuiet, TcOffWithNothingAttachedAndATcAttachPrintNoLibbpfLine) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = quoted(test::bpf_object("attach_net_legacy.o"));
  for (const std::string& args : {fmt::format("tc off {}", ns.receiver()),
                                   fmt::format("tc off {} ingress", ns.receiver()),
                                   fmt::format("tc {} ingress {} sec ingress", ns.receiver(), object),
                                   fmt::format("tc off {}", ns.receiver())}) {
    const test::CommandResult result = test::run_command(in_namespace(ns, args));
    EXPECT_EQ(result.exit_code, 0) << args << ": " << result.err;
    EXPECT_EQ(libbpf_lines(result.err), 0u) << args << ":\n" << result.err;
  }
}

TEST(AttachCliQuiet, ARefusedXdpModeShowsWhatLibbpfReportedOnceAndNoLibbpfLine) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = quoted(test::bpf_object("attach_net_legacy.o"));
  const test::CommandResult generic =
      test::run_command(in_namespace(ns, fmt::format("xdp {} {} sec xdp mode generic", ns.receiver(), object)));
  ASSERT_EQ(generic.exit_code, 0) << generic.err;
  // Native XDP while a generic program is attached: the kernel refuses and says why.
  const test::CommandResult native =
      test::run_command(in_namespace(ns, fmt::format("xdp {} {} sec xdp mode native", ns.receiver(), object)));
  EXPECT_NE(native.exit_code, 0);
  EXPECT_EQ(libbpf_lines(native.err), 0u) << native.err;
  // The advice removes the program in the mode it is in: `xdp off` leaves a generic one.
  EXPECT_THAT(native.err, HasSubstr(fmt::format("(ip link set dev {} xdpgeneric off)", ns.receiver())));
  EXPECT_THAT(native.err, HasSubstr("bpfload:   libbpf reported during this command: "));
  const std::string said = "libbpf reported during this command: ";
  const size_t first = native.err.find(said);
  EXPECT_EQ(native.err.find(native.err.substr(first, native.err.find('\n', first) - first), first + 1),
            std::string::npos)
      << "shown once:\n" << native.err;
  EXPECT_EQ(test::run_command(fmt::format("ip -n {} link set dev {} xdpgeneric off", ns.name(), ns.receiver())).exit_code, 0);
}

}  // namespace
}  // namespace bpfload
