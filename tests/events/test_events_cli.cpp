// `bpfload events PIN` against records already waiting in pinned maps of
// bpf_progs/ring_events.o, so nothing depends on timing: --count, --json, --timeout.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/kernel.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "ring_events_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    const std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

/// The pin of `map` in `dir`, removed with the directory.
std::string pin_map(const LoadedObject& object, const TempBpffsDir& dir, const std::string& map) {
  const std::string path = dir.path() + "/" + map;
  const Status pinned = system_kernel().obj_pin(object.map_fd(map), path);
  EXPECT_TRUE(pinned.ok()) << (pinned.ok() ? "" : pinned.error().message);
  return path;
}

TEST(EventsCli, RingBufferRecordsArePrintedAsJsonLinesUpToCount) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_events();
  const std::string pin = pin_map(object, dir, "big_ring");
  run_times(object, "emit_big", 5);
  const CommandResult result =
      run_command(std::string(BPFLOAD_CLI) + " events " + pin + " --count 3 --timeout 10 --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<nlohmann::json> lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["size"], 40);
    const std::string data = lines[i]["data"];
    ASSERT_EQ(data.size(), 80u);
    // seq, little-endian, at byte 8
    EXPECT_EQ(data.substr(16, 2), fmt::format("{:02x}", i)) << data;
  }
}

TEST(EventsCli, AnEmptyPerfBufferTimesOutBeforeCountWithExitOneAndTheCountSeen) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_events();
  const std::string pin = pin_map(object, dir, "perf_events");
  // The reader opens the CPUs' events when it starts: nothing written before is kept, so
  // an empty perf buffer shows the timeout.
  const CommandResult result =
      run_command(std::string(BPFLOAD_CLI) + " events " + pin + " --count 2 --timeout 0.2 --json");
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("0 of 2 records"), std::string::npos) << result.err;
}

TEST(EventsCli, AMapOfAnotherTypeIsRefusedNamingIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_events();
  const std::string pin = pin_map(object, dir, "drops");
  const CommandResult result = run_command(std::string(BPFLOAD_CLI) + " events " + pin + " --timeout 1");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("not a ring buffer"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(pin), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bpfload::test
