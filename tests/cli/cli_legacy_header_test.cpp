// The installed <bpfload/legacy_maps.h>: an old tutorial source compiles with it, the way
// the README says, and bpfload reads the maps it declares.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

// The xdp-tutorial / samples/bpf style: libbpf 1.x headers no longer declare bpf_map_def.
constexpr const char* kLibbpfSource = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") my_map = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

SEC("xdp")
int prog(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&my_map, &key);
	if (value)
		*value += 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
)";

// iproute2's tc examples: struct bpf_elf_map with its pinning constants.
constexpr const char* kIproute2Source = R"(#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_elf_map SEC("maps") tc_map = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 8,
	.pinning = PIN_GLOBAL_NS,
};

SEC("classifier")
int cls(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u32 *value = bpf_map_lookup_elem(&tc_map, &key);
	return value ? TC_ACT_OK : TC_ACT_SHOT;
}

char _license[] SEC("license") = "GPL";
)";

// Compiles `source` with the README's command, the source tree's include/ standing in
// for the installed one (-idirafter finds <asm/...>, as bpf_progs/ does). Returns the
// object path; empty and a failure when clang refuses.
std::string compile(const std::string& source, const std::string& name) {
  const std::string base = "/tmp/bpfload-legacy-header-" + name + "-" + std::to_string(getpid());
  { std::ofstream(base + ".c") << source; }
  const std::string command = "clang -target bpf -O2 -g -I" + std::string(BPFLOAD_SOURCE_INCLUDE_DIR) +
                              " -idirafter /usr/include/$(gcc -print-multiarch)"
                              " -c " + base + ".c -o " + base + ".o 2>&1";
  const CommandResult built = run_command(command);
  std::remove((base + ".c").c_str());
  EXPECT_EQ(built.exit_code, 0) << built.out;
  return built.exit_code == 0 ? base + ".o" : std::string();
}

TEST(CliLegacyHeader, TutorialBpfMapDefBuildsAndIsReadAsLibbpfLayout) {
  const std::string object = compile(kLibbpfSource, "libbpf");
  ASSERT_FALSE(object.empty());
  const CommandResult inspected = run_bpfload("inspect --json " + object);
  std::remove(object.c_str());
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json doc = stdout_json(inspected);
  ASSERT_EQ(doc["maps"].size(), 1u) << inspected.out;
  EXPECT_EQ(doc["maps"][0]["name"], "my_map");
  EXPECT_EQ(doc["maps"][0]["layout"], "libbpf");
  EXPECT_EQ(doc["maps"][0]["value_size"], 8);
  EXPECT_EQ(doc["maps"][0]["max_entries"], 4);
}

TEST(CliLegacyHeader, Iproute2BpfElfMapWithPinningConstantBuildsAndPinsGlobally) {
  const std::string object = compile(kIproute2Source, "iproute2");
  ASSERT_FALSE(object.empty());
  const CommandResult inspected = run_bpfload("inspect --json " + object);
  std::remove(object.c_str());
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json doc = stdout_json(inspected);
  ASSERT_EQ(doc["maps"].size(), 1u) << inspected.out;
  EXPECT_EQ(doc["maps"][0]["layout"], "iproute2");
  EXPECT_EQ(doc["maps"][0]["pinning"], "global_ns");
  EXPECT_EQ(doc["maps"][0]["max_entries"], 8);
}

}  // namespace
}  // namespace bpfload::test
