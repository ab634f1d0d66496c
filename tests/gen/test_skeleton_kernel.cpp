// Generated skeletons on the real kernel (headers generated at build time by the bpfload
// of the tree, tests/meson.build): typed globals set before the load and read through the
// mapped maps afterwards (C++ header), an exec traced through a ring buffer with every
// program attached by __attach (C header), a legacy object's maps and programs.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "btf_typed_maps.skel.hpp"
#include "global_data.skel.hpp"
#include "exec_events.skel.h"
#include "sample_xdp_legacy.skel.h"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

TEST(SkeletonKernel, CppGlobalsSetBeforeLoadReachTheProgramAndItsWritesAreReadThroughTheMaps) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  global_data::Skeleton opened;
  ASSERT_EQ(opened.open(), BPFLOAD_OK) << opened.error().message;
  EXPECT_EQ(opened.rodata().config_multiplier, 3u) << "the object's initial value";
  EXPECT_EQ(opened.data().data_seed, 0x1000u);
  EXPECT_EQ(opened.data().data_wide, 0x0102030405060708ull);
  opened.rodata().config_multiplier = 5;
  opened.data().data_seed = 0x2000;
  global_data::Skeleton skel = std::move(opened);  // the pointers move with it
  EXPECT_EQ(opened.object(), nullptr) << "moved from: unopened";
  EXPECT_EQ(opened.progs().global_data_prog, -1);
  ASSERT_EQ(skel.load(), BPFLOAD_OK) << skel.error().message;
  EXPECT_GE(skel.progs().global_data_prog, 0);
  const std::vector<std::byte> packet = zero_packet();
  for (int run = 0; run < 2; ++run)
    ASSERT_EQ(bpfload_program_test_run(skel.object(), "global_data_prog", packet.data(), packet.size(), 1, nullptr),
              BPFLOAD_OK)
        << skel.error().message;
  EXPECT_EQ(skel.bss().bss_runs, 2u);
  EXPECT_EQ(skel.bss().bss_product, 0x2001u * 5) << "the seed and multiplier set before the load";
  EXPECT_EQ(skel.bss().bss_wide_copy, 0x0102030405060708ull);
  EXPECT_EQ(skel.bss().bss_str_byte, static_cast<uint32_t>('l')) << "\"bpfload\"[3]";
  EXPECT_EQ(skel.data().data_seed, 0x2002u) << "the program's writes to .data, through the mapping";
  EXPECT_EQ(skel.rodata().config_multiplier, 5u) << "the frozen .rodata, mapped read-only";
  skel.bss().bss_runs = 40;  // the program sees the caller's writes
  ASSERT_EQ(bpfload_program_test_run(skel.object(), "global_data_prog", packet.data(), packet.size(), 1, nullptr),
            BPFLOAD_OK);
  EXPECT_EQ(skel.bss().bss_runs, 41u);
}

struct ExecWait {
  pid_t child = 0;
  uint32_t tag = 0;
  bool seen = false;
  bool tag_matched = false;
};

int on_exec(void* ctx, const void* data, size_t size) {
  auto* wait = static_cast<ExecWait*>(ctx);
  uint32_t pid_tag[2] = {};
  if (size < sizeof(pid_tag)) return 0;
  std::memcpy(pid_tag, data, sizeof(pid_tag));
  if (static_cast<pid_t>(pid_tag[0]) != wait->child) return 0;
  wait->seen = true;
  wait->tag_matched = pid_tag[1] == wait->tag;
  return 1;
}

TEST(SkeletonKernel, CExecTracerAttachedByAttachReportsAChildsExecWithTheTagSetBeforeLoad) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_error_buf error;
  bpfload_error_buf_init(&error);
  exec_events* skel = exec_events__open(&error);
  ASSERT_NE(skel, nullptr) << error.message;
  EXPECT_EQ(skel->maps.events, -1) << "no fd before the load";
  ExecWait wait;
  wait.tag = 0xfeed;
  skel->rodata->tag = wait.tag;
  ASSERT_EQ(exec_events__load(skel), BPFLOAD_OK) << bpfload_object_error(skel->obj)->message;
  EXPECT_GE(skel->maps.events, 0);
  ASSERT_EQ(exec_events__attach(skel), BPFLOAD_OK) << bpfload_object_error(skel->obj)->message;
  EXPECT_NE(skel->links.handle_exec, nullptr);
  bpfload_ringbuf* ring = nullptr;
  ASSERT_EQ(bpfload_ringbuf_new(skel->obj, "events", on_exec, &wait, &ring), BPFLOAD_OK);
  wait.child = fork();
  ASSERT_GE(wait.child, 0);
  if (wait.child == 0) {
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int poll = 0; poll < 10 && !wait.seen; ++poll) ASSERT_EQ(bpfload_ringbuf_poll(ring, 1000, nullptr), BPFLOAD_OK);
  int status = 0;
  waitpid(wait.child, &status, 0);
  EXPECT_TRUE(wait.seen) << "no record of the child's exec within 10 s";
  EXPECT_TRUE(wait.tag_matched);
  EXPECT_GE(skel->bss->exec_count, 1u);
  bpfload_ringbuf_free(ring);
  exec_events__destroy(skel);
}

TEST(SkeletonKernel, LegacyObjectGetsMapAndProgramFdsAndAttachLeavesXdpToTheCaller) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  sample_xdp_legacy* skel = sample_xdp_legacy__open_and_load(nullptr);
  ASSERT_NE(skel, nullptr) << bpfload_object_error(nullptr)->message;
  EXPECT_GE(skel->maps.rxcnt, 0);
  EXPECT_GE(skel->progs.xdp_proto_count, 0);
  EXPECT_EQ(sample_xdp_legacy__attach(skel), BPFLOAD_OK);
  EXPECT_EQ(skel->links.xdp_proto_count, nullptr) << "XDP needs a device: not attached by __attach";
  sample_xdp_legacy__destroy(skel);
}

TEST(SkeletonKernel, CppTypedMapAccessorsTakeTheBtfKeyAndValueTypes) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  btf_typed_maps::Skeleton skel;
  ASSERT_EQ(skel.open_and_load(), BPFLOAD_OK) << skel.error().message;
  const btf_typed_maps::counts written{7, 1500};
  ASSERT_EQ(skel.update_typed_counts(3, written), BPFLOAD_OK) << skel.error().message;
  btf_typed_maps::counts read{};
  int found = 0;
  ASSERT_EQ(skel.lookup_typed_counts(3, read, &found), BPFLOAD_OK) << skel.error().message;
  EXPECT_EQ(found, 1);
  EXPECT_EQ(read.packets, 7u);
  EXPECT_EQ(read.bytes, 1500u);
  ASSERT_EQ(skel.lookup_typed_counts(4, read, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 0) << "an absent key";
  ASSERT_EQ(skel.update_typed_state(1, btf_typed_maps::STATE_DONE), BPFLOAD_OK) << skel.error().message;
  btf_typed_maps::state state = btf_typed_maps::STATE_IDLE;
  ASSERT_EQ(skel.lookup_typed_state(1, state), BPFLOAD_OK);
  EXPECT_EQ(state, btf_typed_maps::STATE_DONE);
}

}  // namespace
}  // namespace bpfload::test
