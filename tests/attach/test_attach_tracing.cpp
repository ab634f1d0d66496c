// Tracepoints and raw tracepoints attached for real: the test makes the syscall and reads
// the counts back; pinned links outlive their Attachment until detach_pinned removes them.
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kTracepointKey = 0;
constexpr uint32_t kRawKey = 1;

uint64_t count(const LoadedObject& object, uint32_t key) {
  uint64_t value = 0;
  const Status status = system_kernel().map_lookup(object.map_fd("counts"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(status) << (status ? "" : status.error().message);
  return value;
}

void watch_this_process(const LoadedObject& object) {
  const uint32_t key = 0;
  const uint32_t tgid = static_cast<uint32_t>(::getpid());
  const Status status = system_kernel().map_update(object.map_fd("config"), std::as_bytes(std::span(&key, 1)),
                                                   std::as_bytes(std::span(&tgid, 1)), BPF_ANY);
  ASSERT_TRUE(status) << status.error().message;
}

void call_getppid(int times) {
  for (int i = 0; i < times; ++i) (void)::syscall(SYS_getppid);
}

struct Loaded {
  ObjectSpec spec;
  LoadedObject object;
};

std::vector<ProgramToAttach> programs_of(const ObjectSpec& spec, const LoadedObject& object) {
  return attachable_programs(spec, object, {});
}

TEST(AttachTracing, TracepointAndRawTracepointCountTheSyscallsMade) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("attach_trace_legacy.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  watch_this_process(*object);
  auto programs = programs_of(spec, *object);
  ASSERT_EQ(programs.size(), 2U);
  {
    auto set = attach_all(system_kernel(), programs, {});
    ASSERT_TRUE(set) << set.error().message;
    call_getppid(7);
    EXPECT_EQ(count(*object, kTracepointKey), 7U);
    EXPECT_EQ(count(*object, kRawKey), 7U);
  }
  call_getppid(3);  // the set is gone: nothing counts any more
  EXPECT_EQ(count(*object, kTracepointKey), 7U);
  EXPECT_EQ(count(*object, kRawKey), 7U);
}

TEST(AttachTracing, PinnedLinksStayAttachedUntilDetachPinnedRemovesThem) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("attach_trace_legacy.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  watch_this_process(*object);
  test::TempBpffsDir dir;
  std::vector<uint32_t> link_ids;
  {
    auto set = attach_all(system_kernel(), programs_of(spec, *object), {});
    ASSERT_TRUE(set) << set.error().message;
    ASSERT_TRUE(set->pin_all(system_kernel(), dir.path()));
    for (const Attachment& attachment : set->attachments()) {
      auto info = system_kernel().link_info(attachment.link_fd());
      ASSERT_TRUE(info);
      link_ids.push_back(info->id);
    }
  }
  struct stat st {};
  EXPECT_EQ(::stat((dir.path() + "/links/count_getppid_tp").c_str(), &st), 0);
  EXPECT_EQ(::stat((dir.path() + "/links/count_getppid_raw").c_str(), &st), 0);
  call_getppid(4);
  EXPECT_EQ(count(*object, kTracepointKey), 4U);
  EXPECT_EQ(count(*object, kRawKey), 4U);

  auto listed = list_links(system_kernel());
  ASSERT_TRUE(listed) << listed.error().message;
  int ours = 0;
  for (const LinkEntry& entry : *listed) {
    for (uint32_t id : link_ids) ours += entry.info.id == id;
    if (entry.info.id == link_ids.back()) {
      EXPECT_EQ(entry.target, "sys_enter");
    }
  }
  EXPECT_EQ(ours, 2);

  auto removed = detach_pinned(system_kernel(), dir.path());
  ASSERT_TRUE(removed) << removed.error().message;
  call_getppid(5);
  EXPECT_EQ(count(*object, kTracepointKey), 4U);
  EXPECT_EQ(count(*object, kRawKey), 4U);
  const std::string links = test::command_output("bpftool link list");
  for (uint32_t id : link_ids) {
    EXPECT_THAT(links, ::testing::Not(HasSubstr(std::to_string(id) + ": "))) << links;
  }
  EXPECT_NE(::stat(dir.path().c_str(), &st), 0) << "the pin directory is removed too";
}

TEST(AttachTracing, MissingTracepointAndRawTracepointAreNamed) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("attach_trace_legacy.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  auto tp = attach_tracepoint(system_kernel(), object->program_fd("count_getppid_tp"), "count_getppid_tp",
                              "syscalls", "sys_enter_bpfload_nothing");
  ASSERT_FALSE(tp);
  EXPECT_EQ(tp.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(tp.error().message, HasSubstr("syscalls:sys_enter_bpfload_nothing"));
  auto raw = attach_raw_tracepoint(system_kernel(), object->program_fd("count_getppid_raw"),
                                   "count_getppid_raw", "bpfload_nothing");
  ASSERT_FALSE(raw);
  EXPECT_THAT(raw.error().message, HasSubstr("bpfload_nothing"));
}

// This kernel has no kprobe PMU: the attach says so, and the test skips (the one allowed
// skip). Where the PMU exists the kprobe of kprobe_version.o must attach.
TEST(AttachTracing, KprobeAttachesOrTheKernelFeatureIsMissing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  auto object = test::load_for_attach("kprobe_version.o", {}, &spec);
  ASSERT_TRUE(object) << object.error().message;
  auto attachment = attach_all(system_kernel(), programs_of(spec, *object), {});
  if (!attachment && attachment.error().message.find("kernel feature missing") != std::string::npos) {
    GTEST_SKIP() << "kernel feature missing: " << attachment.error().message;
  }
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_EQ(attachment->attachments().size(), 1U);
}

}  // namespace
}  // namespace bpfload
