// `bpfload map ...` on pinned maps, checked against what the kernel holds.
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/kernel.hpp"
#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

unsigned possible_cpus() {
  std::ifstream in("/sys/devices/system/cpu/possible");
  std::string text;
  std::getline(in, text);
  const size_t dash = text.find_last_of("-,");
  return static_cast<unsigned>(std::stoul(dash == std::string::npos ? text : text.substr(dash + 1))) + 1;
}

std::string create_map(const std::string& path, const std::string& type, int key, int value, int max) {
  const CommandResult result = run_bpfload("map create " + quoted(path) + " --type " + type + " --key-size " +
                                           std::to_string(key) + " --value-size " + std::to_string(value) +
                                           " --max-entries " + std::to_string(max));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return path;
}

TEST(CliMap, EveryNumberOptionHasOneGrammar) {
  // Refused before anything reaches the kernel, so no privileges are needed.
  for (const std::string& options : {std::string("--key-size 4 --value-size 010 --max-entries 4"),
                                     std::string("--key-size 4 --value-size 4 --max-entries 4 --flags 010"),
                                     std::string("--key-size 04 --value-size 4 --max-entries 4"),
                                     std::string("--key-size 4 --value-size 4 --max-entries 4x"),
                                     std::string("--key-size 4 --value-size 4 --max-entries 0x100000000")}) {
    SCOPED_TRACE(options);
    const CommandResult result =
        run_bpfload("map create /sys/fs/bpf/bpfload-never-" + std::to_string(getpid()) + " --type array " + options);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("(numbers are decimal, e.g. 16, or 0x hex, e.g. 0x10)"), std::string::npos)
        << result.err;
  }
  const CommandResult level = run_bpfload("load " + bpf_object("sample_xdp_legacy.o") + " --log-level 01");
  EXPECT_EQ(level.exit_code, 2) << level.err;
  EXPECT_NE(level.err.find("leading zero"), std::string::npos) << level.err;
}

TEST(CliMap, HexSizesAreTheSameNumbersAsDecimal) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string map = dir.path() + "/hex_sizes";
  const CommandResult created = run_bpfload("map create " + map +
                                            " --type array --key-size 0x4 --value-size 0X8 --max-entries 16 --flags 0x0");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  Result<Fd> fd = system_kernel().obj_get(map);
  ASSERT_TRUE(fd.ok());
  Result<MapInfo> info = system_kernel().map_info(fd->get());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->key_size, 4u);
  EXPECT_EQ(info->value_size, 8u);
  EXPECT_EQ(info->max_entries, 16u);
}

TEST(CliMap, CreateUpdateLookupDumpArray) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string map = dir.path() + "/my_array";
  const CommandResult created = run_bpfload("map create " + map +
                                            " --type array --key-size 4 --value-size 4 --max-entries 100");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("pinned at " + map), std::string::npos) << created.out;

  const CommandResult updated = run_bpfload("map update " + map + " --key 1 --value 1234");
  ASSERT_EQ(updated.exit_code, 0) << updated.err;

  const CommandResult lookup = run_bpfload("map lookup " + map + " --key 1");
  ASSERT_EQ(lookup.exit_code, 0) << lookup.err;
  EXPECT_NE(lookup.out.find("value: d2 04 00 00 (1234)"), std::string::npos) << lookup.out;

  const json lookup_json = stdout_json(run_bpfload("map lookup " + map + " --key 1 --json"));
  EXPECT_EQ(lookup_json["key"], (json{1, 0, 0, 0}));
  EXPECT_EQ(lookup_json["key_int"], 1);
  EXPECT_EQ(lookup_json["value"], (json{0xd2, 0x04, 0, 0}));
  EXPECT_EQ(lookup_json["value_int"], 1234);

  const CommandResult dump = run_bpfload("map dump " + map + " --json");
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const json doc = stdout_json(dump);
  EXPECT_EQ(doc["type"], "array");
  EXPECT_EQ(doc["key_size"], 4);
  EXPECT_EQ(doc["max_entries"], 100);
  ASSERT_EQ(doc["entries"].size(), 100u);  // an array has every key
  EXPECT_EQ(doc["entries"][1]["key_int"], 1);
  EXPECT_EQ(doc["entries"][1]["value_int"], 1234);
  EXPECT_EQ(doc["entries"][2]["value_int"], 0);

  // The kernel holds what the CLI says it wrote.
  Kernel& kernel = system_kernel();
  auto fd = kernel.obj_get(map);
  ASSERT_TRUE(fd) << fd.error().message;
  const uint32_t key = 1;
  uint32_t value = 0;
  ASSERT_TRUE(kernel.map_lookup(fd->get(), std::as_bytes(std::span(&key, 1)),
                                std::as_writable_bytes(std::span(&value, 1))));
  EXPECT_EQ(value, 1234u);
}

TEST(CliMap, KeyAndValueForms) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string map = create_map(dir.path() + "/forms", "hash", 4, 8, 16);

  EXPECT_EQ(run_bpfload("map update " + map + " --key hex:02000000 --value -5").exit_code, 0);
  const json negative = stdout_json(run_bpfload("map lookup " + map + " --key 2 --json"));
  EXPECT_EQ(negative["value"], (json{0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(negative["value_int"].get<uint64_t>(), static_cast<uint64_t>(-5));

  EXPECT_EQ(run_bpfload("map update " + map + " --key '03 00 00 00' --value 0x4d2").exit_code, 0);
  EXPECT_EQ(stdout_json(run_bpfload("map lookup " + map + " --key 3 --json"))["value_int"], 1234);

  // Too big for 4 bytes, wrong byte count, junk: usage errors, nothing written.
  for (const char* key : {"0x100000000", "'01 00'", "hex:0100", "twelve", "-2147483649"}) {
    const CommandResult bad = run_bpfload("map update " + map + " --key " + key + " --value 1");
    EXPECT_EQ(bad.exit_code, 2) << key;
    EXPECT_NE(bad.err.find("bpfload: key"), std::string::npos) << bad.err;
  }
  EXPECT_EQ(run_bpfload("map update " + map + " --key -2147483648 --value 1").exit_code, 0);

  // Update flags: the kernel refuses, exit 1.
  EXPECT_EQ(run_bpfload("map update " + map + " --key 2 --value 1 --noexist").exit_code, 1);
  EXPECT_EQ(run_bpfload("map update " + map + " --key 9 --value 1 --exist").exit_code, 1);
  EXPECT_EQ(run_bpfload("map update " + map + " --key 2 --value 7 --exist").exit_code, 0);
  EXPECT_EQ(stdout_json(run_bpfload("map lookup " + map + " --key 2 --json"))["value_int"], 7);

  const json dump = stdout_json(run_bpfload("map dump " + map + " --json"));
  EXPECT_EQ(dump["entries"].size(), 3u);

  EXPECT_EQ(run_bpfload("map delete " + map + " --key 2").exit_code, 0);
  const CommandResult gone = run_bpfload("map lookup " + map + " --key 2 --json");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(stdout_json(gone)["error"]["errno"], ENOENT);
  EXPECT_EQ(stdout_json(run_bpfload("map dump " + map + " --json"))["entries"].size(), 2u);
}

TEST(CliMap, PerCpuMapsShowAValuePerCpu) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string map = create_map(dir.path() + "/percpu", "percpu_array", 4, 4, 2);
  ASSERT_EQ(run_bpfload("map update " + map + " --key 1 --value 7").exit_code, 0);
  const json doc = stdout_json(run_bpfload("map dump " + map + " --json"));
  ASSERT_EQ(doc["entries"].size(), 2u);
  const json& values = doc["entries"][1]["values"];
  ASSERT_EQ(values.size(), possible_cpus());
  for (const json& value : values) EXPECT_EQ(value["value_int"], 7);
  EXPECT_EQ(doc["entries"][0]["values"][0]["value_int"], 0);
}

TEST(CliMap, Errors) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const CommandResult missing = run_bpfload("map dump " + dir.path() + "/none --json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(stdout_json(missing)["error"]["errno"], ENOENT);
  EXPECT_EQ(missing.err.rfind("bpfload: ", 0), 0u);

  const CommandResult bad_type =
      run_bpfload("map create " + dir.path() + "/x --type nope --key-size 4 --value-size 4 --max-entries 1");
  EXPECT_EQ(bad_type.exit_code, 2);
  // The kernel refuses an array with a 3-byte key: exit 1.
  const CommandResult refused =
      run_bpfload("map create " + dir.path() + "/y --type array --key-size 3 --value-size 4 --max-entries 1");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_EQ(run_bpfload("map lookup " + dir.path() + "/y").exit_code, 2);  // no --key
}

}  // namespace
}  // namespace bpfload::test
