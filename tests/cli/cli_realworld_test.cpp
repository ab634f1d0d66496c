// The command line for real-world objects (issue 14): --keep-going, --default-type,
// glob --type, --inner-map, --ignore-inner-map-idx, and inspect on what cannot load.
#include <string>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

std::string object(const std::string& file) { return quoted(bpf_object(file)); }

const json* program_named(const json& doc, const std::string& name) {
  for (const json& program : doc["programs"])
    if (program.value("name", "") == name) return &program;
  return nullptr;
}

TEST(CliRealWorld, KeepGoingLoadsWhatItCanAndReportsEachProgramWithItsReason) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult result = run_bpfload("load --keep-going --json " + object("quirk_unknown_sections.o"));
  EXPECT_EQ(result.exit_code, 1) << "some programs were refused: " << result.err;
  const json doc = stdout_json(result);
  ASSERT_FALSE(doc.is_discarded()) << result.out;
  ASSERT_NE(program_named(doc, "xdp_count"), nullptr);
  EXPECT_TRUE((*program_named(doc, "xdp_count"))["loaded"].get<bool>());
  for (const char* name : {"do_redirect_xmit", "do_aaa", "tail_named_map"}) {
    const json* program = program_named(doc, name);
    ASSERT_NE(program, nullptr) << name;
    EXPECT_FALSE((*program)["loaded"].get<bool>()) << name;
    EXPECT_NE((*program)["error"]["message"].get<std::string>().find("unknown program type"), std::string::npos)
        << name;
  }
}

TEST(CliRealWorld, DefaultTypeAndGlobTypeLoadEveryProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult by_default = run_bpfload("load --default-type sched_cls " + object("quirk_unknown_sections.o"));
  EXPECT_EQ(by_default.exit_code, 0) << by_default.out << by_default.err;
  EXPECT_NE(by_default.out.find("do_aaa (section \"aaa\"): sched_cls loaded"), std::string::npos) << by_default.out;
  const CommandResult by_glob = run_bpfload("load --type 'cls-*=sched_cls' " + object("quirk_glob_sections.o"));
  EXPECT_EQ(by_glob.exit_code, 0) << by_glob.out << by_glob.err;
  EXPECT_NE(by_glob.out.find("cls_egress (section \"cls-egress\"): sched_cls loaded"), std::string::npos)
      << by_glob.out;
}

TEST(CliRealWorld, InnerMapOptionLoadsSamplesMapInMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string file = object("quirk_samples_map_in_map.o");
  const CommandResult as_written = run_bpfload("load " + file);
  EXPECT_EQ(as_written.exit_code, 1) << as_written.err;
  const CommandResult fixed =
      run_bpfload("load --inner-map array_of_lru=lru_inner --inner-map hash_of_lru=lru_inner " + file);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  const CommandResult wrong = run_bpfload("load --inner-map port_a=lru_inner " + file);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not a map of maps"), std::string::npos) << wrong.err;
}

TEST(CliRealWorld, InspectSaysWhenAnInnerMapComesFromTheDefaultIndex) {
  const std::string file = object("quirk_samples_map_in_map.o");
  const CommandResult text = run_bpfload("inspect " + file);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("inner map port_a (from the default inner_map_idx 0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("--inner-map array_of_lru=INNER"), std::string::npos) << text.out;
  const json doc = stdout_json(run_bpfload("inspect --json " + file));
  ASSERT_FALSE(doc.is_discarded());
  for (const json& map : doc["maps"]) {
    const std::string name = map["name"];
    if (name == "array_of_lru" || name == "hash_of_lru") EXPECT_EQ(map["inner_map_source"], "default_index") << name;
    else EXPECT_TRUE(map["inner_map_source"].is_null()) << name;
  }
}

TEST(CliRealWorld, InspectListsUnresolvedExternsAndWhoUsesThem) {
  const CommandResult result = run_bpfload("inspect --json " + object("quirk_undefined_extern.o"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = stdout_json(result);
  ASSERT_EQ(doc["externs"].size(), 1u) << result.out;
  EXPECT_EQ(doc["externs"][0]["name"], "MY_CONST");
  EXPECT_EQ(doc["externs"][0]["used_by"], json::array({"uses_const"}));
  EXPECT_EQ((*program_named(doc, "uses_const"))["externs"], json::array({"MY_CONST"}));
  EXPECT_TRUE((*program_named(doc, "plain"))["externs"].empty());
  const CommandResult text = run_bpfload("inspect " + object("quirk_undefined_extern.o"));
  EXPECT_NE(text.out.find("MY_CONST (variable): used by uses_const"), std::string::npos) << text.out;
}

TEST(CliRealWorld, LoadRefusesTheExternUserAndKeepGoingLoadsTheRest) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string file = object("quirk_undefined_extern.o");
  const CommandResult refused = run_bpfload("load " + file);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("extern 'MY_CONST'"), std::string::npos) << refused.err;
  const CommandResult kept = run_bpfload("load --keep-going " + file);
  EXPECT_EQ(kept.exit_code, 1) << kept.err;
  EXPECT_NE(kept.out.find("plain (section \"tc\"): sched_cls loaded"), std::string::npos) << kept.out;
  EXPECT_NE(kept.out.find("uses_const (section \"tc\"): sched_cls FAILED"), std::string::npos) << kept.out;
}

TEST(CliRealWorld, StrayInnerMapIdxIsRefusedUnlessIgnored) {
  const std::string file = object("quirk_stray_inner_idx.o");
  const CommandResult refused = run_bpfload("inspect " + file);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("'invalid_map'"), std::string::npos) << refused.err;
  const CommandResult ignored = run_bpfload("inspect --ignore-inner-map-idx " + file);
  EXPECT_EQ(ignored.exit_code, 0) << ignored.err;
}

}  // namespace
}  // namespace bpfload::test
