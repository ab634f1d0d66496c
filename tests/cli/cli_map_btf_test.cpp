// `bpfload map` on maps that carry BTF: keys and values shown and accepted as their types.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

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

// Loads btf_typed_maps.o with its maps pinned under a fresh bpffs directory.
class TypedMaps : public ::testing::Test {
 protected:
  void SetUp() override {
    BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
    const CommandResult load =
        run_bpfload("load " + quoted(bpf_object("btf_typed_maps.o")) + " --pin-dir " + dir_.path() + "/pins");
    ASSERT_EQ(load.exit_code, 0) << load.err;
  }
  std::string map(const std::string& name) const { return dir_.path() + "/pins/maps/" + name; }

 private:
  TempBpffsDir dir_;
};

TEST_F(TypedMaps, StructValueUpdatedAsJsonAndDumpedAsBpftoolShowsIt) {
  const CommandResult updated =
      run_bpfload("map update " + map("typed_counts") + " --key 3 --value '{\"packets\":5,\"bytes\":255}'");
  ASSERT_EQ(updated.exit_code, 0) << updated.err;

  const CommandResult text = run_bpfload("map dump " + map("typed_counts"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("key: 3\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("value: {\"packets\":5,\"bytes\":255}"), std::string::npos) << text.out;

  const CommandResult dump = run_bpfload("map dump " + map("typed_counts") + " --json");
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const json doc = stdout_json(dump);
  ASSERT_EQ(doc["entries"].size(), 1u) << dump.out;
  EXPECT_EQ(doc["entries"][0]["formatted"]["key"], 3);
  EXPECT_EQ(doc["entries"][0]["formatted"]["value"], (json{{"packets", 5}, {"bytes", 255}}));
  // The raw bytes stay: the value is two little-endian u64s.
  EXPECT_EQ(doc["entries"][0]["value"][0], 5);
  EXPECT_EQ(doc["entries"][0]["value"][8], 255);

  // Members not given are zero, as in a C initializer.
  ASSERT_EQ(run_bpfload("map update " + map("typed_counts") + " --key 4 --value '{\"bytes\":9}'").exit_code, 0);
  const json partial = stdout_json(run_bpfload("map lookup " + map("typed_counts") + " --key 4 --json"));
  EXPECT_EQ(partial["formatted"]["value"], (json{{"packets", 0}, {"bytes", 9}})) << partial.dump();
}

TEST_F(TypedMaps, WrongJsonNamesTheMemberAndShowsAnExample) {
  const CommandResult bad =
      run_bpfload("map update " + map("typed_counts") + " --key 1 --value '{\"packet\":5}'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("no member named 'packet'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("struct counts"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("{\"packets\":0,\"bytes\":0}"), std::string::npos) << bad.err;

  const CommandResult negative =
      run_bpfload("map update " + map("typed_counts") + " --key 1 --value '{\"packets\":-1}'");
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("value.packets"), std::string::npos) << negative.err;

  // A 16-byte value given as an integer: say which forms fit 16 bytes.
  const CommandResult integer = run_bpfload("map update " + map("typed_counts") + " --key 1 --value 0x55");
  EXPECT_EQ(integer.exit_code, 2);
  EXPECT_NE(integer.err.find("hex:" + std::string(32, '0')), std::string::npos) << integer.err;
  EXPECT_NE(integer.err.find("16 space-separated hex bytes"), std::string::npos) << integer.err;
  EXPECT_NE(integer.err.find("JSON of the map's value type struct counts"), std::string::npos) << integer.err;
}

TEST_F(TypedMaps, PerCpuValuesAreShownPerCpu) {
  ASSERT_EQ(run_bpfload("map update " + map("typed_percpu") + " --key 1 --value '{\"packets\":2,\"bytes\":3}'")
                .exit_code,
            0);
  const json doc = stdout_json(run_bpfload("map lookup " + map("typed_percpu") + " --key 1 --json"));
  ASSERT_TRUE(doc["formatted"]["values"].is_array()) << doc.dump();
  ASSERT_EQ(doc["formatted"]["values"].size(), possible_cpus());
  for (const json& cpu : doc["formatted"]["values"]) EXPECT_EQ(cpu["value"], (json{{"packets", 2}, {"bytes", 3}}));
  const CommandResult text = run_bpfload("map lookup " + map("typed_percpu") + " --key 1");
  EXPECT_NE(text.out.find("value (cpu 0): {\"packets\":2,\"bytes\":3}"), std::string::npos) << text.out;
}

TEST_F(TypedMaps, EnumValuesByName) {
  ASSERT_EQ(run_bpfload("map update " + map("typed_state") + " --key 1 --value STATE_DONE").exit_code, 0);
  const json doc = stdout_json(run_bpfload("map lookup " + map("typed_state") + " --key 1 --json"));
  EXPECT_EQ(doc["formatted"]["value"], "STATE_DONE") << doc.dump();
  EXPECT_EQ(doc["value_int"], 7);
  // A number still works for an enum (it is an integer of its size).
  ASSERT_EQ(run_bpfload("map update " + map("typed_state") + " --key 0 --value 1").exit_code, 0);
  const json zero = stdout_json(run_bpfload("map lookup " + map("typed_state") + " --key 0 --json"));
  EXPECT_EQ(zero["formatted"]["value"], "STATE_RUNNING");
  const CommandResult bad = run_bpfload("map update " + map("typed_state") + " --key 0 --value STATE_GONE");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("enum state"), std::string::npos) << bad.err;
}

TEST_F(TypedMaps, CharArraysIntArraysAndBitfields) {
  const CommandResult updated = run_bpfload(
      "map update " + map("typed_label") +
      " --key 0 --value '{\"name\":\"eth0\",\"ids\":[7,9],\"low\":5,\"high\":1000}'");
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  const json doc = stdout_json(run_bpfload("map lookup " + map("typed_label") + " --key 0 --json"));
  const json& value = doc["formatted"]["value"];
  EXPECT_EQ(value["name"], "eth0") << doc.dump();
  EXPECT_EQ(value["ids"], (json{7, 9}));
  EXPECT_EQ(value["low"], 5);
  EXPECT_EQ(value["high"], 1000);

  const CommandResult overflow =
      run_bpfload("map update " + map("typed_label") + " --key 0 --value '{\"low\":16}'");
  EXPECT_EQ(overflow.exit_code, 2) << "a 4-bit field holds 0..15";
  EXPECT_NE(overflow.err.find("value.low"), std::string::npos) << overflow.err;
  const CommandResult short_list =
      run_bpfload("map update " + map("typed_label") + " --key 0 --value '{\"ids\":[1]}'");
  EXPECT_EQ(short_list.exit_code, 2);
  EXPECT_NE(short_list.err.find("list of 2 elements"), std::string::npos) << short_list.err;
}

}  // namespace
}  // namespace bpfload::test
