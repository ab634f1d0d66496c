// `bpfload events PIN` against records already waiting in pinned maps of
// bpf_progs/ring_events.o, so nothing depends on timing: --count, --json, --timeout.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
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


// --- --type 'struct X' --object OBJ: records decoded through the object's BTF ---

LoadedObject load_ring_decode_events() {
  Result<LoadedObject> loaded = load_object(parse_test_object("ring_decode_events.o"), LoadOptions{});
  EXPECT_TRUE(loaded.ok()) << error_text(loaded);
  return loaded.ok() ? std::move(loaded).value() : LoadedObject{};
}

std::string decode_command(const std::string& pin, const std::string& type, const std::string& extra) {
  return std::string(BPFLOAD_CLI) + " events " + pin + " --type '" + type + "' --object " +
         bpf_object("ring_decode_events.o") + " " + extra;
}

/// Checks `value` is struct decoded_event number `n` as ring_decode_events.c fills it.
void expect_decoded_event(const nlohmann::json& value, uint64_t n) {
  EXPECT_EQ(value["pid"], 1000 + n) << value;
  EXPECT_EQ(value["delta"], -static_cast<int64_t>(n) - 1) << value;
  EXPECT_EQ(value["seq"], n) << value;
  EXPECT_EQ(value["kind"], n % 2 == 0 ? "KIND_START" : "KIND_STOP") << value;
  EXPECT_EQ(value["comm"], "decoder") << value;
  EXPECT_EQ(value["flags"], nlohmann::json::array({1, 2, 3, 4})) << value;
}

TEST(EventsCli, RecordsAreDecodedThroughTheObjectsBtfTypeFieldByField) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "records");
  run_times(object, "emit_event", 3);
  const CommandResult result = run_command(decode_command(pin, "struct decoded_event", "--count 3 --timeout 10"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<nlohmann::json> lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["size"], 40) << lines[i];
    EXPECT_FALSE(lines[i].contains("trailing")) << lines[i];
    EXPECT_FALSE(lines[i].contains("cpu")) << "a ring buffer record has no CPU: " << lines[i];
    expect_decoded_event(lines[i]["value"], i);
  }
}

TEST(EventsCli, ALongerRecordIsDecodedWithItsTrailingBytesReported) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "records");
  run_times(object, "emit_long", 1);
  const CommandResult result = run_command(decode_command(pin, "struct decoded_event", "--count 1 --timeout 10"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<nlohmann::json> lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u) << result.out;
  EXPECT_EQ(lines[0]["size"], 48);
  expect_decoded_event(lines[0]["value"], 0);
  EXPECT_EQ(lines[0]["trailing"], "a0a1a2a3a4a5a6a7") << lines[0];
}

TEST(EventsCli, AShorterRecordIsAnErrorLineNamingTheTypeAndBothSizesAndReadingGoesOn) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "records");
  run_times(object, "emit_short", 1);
  run_times(object, "emit_event", 1);
  const CommandResult result =
      run_command(decode_command(pin, "struct decoded_event", "--json --count 2 --timeout 10"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<nlohmann::json> lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 2u) << result.out;
  EXPECT_EQ(lines[0]["size"], 12);
  EXPECT_FALSE(lines[0].contains("value")) << lines[0];
  const std::string message = lines[0]["error"]["message"];
  EXPECT_NE(message.find("12 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("struct decoded_event (40 bytes)"), std::string::npos) << message;
  EXPECT_EQ(lines[0]["data"].get<std::string>().size(), 24u) << "the short record's bytes in hex: " << lines[0];
  expect_decoded_event(lines[1]["value"], 1);
}

TEST(EventsCli, ATypeTheObjectDoesNotDeclareIsRefusedNamingTypeAndObjectBeforeReading) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "records");
  const CommandResult result = run_command(decode_command(pin, "struct nosuch", "--count 1"));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("no type 'struct nosuch'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(bpf_object("ring_decode_events.o")), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("decoded_event"), std::string::npos) << "the object's structs are listed: " << result.err;
}

TEST(EventsCli, AnObjectWithoutBtfIsRefusedNamingTheObjectAndType) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "records");
  // A legacy object (maps in SEC("maps")) parses without its BTF.
  const std::string stripped = ::testing::TempDir() + "exec_perf_events_no_btf_" + std::to_string(::getpid()) + ".o";
  const CommandResult strip = run_command("llvm-objcopy --remove-section=.BTF --remove-section=.BTF.ext " +
                                          bpf_object("exec_perf_events.o") + " " + stripped);
  ASSERT_EQ(strip.exit_code, 0) << strip.err;
  const CommandResult result = run_command(std::string(BPFLOAD_CLI) + " events " + pin +
                                           " --type 'struct decoded_event' --object " + stripped + " --count 1");
  std::remove(stripped.c_str());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("has no BTF"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(stripped), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("struct decoded_event"), std::string::npos) << result.err;
}

/// `bpfload ARGS...` started in the background, its stdout going to a file.
class BackgroundCli {
 public:
  explicit BackgroundCli(std::vector<std::string> args)
      : out_(::testing::TempDir() + "events_cli_" + std::to_string(::getpid()) + ".out") {
    args.insert(args.begin(), BPFLOAD_CLI);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, BPFLOAD_CLI, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundCli() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(out_.c_str());
  }
  [[nodiscard]] bool started() const { return pid_ > 0; }
  /// Whether it has exited (its status collected), without waiting.
  bool exited() {
    if (!exited_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }
  [[nodiscard]] int exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  [[nodiscard]] std::string out() const {
    std::ifstream file(out_);
    return std::string(std::istreambuf_iterator<char>(file), {});
  }

 private:
  std::string out_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

TEST(EventsCli, PerfSamplesAreDecodedWithTheirCpuAndWithoutTheKernelsPadding) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const LoadedObject object = load_ring_decode_events();
  const std::string pin = pin_map(object, dir, "perf_records");
  // A perf buffer keeps only what is written once its reader has put its events in the
  // map: write until the command has read one (it stops at --count 1).
  BackgroundCli cli({"events", pin, "--type", "struct decoded_event", "--object", bpf_object("ring_decode_events.o"),
                     "--count", "1", "--timeout", "20"});
  ASSERT_TRUE(cli.started());
  while (!cli.exited()) run_times(object, "emit_perf_event", 1);
  ASSERT_EQ(cli.exit_code(), 0) << cli.out();
  const std::vector<nlohmann::json> lines = json_lines(cli.out());
  ASSERT_EQ(lines.size(), 1u) << cli.out();
  EXPECT_TRUE(lines[0].contains("cpu")) << lines[0];
  EXPECT_EQ(lines[0]["size"], 44) << "40 bytes and the kernel's 4 of padding: " << lines[0];
  EXPECT_FALSE(lines[0].contains("trailing")) << "zero padding is not a trailing part: " << lines[0];
  const nlohmann::json& value = lines[0]["value"];
  EXPECT_EQ(value["pid"], 1000 + value["seq"].get<uint64_t>()) << value;
  EXPECT_EQ(value["comm"], "decoder") << value;
  EXPECT_EQ(value["flags"], nlohmann::json::array({1, 2, 3, 4})) << value;
}

TEST(EventsCli, TypeWithoutObjectIsAUsageErrorNamingTheMissingOption) {
  const CommandResult result =
      run_command(std::string(BPFLOAD_CLI) + " events /sys/fs/bpf/nothing-here --type 'struct event'");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("needs --object"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bpfload::test
