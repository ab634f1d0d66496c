// `bpfload load`: real loads, checked by running the pinned programs and reading maps back.
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/kernel.hpp"
#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// One zeroed 64-byte packet through the pinned program; returns its retval.
uint32_t test_run_pinned(const std::string& pin) {
  Kernel& kernel = system_kernel();
  auto fd = kernel.obj_get(pin);
  EXPECT_TRUE(fd) << pin << ": " << (fd ? "" : fd.error().message);
  if (!fd) return UINT32_MAX;
  std::vector<std::byte> packet(64);
  TestRunRequest request;
  request.prog_fd = fd->get();
  request.data_in = packet;
  auto outcome = kernel.prog_test_run(request);
  EXPECT_TRUE(outcome) << (outcome ? "" : outcome.error().message);
  return outcome ? outcome->retval : UINT32_MAX;
}

const json* entry_with_key(const json& dump, uint64_t key) {
  for (const json& entry : dump["entries"]) {
    if (entry["key_int"] == key) return &entry;
  }
  return nullptr;
}

TEST(CliLoad, PinDirKeepsEverythingAndMapDumpShowsWhatARunWrote) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string pins = dir.path() + "/obj";
  const CommandResult load = run_bpfload("load " + quoted(bpf_object("legacy_libbpf.o")) + " --pin-dir " + pins);
  ASSERT_EQ(load.exit_code, 0) << load.err << load.out;
  EXPECT_NE(load.out.find("count_packets (section \"socket\"): socket_filter loaded"), std::string::npos)
      << load.out;
  for (const char* map : {"proto_hash", "total_array", "scratch_percpu"})
    EXPECT_TRUE(exists(pins + "/maps/" + map)) << map;
  ASSERT_TRUE(exists(pins + "/progs/count_packets"));

  // The command has exited; the pins keep the program and maps alive.
  EXPECT_EQ(test_run_pinned(pins + "/progs/count_packets"), 0u);
  EXPECT_EQ(test_run_pinned(pins + "/progs/count_packets"), 0u);

  const CommandResult total = run_bpfload("map dump " + pins + "/maps/total_array --json");
  ASSERT_EQ(total.exit_code, 0) << total.err;
  const json total_doc = stdout_json(total);
  const json* slot0 = entry_with_key(total_doc, 0);
  ASSERT_NE(slot0, nullptr) << total.out;
  EXPECT_EQ((*slot0)["value_int"], 2);

  // A zeroed packet's skb->protocol is htons(ETH_P_802_2) = key 1024 (bpf_progs/README.md).
  const json protocols = stdout_json(run_bpfload("map dump " + pins + "/maps/proto_hash --json"));
  ASSERT_EQ(protocols["entries"].size(), 1u) << protocols.dump();
  EXPECT_EQ(protocols["entries"][0]["key_int"], 1024);
  EXPECT_EQ(protocols["entries"][0]["value_int"], 2);
}

TEST(CliLoad, JsonReportHasEveryDocumentedField) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const CommandResult load = run_bpfload("load --json " + quoted(bpf_object("btf_maps.o")) + " --pin-root " +
                                         dir.path() + " --pin-dir " + dir.path() + "/pins");
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const json doc = stdout_json(load);
  ASSERT_TRUE(doc.is_object()) << load.out;
  for (const char* key : {"file", "object_id", "pin_dir", "btf_loaded", "btf_error", "btf_rewrites", "maps",
                          "programs", "warnings", "error"})
    EXPECT_TRUE(doc.contains(key)) << key;
  EXPECT_TRUE(doc["error"].is_null());
  EXPECT_EQ(doc["btf_loaded"], true);
  EXPECT_EQ(doc["btf_rewrites"], json::array()) << "this kernel knows every BTF kind";
  ASSERT_EQ(doc["maps"].size(), 9u);
  for (const json& map : doc["maps"]) {
    for (const char* key : {"name", "type", "type_id", "id", "pinned", "reused", "data_section"})
      EXPECT_TRUE(map.contains(key)) << key;
    EXPECT_GT(map["id"].get<uint32_t>(), 0u);
    EXPECT_TRUE(map["pinned"].is_string());
    EXPECT_EQ(map["reused"], false);
  }
  ASSERT_EQ(doc["programs"].size(), 2u);
  for (const json& program : doc["programs"]) {
    for (const char* key : {"name", "section", "type", "type_id", "loaded", "id", "pinned", "insns",
                            "insns_processed", "verifier_log", "log_truncated", "error"})
      EXPECT_TRUE(program.contains(key)) << key;
    EXPECT_EQ(program["loaded"], true);
    EXPECT_TRUE(program["error"].is_null());
    EXPECT_GT(program["insns_processed"].get<uint32_t>(), 0u);
  }
  EXPECT_TRUE(exists(dir.path() + "/btf_pinned_counter"));  // the object's own by-name pin

  // Loading again reuses the by-name pinned map.
  const json again = stdout_json(run_bpfload("load --json " + quoted(bpf_object("btf_maps.o")) + " --pin-root " +
                                             dir.path()));
  bool reused = false;
  for (const json& map : again["maps"]) reused |= map["name"] == "btf_pinned_counter" && map["reused"] == true;
  EXPECT_TRUE(reused) << again.dump(1);
}

TEST(CliLoad, SetChecksConstantsAgainstTheirBtfTypesBeforeLoading) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("const_settings.o"));
  const CommandResult set = run_bpfload("load " + object + " --set verbose=true --set mode=MODE_TRACE --json");
  EXPECT_EQ(set.exit_code, 0) << set.err;
  const CommandResult range = run_bpfload("load " + object + " --set offset=99999");
  EXPECT_EQ(range.exit_code, 2) << range.err;
  EXPECT_NE(range.err.find("'offset'"), std::string::npos) << range.err;
  EXPECT_NE(range.err.find("16-bit signed"), std::string::npos) << range.err;
  const CommandResult writable = run_bpfload("load " + object + " --set writable_counter=1");
  EXPECT_EQ(writable.exit_code, 2) << writable.err;
  EXPECT_NE(writable.err.find("const volatile"), std::string::npos) << writable.err;
}

TEST(CliLoad, RejectedProgramExitsOneWithTheVerifierLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult plain = run_bpfload("load " + quoted(bpf_object("reject_oob.o")));
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find("read_unchecked (section \"xdp\"): xdp FAILED"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("verifier log:"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("invalid access to packet"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.err.rfind("bpfload: ", 0), 0u) << plain.err;

  const CommandResult as_json = run_bpfload("load --json " + quoted(bpf_object("reject_oob.o")));
  EXPECT_EQ(as_json.exit_code, 1);
  const json doc = stdout_json(as_json);
  ASSERT_TRUE(doc.is_object()) << as_json.out;
  EXPECT_TRUE(doc["error"].is_object());
  const json* program = nullptr;
  for (const json& p : doc["programs"]) {
    if (p["name"] == "read_unchecked") program = &p;
  }
  ASSERT_NE(program, nullptr) << doc.dump(1);
  EXPECT_EQ((*program)["loaded"], false);
  EXPECT_EQ((*program)["error"]["errno"], EACCES);
  EXPECT_NE((*program)["verifier_log"].get<std::string>().find("invalid access to packet"), std::string::npos);
}

TEST(CliLoad, Iproute2ObjectPinsUnderTheObjectSha1) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const CommandResult load =
      run_bpfload("load --json " + quoted(bpf_object("legacy_iproute2.o")) + " --pin-root " + dir.path());
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const json doc = stdout_json(load);
  const std::string id = doc["object_id"].get<std::string>();
  EXPECT_EQ(id.size(), 40u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_TRUE(exists(dir.path() + "/tc/" + id + "/iproute2_obj_hash"));
  EXPECT_TRUE(exists(dir.path() + "/tc/globals/iproute2_globals_map"));

  TempBpffsDir other;
  const CommandResult named = run_bpfload("load " + quoted(bpf_object("legacy_iproute2.o")) + " --pin-root " +
                                          other.path() + " --object-id myobj");
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_TRUE(exists(other.path() + "/tc/myobj/iproute2_obj_hash"));
  EXPECT_NE(named.out.find("only the pins listed above remain"), std::string::npos) << named.out;
}

TEST(CliLoad, MaxEntriesOverride) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("legacy_max_entries_zero.o"));
  // The loader refuses max_entries 0 up front and names the option that fixes it.
  const CommandResult unsized = run_bpfload("load " + object);
  EXPECT_EQ(unsized.exit_code, 2);
  EXPECT_NE(unsized.err.find("--max-entries sized_at_load=N"), std::string::npos) << unsized.err;
  TempBpffsDir dir;
  const CommandResult sized =
      run_bpfload("load " + object + " --max-entries sized_at_load=4 --pin-dir " + dir.path() + "/p");
  ASSERT_EQ(sized.exit_code, 0) << sized.err;
  const json dump = stdout_json(run_bpfload("map dump " + dir.path() + "/p/maps/sized_at_load --json"));
  EXPECT_EQ(dump["max_entries"], 4);
  EXPECT_EQ(run_bpfload("load " + object + " --max-entries no_such_map=4").exit_code, 2);
}

TEST(CliLoad, ValueSizeOverrideSizesAStackTraceMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("stack_trace_sized.o"));
  TempBpffsDir dir;
  const CommandResult sized =
      run_bpfload("load " + object + " --value-size stacks=1016 --pin-dir " + dir.path() + "/p");
  ASSERT_EQ(sized.exit_code, 0) << sized.err;
  const json dump = stdout_json(run_bpfload("map dump " + dir.path() + "/p/maps/stacks --json"));
  EXPECT_EQ(dump["value_size"], 1016);
  const CommandResult torn = run_bpfload("load " + object + " --value-size stacks=12");
  EXPECT_EQ(torn.exit_code, 2);
  EXPECT_NE(torn.err.find("multiple of 8"), std::string::npos) << torn.err;
  EXPECT_EQ(run_bpfload("load " + object + " --value-size no_such_map=8").exit_code, 2);
}

// runqlat's and biolatency's tp_btf/raw_tp twins: attach one, or every event counts twice.
TEST(CliLoad, NoAttachLeavesOneTwinUnattachedAndMapDumpByIdReadsWhatTheOtherCounted) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string dir = "/sys/fs/bpf/bpfload-no-attach-" + std::to_string(::getpid());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { (void)run_bpfload("detach " + dir + " >/dev/null 2>&1"); }
  } cleanup{dir};
  const CommandResult loaded =
      run_bpfload("load " + quoted(bpf_object("attach_trace_legacy.o")) + " --attach --no-attach count_getppid_raw --pin-dir " +
                  dir + " --json");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err << loaded.out;
  const json doc = stdout_json(loaded);
  ASSERT_EQ(doc["attached"].size(), 1u) << loaded.out;
  EXPECT_EQ(doc["attached"][0]["program"], "count_getppid_tp");
  EXPECT_NE(doc["not_attached"].dump().find("count_getppid_raw"), std::string::npos) << loaded.out;
  EXPECT_TRUE(exists(dir + "/progs/count_getppid_raw")) << "loaded and pinned, only not attached";

  const CommandResult update =
      run_bpfload("map update " + dir + "/maps/config --key 0 --value " + std::to_string(::getpid()));
  ASSERT_EQ(update.exit_code, 0) << update.err;
  for (int i = 0; i < 5; ++i) (void)::syscall(SYS_getppid);
  uint32_t counts_id = 0;
  for (const auto& map : doc["maps"])
    if (map["name"] == "counts") counts_id = map["id"].get<uint32_t>();
  ASSERT_NE(counts_id, 0u) << loaded.out;
  const CommandResult dumped = run_bpfload("map dump id " + std::to_string(counts_id) + " --json");
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  const json dump = stdout_json(dumped);
  EXPECT_EQ(dump["id"], counts_id);
  EXPECT_TRUE(dump["path"].is_null());
  ASSERT_GE(dump["entries"].size(), 2u) << dumped.out;
  EXPECT_EQ(dump["entries"][0]["value_int"], 5) << "the attached tracepoint twin counted each getppid";
  EXPECT_EQ(dump["entries"][1]["value_int"], 0) << "the raw_tp twin was left unattached";
  const CommandResult looked_up = run_bpfload("map lookup id " + std::to_string(counts_id) + " --key 0 --json");
  ASSERT_EQ(looked_up.exit_code, 0) << looked_up.err;
  EXPECT_EQ(stdout_json(looked_up)["value_int"], 5) << looked_up.out;

  EXPECT_EQ(run_bpfload("load " + quoted(bpf_object("attach_trace_legacy.o")) + " --no-attach count_getppid_raw").exit_code,
            2)
      << "--no-attach without --attach is a usage error";
}

TEST(CliLoad, MapByIdThatNoMapHasIsAnErrorNamingTheId) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult missing = run_bpfload("map dump id 4294967295 --json");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("map id 4294967295"), std::string::npos) << missing.out << missing.err;
  EXPECT_EQ(run_bpfload("map dump id zero").exit_code, 2);
  EXPECT_EQ(run_bpfload("map dump ident 5").exit_code, 2);
}

TEST(CliLoad, PlainOutputSaysNothingOutlivesTheCommand) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const CommandResult load = run_bpfload("load " + quoted(bpf_object("subprog_text.o")));
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_NE(load.out.find("nothing was pinned"), std::string::npos) << load.out;
}

TEST(CliLoad, UnreadableObjectExitsTwo) {
  const CommandResult load = run_bpfload("load --json /nonexistent/object.o");
  EXPECT_EQ(load.exit_code, 2);
  EXPECT_EQ(stdout_json(load)["error"]["kind"], "io");
}

}  // namespace
}  // namespace bpfload::test
