// CO-RE in the real kernel: core_reads.o's task_struct accesses relocated against
// /sys/kernel/btf/vmlinux, run with BPF_PROG_TEST_RUN on this very task, and the values
// it wrote compared with what user space knows (its pid) and reads from the same BTF.
#include <unistd.h>

#include <linux/btf.h>

#include <bpf/btf.h>

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/core_relocate.hpp"
#include "bpfload/kernel_btf.hpp"
#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

// Mirrors struct core_results in bpf_progs/core_reads.c.
struct CoreResults {
  uint64_t tgid;
  uint64_t leader_tgid;
  uint64_t tgid_offset;
  uint64_t tgid_size;
  uint64_t flags_offset;
  uint64_t tgid_signed;
  uint64_t missing_field_exists;
  uint64_t tgid_field_exists;
  uint64_t task_struct_exists;
  uint64_t missing_type_exists;
  uint64_t task_struct_size;
  uint64_t pidtype_tgid;
  uint64_t pidtype_tgid_exists;
  uint64_t pidtype_missing_exists;
  uint64_t bitfield_lshift;
  uint64_t bitfield_rshift;
  uint64_t bitfield_byte_offset;
  uint64_t bitfield_byte_size;
  uint64_t ran;
};

struct MemberFacts {
  uint32_t bit_offset = 0;
  uint32_t bit_size = 0;  // 0: not a bitfield
  int64_t size = -1;
};

MemberFacts member_of(const struct btf* btf, const char* type, const char* member) {
  MemberFacts facts;
  const int32_t id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
  if (id <= 0) return facts;
  const struct btf_type* t = btf__type_by_id(btf, static_cast<uint32_t>(id));
  const struct btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); ++i) {
    const char* name = btf__name_by_offset(btf, m[i].name_off);
    if (name == nullptr || std::string(name) != member) continue;
    facts.bit_offset = btf_member_bit_offset(t, i);
    facts.bit_size = btf_member_bitfield_size(t, i);
    facts.size = btf__resolve_size(btf, m[i].type);
  }
  return facts;
}

int64_t enum_value_of(const struct btf* btf, const char* type, const char* enumerator) {
  const int32_t id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
  if (id <= 0) return -1;
  const struct btf_type* t = btf__type_by_id(btf, static_cast<uint32_t>(id));
  for (uint32_t i = 0; i < btf_vlen(t); ++i)
    if (std::string(btf__name_by_offset(btf, btf_enum(t)[i].name_off)) == enumerator) return btf_enum(t)[i].val;
  return -1;
}

TEST(LoadCore, TaskStructReadThroughCoreIsThisProcessAndOffsetsAreTheKernels) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("core_reads.o");
  ASSERT_TRUE(needs_core_relocation(spec));
  Result<std::shared_ptr<const TargetBtf>> target = read_target_btf();
  ASSERT_TRUE(target.ok()) << target.error().message;

  LoadOptions options;
  options.only_programs = {"core_reads"};
  options.target_btf = *target;
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, options, &report);
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;

  TestRunRequest run;
  run.prog_fd = object->program_fd("core_reads");
  run.repeat = 0;  // raw_tp test runs take no repeat count
  std::array<uint64_t, 2> context{};
  run.ctx_in = std::as_bytes(std::span(context));
  Result<TestRunOutcome> ran = system_kernel().prog_test_run(run);
  ASSERT_TRUE(ran.ok()) << ran.error().message;

  const CoreResults results = read_map<CoreResults>(object->map_fd(".bss"), 0);
  EXPECT_EQ(results.ran, 1u);
  EXPECT_EQ(results.tgid, static_cast<uint64_t>(getpid()));
  EXPECT_EQ(results.leader_tgid, static_cast<uint64_t>(getpid()));

  const struct btf* vmlinux = (*target)->vmlinux.get();
  const MemberFacts tgid = member_of(vmlinux, "task_struct", "tgid");
  const MemberFacts flags = member_of(vmlinux, "task_struct", "flags");
  ASSERT_GT(tgid.size, 0);
  EXPECT_EQ(results.tgid_offset, tgid.bit_offset / 8);
  EXPECT_NE(results.tgid_offset, 0u) << "the local struct has tgid at 0: relocation must move it";
  EXPECT_EQ(results.tgid_size, static_cast<uint64_t>(tgid.size));
  EXPECT_EQ(results.flags_offset, flags.bit_offset / 8);
  EXPECT_EQ(results.tgid_signed, 1u);
  EXPECT_EQ(results.tgid_field_exists, 1u);
  EXPECT_EQ(results.missing_field_exists, 0u);
  EXPECT_EQ(results.task_struct_exists, 1u);
  EXPECT_EQ(results.missing_type_exists, 0u);
  const int32_t task_id = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
  EXPECT_EQ(results.task_struct_size, static_cast<uint64_t>(btf__resolve_size(vmlinux, task_id)));
  EXPECT_EQ(static_cast<int64_t>(results.pidtype_tgid), enum_value_of(vmlinux, "pid_type", "PIDTYPE_TGID"));
  EXPECT_NE(results.pidtype_tgid, 7u) << "7 is the object's local value";
  EXPECT_EQ(results.pidtype_tgid_exists, 1u);
  EXPECT_EQ(results.pidtype_missing_exists, 0u);

  // libbpf's bitfield arithmetic from the kernel's BTF: the smallest aligned load holding it.
  const MemberFacts bit = member_of(vmlinux, "task_struct", "sched_reset_on_fork");
  ASSERT_EQ(bit.bit_size, 1u);
  uint64_t byte_size = 4;  // unsigned int
  uint64_t byte_offset = bit.bit_offset / 8 / byte_size * byte_size;
  while (bit.bit_offset + bit.bit_size - byte_offset * 8 > byte_size * 8) {
    byte_size *= 2;
    byte_offset = bit.bit_offset / 8 / byte_size * byte_size;
  }
  EXPECT_EQ(results.bitfield_byte_offset, byte_offset);
  EXPECT_EQ(results.bitfield_byte_size, byte_size);
  EXPECT_EQ(results.bitfield_lshift, 64 - (bit.bit_offset + bit.bit_size - byte_offset * 8));
  EXPECT_EQ(results.bitfield_rshift, 63u);
}

TEST(LoadCore, UnguardedReadOfAMissingFieldFailsVerificationNamingTheRelocation) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("core_reads.o");
  LoadOptions options;
  options.only_programs = {"core_unguarded_missing"};
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, options, &report);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().kind, ErrorKind::Kernel);
  EXPECT_NE(object.error().verifier_log.find("unknown#195896080"), std::string::npos) << object.error().verifier_log;
  EXPECT_NE(object.error().message.find("bpfload_field_that_does_not_exist"), std::string::npos)
      << object.error().message;
  EXPECT_NE(object.error().message.find("poisoned"), std::string::npos) << object.error().message;
  ASSERT_EQ(report.programs.size(), 1u);
  EXPECT_FALSE(report.programs[0].unsupported);
}

TEST(LoadCore, UserGivenBtfFileIsUsedInsteadOfTheKernels) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("core_reads.o");
  LoadOptions options;
  options.only_programs = {"core_reads"};
  options.btf_path = "/sys/kernel/btf/vmlinux";  // a file path, as --btf gives it
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message;
  options.btf_path = "/nonexistent/bpfload-test.btf";
  Result<LoadedObject> missing = load_object(spec, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/bpfload-test.btf"), std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace bpfload::test
