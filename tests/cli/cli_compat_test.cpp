// The command line on the compat objects (issue 23): inspect shows why a 28-byte legacy
// definition was read as iproute2's, load leaves SEC("?...") programs out unless named,
// and tc takes --map-layout.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.hpp"
#include "compat_objects.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using test::quoted;
using test::run_bpfload;
using test::stdout_json;
using ::testing::HasSubstr;

TEST(CliCompat, InspectSaysWhyTwentyEightByteEntriesAreIproute2s) {
  const std::string object = test::bpf_object("legacy_iproute2_28.o");
  const auto json = run_bpfload(fmt::format("inspect {} --json", quoted(object)));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = stdout_json(json);
  bool found = false;
  for (const auto& map : doc["maps"]) {
    if (map["name"] != "jmp_early") continue;
    found = true;
    EXPECT_EQ(map["layout"], "iproute2");
    EXPECT_EQ(map["pinning"], "global_ns");
    EXPECT_THAT(map["layout_reason"].get<std::string>(), HasSubstr("28-byte iproute2"));
  }
  EXPECT_TRUE(found) << json.out;
  const auto text = run_bpfload(fmt::format("inspect {}", quoted(object)));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("layout: 28-byte iproute2 definition"));
  // Forced, the other reading says it was asked for.
  const auto samples = run_bpfload(fmt::format("inspect {} --map-layout samples", quoted(object)));
  EXPECT_EQ(samples.exit_code, 2) << samples.out;
  EXPECT_THAT(samples.err, HasSubstr("inner_map_idx 42"));
}

TEST(CliCompat, LoadLeavesQuestionMarkProgramsOutUnlessNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("optional_sections")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const auto plain = run_bpfload(fmt::format("load {} --json", quoted(path)));
    ASSERT_EQ(plain.exit_code, 0) << plain.err << plain.out;
    const auto doc = stdout_json(plain);
    ASSERT_EQ(doc["programs"].size(), 1U) << plain.out;
    EXPECT_EQ(doc["programs"][0]["name"], "always_loaded");
    const auto named = run_bpfload(fmt::format("load {} --program rejected_probe --json", quoted(path)));
    EXPECT_EQ(named.exit_code, 1) << named.err << named.out;
    const auto refused = stdout_json(named);
    ASSERT_EQ(refused["programs"].size(), 1U) << named.out;
    EXPECT_EQ(refused["programs"][0]["name"], "rejected_probe");
    EXPECT_FALSE(refused["programs"][0]["loaded"].get<bool>());
    const auto missing = run_bpfload(fmt::format("load {} --program nope", quoted(path)));
    EXPECT_EQ(missing.exit_code, 2) << missing.out;
    EXPECT_THAT(missing.err, HasSubstr("no program 'nope'"));
  }
}

std::string available_congestion_controls() {
  return test::run_command("cat /proc/sys/net/ipv4/tcp_available_congestion_control").out;
}

TEST(CliCompat, LoadAttachRegistersAStructOpsLinkUntilDetach) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("struct_ops_cc")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    test::TempBpffsDir pins;
    const std::string dir = pins.path() + "/cc";
    const auto loaded = run_bpfload(fmt::format("load {} --pin-dir {} --attach", quoted(path), quoted(dir)));
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err << loaded.out;
    EXPECT_THAT(loaded.out, HasSubstr("struct_ops tcp_congestion_ops"));
    // The link outlived the command: the kernel offers the congestion control.
    EXPECT_THAT(available_congestion_controls(), HasSubstr("bpfload_reno"));
    const auto detached = run_bpfload(fmt::format("detach {}", quoted(dir)));
    ASSERT_EQ(detached.exit_code, 0) << detached.err << detached.out;
    EXPECT_THAT(available_congestion_controls(), ::testing::Not(HasSubstr("bpfload_reno")));
  }
}

TEST(CliCompat, TcTakesAMapLayout) {
  const auto help = run_bpfload("tc --help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  EXPECT_THAT(help.out, HasSubstr("--map-layout"));
  const auto bad = run_bpfload(fmt::format("tc lo ingress {} --map-layout nonsense",
                                           quoted(test::bpf_object("legacy_iproute2_28.o"))));
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_THAT(bad.err, HasSubstr("unknown map layout 'nonsense'"));
}

}  // namespace
}  // namespace bpfload
