// The attach verbs as a user runs them: `bpfload tc` and `bpfload xdp` on a veth pair in a
// namespace (run through `ip netns exec`, which remounts /sys), `load --attach --pin-dir`
// that stays after the command exits, `link list`, and `detach` removing every trace.
#include <sys/stat.h>

#include <algorithm>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

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
using test::run_bpfload;
using test::stdout_json;
using ::testing::HasSubstr;

uint64_t read_counter(uint32_t map_id, uint32_t key) {
  const int fd = bpf_map_get_fd_by_id(map_id);
  EXPECT_GE(fd, 0) << "map id " << map_id;
  if (fd < 0) return 0;
  uint64_t value = 0;
  EXPECT_EQ(bpf_map_lookup_elem(fd, &key, &value), 0);
  ::close(fd);
  return value;
}

uint32_t map_id_of(const nlohmann::json& document, const std::string& name) {
  for (const auto& map : document["maps"]) {
    if (map["name"] == name) return map["id"].get<uint32_t>();
  }
  ADD_FAILURE() << "no map " << name << " in " << document.dump();
  return 0;
}

std::string in_namespace(const test::VethNamespace& ns, const std::string& args) {
  return fmt::format("ip netns exec {} {} {}", ns.name(), BPFLOAD_CLI, args);
}

TEST(AttachCli, TcDropInAttachesALegacyObjectThatCountsFramesAndTcRemovesIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = test::bpf_object("attach_net_legacy.o");
  auto ingress = test::run_command(in_namespace(ns, fmt::format("tc {} ingress {} sec ingress --json", ns.receiver(), quoted(object))));
  ASSERT_EQ(ingress.exit_code, 0) << ingress.err << ingress.out;
  auto egress = test::run_command(in_namespace(ns, fmt::format("tc {} egress {} sec egress --json", ns.sender(), quoted(object))));
  ASSERT_EQ(egress.exit_code, 0) << egress.err << egress.out;
  const auto in_doc = stdout_json(ingress);
  const auto out_doc = stdout_json(egress);
  ASSERT_EQ(in_doc["attached"].size(), 1U) << ingress.out;
  EXPECT_EQ(in_doc["attached"][0]["mechanism"], "tc-filter");
  ASSERT_EQ(in_doc["programs"].size(), 1U) << "only the chosen section is loaded";
  EXPECT_EQ(in_doc["programs"][0]["name"], "count_ingress");

  // The attachment outlived the command: frames are counted in the map the command made.
  ASSERT_EQ(ns.send_and_receive(6), 6);
  EXPECT_EQ(read_counter(map_id_of(in_doc, "counters"), 1), 6U);
  EXPECT_EQ(read_counter(map_id_of(out_doc, "counters"), 2), 6U);
  EXPECT_THAT(test::command_output("tc filter show dev " + ns.receiver() + " ingress"), HasSubstr("direct-action"));

  // The printed command removes it again, qdisc included.
  for (const auto* doc : {&in_doc, &out_doc}) {
    const std::string remove = (*doc)["attached"][0]["remove"].get<std::string>();
    EXPECT_EQ(test::run_command(remove).exit_code, 0) << remove;
  }
  EXPECT_EQ(test::command_output("tc filter show dev " + ns.receiver() + " ingress"), "");
  EXPECT_THAT(test::command_output("tc qdisc show dev " + ns.receiver()), ::testing::Not(HasSubstr("clsact")));
}

TEST(AttachCli, TcDropInWarnsThatAnUnpinnedProgArrayEmptiesWhenItExits) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  // iproute2's bpf_cyclic: its prog array "jmp_tc" has a slot filled and no pinning.
  const std::string object = test::bpf_object("legacy_iproute2_hex.o");
  auto result = test::run_command(in_namespace(ns, fmt::format("tc {} ingress {} --json", ns.receiver(), quoted(object))));
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto doc = stdout_json(result);
  ASSERT_EQ(doc["warnings"].size(), 1U) << result.out;
  EXPECT_THAT(doc["warnings"][0].get<std::string>(), HasSubstr("prog array 'jmp_tc' is not pinned"));
  ASSERT_EQ(doc["attached"].size(), 1U);
  const std::string remove = doc["attached"][0]["remove"].get<std::string>();
  EXPECT_EQ(test::run_command(remove).exit_code, 0) << remove;
  // Plain text says it too.
  auto text = test::run_command(in_namespace(ns, fmt::format("tc {} ingress {}", ns.receiver(), quoted(object))));
  ASSERT_EQ(text.exit_code, 0) << text.err << text.out;
  EXPECT_THAT(text.out, HasSubstr("warning: prog array 'jmp_tc' is not pinned"));
  // Plain text says where each map is too, so its contents can be read.
  EXPECT_THAT(text.out, ::testing::ContainsRegex("  jmp_tc id [0-9]+: not pinned \\(read it with `bpfload map dump id"));
  EXPECT_EQ(test::run_command(remove).exit_code, 0) << remove;
}

TEST(AttachCli, XdpDropInCountsFramesInGenericModeAndIpRemovesIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = test::bpf_object("attach_net_legacy.o");
  auto result = test::run_command(in_namespace(ns, fmt::format("xdp {} {} sec xdp mode generic --json", ns.receiver(), quoted(object))));
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto doc = stdout_json(result);
  ASSERT_EQ(doc["attached"].size(), 1U);
  EXPECT_THAT(test::command_output("ip link show dev " + ns.receiver()), HasSubstr("xdpgeneric"));
  ASSERT_EQ(ns.send_and_receive(4), 4);
  EXPECT_EQ(read_counter(map_id_of(doc, "counters"), 0), 4U);
  const std::string remove = doc["attached"][0]["remove"].get<std::string>();
  EXPECT_EQ(remove, fmt::format("ip link set dev {} xdpgeneric off", ns.receiver()));
  EXPECT_EQ(test::run_command(remove).exit_code, 0);
  EXPECT_THAT(test::command_output("ip link show dev " + ns.receiver()), ::testing::Not(HasSubstr("xdp")));
}

TEST(AttachCli, DropInOnMissingInterfaceNamesItAndLeavesNothing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  auto result = run_bpfload(fmt::format("tc bpfl_nosuch0 ingress {} sec ingress", quoted(test::bpf_object("attach_net_legacy.o"))));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("no network interface 'bpfl_nosuch0'"));
  auto missing = run_bpfload(fmt::format("xdp lo {} sec nosuch", quoted(test::bpf_object("attach_net_legacy.o"))));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no program section 'nosuch'"));
}

/// The bpf filters on `device`'s `hook`: `tc filter show` prints a header line per
/// priority and one line per filter, the one with its handle.
int bpf_filters(const std::string& device, const char* hook) {
  const std::string shown = test::command_output(fmt::format("tc filter show dev {} {}", device, hook));
  int filters = 0;
  for (size_t at = shown.find(" handle 0x"); at != std::string::npos; at = shown.find(" handle 0x", at + 1)) ++filters;
  return filters;
}

/// Everything under `dir`, one path a line ("" when empty).
std::string tree_of(const std::string& dir) { return test::command_output(fmt::format("find {} -mindepth 1", dir)); }

TEST(AttachCli, TcAndXdpDropInsRunTwiceReplaceInsteadOfStacking) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = quoted(test::bpf_object("attach_net_legacy.o"));
  for (int run = 0; run < 3; ++run) {
    // This thread is in the namespace, and so is the command it starts.
    auto tc = run_bpfload(fmt::format("tc {} ingress {} sec ingress", ns.receiver(), object));
    ASSERT_EQ(tc.exit_code, 0) << "run " << run << ": " << tc.err << tc.out;
    EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 1) << "run " << run;
    auto xdp = run_bpfload(fmt::format("xdp {} {} sec xdp mode generic", ns.receiver(), object));
    ASSERT_EQ(xdp.exit_code, 0) << "run " << run << ": " << xdp.err << xdp.out;
  }
  // The filter the last run left counts frames: it is the one in place.
  ASSERT_EQ(ns.send_and_receive(3), 3);
  EXPECT_EQ(test::run_command(fmt::format("tc filter del dev {} ingress pref 49152 handle 1 bpf", ns.receiver())).exit_code, 0);
  EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 0);
  EXPECT_EQ(test::run_command(fmt::format("ip link set dev {} xdpgeneric off", ns.receiver())).exit_code, 0);
}

TEST(AttachCli, TcDropInOnAMissingDevicePinsNothing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::TempBpffsDir root;
  // The object asks for a PIN_GLOBAL_NS and a PIN_OBJECT_NS map: neither may be left.
  auto result = run_bpfload(fmt::format("tc nonexist0 ingress {} --pin-root {}",
                                        quoted(test::bpf_object("legacy_iproute2.o")), root.path()));
  EXPECT_EQ(result.exit_code, 2) << result.err << result.out;
  EXPECT_THAT(result.err, HasSubstr("nonexist0"));
  EXPECT_EQ(tree_of(root.path()), "") << "pinned before the device was looked up";
}

TEST(AttachCli, TwoTcDropInsAtOnceBothSucceedWithOneFilterAndOneSetOfPins) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string object = quoted(test::bpf_object("legacy_iproute2.o"));
  for (int trial = 0; trial < 5; ++trial) {
    test::TempBpffsDir root;  // no pins yet: both runs race to make them
    const std::string one = fmt::format("{} tc {} ingress {} --pin-root {} >/dev/null 2>&1", BPFLOAD_CLI,
                                        ns.receiver(), object, root.path());
    const auto both = test::run_command(fmt::format("{} & a=$!; {} & b=$!; wait $a; x=$?; wait $b; echo $x $?", one, one));
    EXPECT_EQ(both.out, "0 0\n") << "trial " << trial << ": exit codes of the two runs";
    EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 1) << "trial " << trial;
    EXPECT_THAT(tree_of(root.path()), HasSubstr("tc/globals/iproute2_globals_map")) << "trial " << trial;
    EXPECT_EQ(test::run_command(fmt::format("tc qdisc del dev {} clsact", ns.receiver())).exit_code, 0);
  }
}

TEST(AttachCli, APinningDropInUnderIpNetnsExecNamesTheNsenterCommandThatWorks) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  test::TempBpffsDir root;
  const std::string object = quoted(test::bpf_object("legacy_iproute2.o"));
  const std::string args = fmt::format("tc {} ingress {} --pin-root {}", ns.receiver(), object, root.path());
  // `ip netns exec` mounts a /sys of its own: the host's bpffs is not there.
  auto refused = test::run_command(in_namespace(ns, args));
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr(fmt::format("ip netns exec {}", ns.name())));
  EXPECT_THAT(refused.err, HasSubstr(fmt::format("nsenter --net=/run/netns/{} bpfload", ns.name())));
  EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 0) << "nothing attached by the refused run";
  // What it says to run works, with pins the host sees.
  auto entered = test::run_command(fmt::format("nsenter --net=/run/netns/{} {} {}", ns.name(), BPFLOAD_CLI, args));
  ASSERT_EQ(entered.exit_code, 0) << entered.err << entered.out;
  EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 1);
  EXPECT_THAT(tree_of(root.path()), HasSubstr("tc/globals/iproute2_globals_map"));
  EXPECT_EQ(test::run_command(fmt::format("tc qdisc del dev {} clsact", ns.receiver())).exit_code, 0);
}

TEST(AttachCli, LoadAttachPinDirStaysAfterExitUntilDetach) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string dir = fmt::format("/sys/fs/bpf/bpfload-attach-{}", ::getpid());
  // Whatever fails below, nothing stays attached or pinned after the test.
  struct Cleanup {
    std::string dir;
    ~Cleanup() { (void)run_bpfload("detach " + dir + " >/dev/null 2>&1"); }
  } cleanup{dir};
  auto loaded = run_bpfload(fmt::format("load {} --attach --pin-dir {} --json",
                                        quoted(test::bpf_object("attach_trace_legacy.o")), dir));
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err << loaded.out;
  const auto doc = stdout_json(loaded);
  ASSERT_EQ(doc["attached"].size(), 2U) << loaded.out;
  std::vector<uint32_t> link_ids;
  for (const auto& attachment : doc["attached"]) link_ids.push_back(attachment["link_id"].get<uint32_t>());

  auto update = run_bpfload(fmt::format("map update {}/maps/config --key 0 --value {}", dir, ::getpid()));
  ASSERT_EQ(update.exit_code, 0) << update.err;
  for (int i = 0; i < 9; ++i) (void)::syscall(SYS_getppid);
  const uint32_t counts = map_id_of(doc, "counts");
  EXPECT_EQ(read_counter(counts, 0), 9U);
  EXPECT_EQ(read_counter(counts, 1), 9U);

  auto listed = run_bpfload("link list --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  int ours = 0;
  const auto listed_doc = stdout_json(listed);
  for (const auto& link : listed_doc["links"]) {
    for (uint32_t id : link_ids) ours += link["id"].get<uint32_t>() == id;
  }
  EXPECT_EQ(ours, 2) << listed.out;

  auto detached = run_bpfload("detach " + dir);
  ASSERT_EQ(detached.exit_code, 0) << detached.err;
  // The map is gone with the last pin and program; nothing of ours is left anywhere.
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0);
  const std::string links = test::command_output("bpftool link list");
  for (uint32_t id : link_ids) EXPECT_THAT(links, ::testing::Not(HasSubstr(fmt::format("{}: ", id)))) << links;
}

TEST(AttachCli, LoadAttachRunTwiceIsUnchangedUnpinRefusesItsLinksAndDeleteRemovesThem) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string dir = fmt::format("/sys/fs/bpf/bpfload-attach-twice-{}", ::getpid());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { (void)run_bpfload("delete " + dir + " >/dev/null 2>&1"); }
  } cleanup{dir};
  const std::string load = fmt::format("load {} --attach --pin-dir {} --json",
                                       quoted(test::bpf_object("attach_trace_legacy.o")), dir);
  auto first = run_bpfload(load);
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  auto again = run_bpfload(load);
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  const auto first_doc = stdout_json(first);
  const auto again_doc = stdout_json(again);
  EXPECT_EQ(first_doc["outcome"], "created");
  EXPECT_EQ(again_doc["outcome"], "unchanged");
  const auto link_ids = [](const nlohmann::json& doc) {
    std::vector<uint32_t> ids;
    for (const auto& attachment : doc["attached"]) ids.push_back(attachment["link_id"].get<uint32_t>());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(first_doc["attached"].size(), 2U);
  EXPECT_EQ(link_ids(again_doc), link_ids(first_doc)) << "the same links";

  // unpin would leave the links attached: it refuses and points to delete.
  auto unpinned = run_bpfload("unpin " + dir);
  EXPECT_EQ(unpinned.exit_code, 2) << unpinned.out;
  EXPECT_THAT(unpinned.err, HasSubstr("holds attachments"));
  EXPECT_THAT(unpinned.err, HasSubstr("bpfload delete"));
  struct stat st {};
  EXPECT_EQ(::stat((dir + "/links").c_str(), &st), 0) << "nothing was removed";

  auto deleted = run_bpfload("delete " + dir);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err << deleted.out;
  EXPECT_NE(::stat(dir.c_str(), &st), 0);
  const std::string links = test::command_output("bpftool link list");
  for (const auto& attachment : first_doc["attached"])
    EXPECT_THAT(links, ::testing::Not(HasSubstr(fmt::format("{}: ", attachment["link_id"].get<uint32_t>()))));
}

TEST(AttachCli, DetachOfADeploymentRemovesItsClsactFilterToo) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  const std::string dir = fmt::format("/sys/fs/bpf/bpfload-attach-clsact-{}", ::getpid());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { (void)run_bpfload("delete " + dir + " >/dev/null 2>&1"); }
  } cleanup{dir};
  // A tc program attached as a clsact filter: nothing pinned holds it, only the record.
  auto loaded = run_bpfload(fmt::format("load {} --attach --dev {} --direction ingress --tc-attach clsact --pin-dir {}",
                                        quoted(test::bpf_object("deploy_tc_v1.o")), ns.receiver(), dir));
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err << loaded.out;
  EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 1);
  auto detached = run_bpfload("detach " + dir);
  ASSERT_EQ(detached.exit_code, 0) << detached.err << detached.out;
  EXPECT_EQ(bpf_filters(ns.receiver(), "ingress"), 0) << "the filter outlived its pins";
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0);
}

TEST(AttachCli, LoadAttachThatAttachesNothingFailsAndLeavesNothing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string dir = fmt::format("/sys/fs/bpf/bpfload-attach-nothing-{}", ::getpid());
  // An XDP program without --dev: nothing says where it goes.
  auto result = run_bpfload(fmt::format("load {} --attach --pin-dir {}", quoted(test::bpf_object("sample_xdp_legacy.o")), dir));
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_THAT(result.err, HasSubstr("attached nothing"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("remove with")));
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0) << "the pin directory must not be left";
}

TEST(AttachCli, FailedAttachRollsBackLinksAndPins) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string dir = fmt::format("/sys/fs/bpf/bpfload-attach-fail-{}", ::getpid());
  auto result = run_bpfload(fmt::format("load {} --type ingress=sched_cls --type egress=sched_cls --attach --dev "
                                        "bpfl_nosuch1 --pin-dir {}",
                                        quoted(test::bpf_object("attach_net_legacy.o")), dir));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("bpfl_nosuch1"));
  EXPECT_THAT(result.out, HasSubstr("nothing changed"));
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0) << "the pin directory must be gone";
}

TEST(AttachCli, AttachWithoutPinDirIsAUsageError) {
  auto result = run_bpfload(fmt::format("load {} --attach", quoted(test::bpf_object("attach_trace_legacy.o"))));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--attach needs --pin-dir"));
}

}  // namespace
}  // namespace bpfload
