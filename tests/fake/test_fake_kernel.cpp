// The fake kernel keeps the kernel's rules for the calls the loader makes, and span
// sizes are checked against the map before a byte moves. No privileges needed.
#include <linux/bpf.h>
#include <linux/magic.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/btf.hpp"
#include "bpfload/kernel_btf.hpp"
#include "bpfload/system.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

MapCreateRequest map_request(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries) {
  MapCreateRequest request;
  request.type = type;
  request.name = "m";
  request.key_size = key_size;
  request.value_size = value_size;
  request.max_entries = max_entries;
  return request;
}

template <typename T>
std::span<const std::byte> bytes(const T& value) {
  return std::as_bytes(std::span(&value, 1));
}

TEST(FakeKernel, ShortValueSpanIsRefusedNamingBothSizes) {
  FakeKernel kernel;
  Result<Fd> map = kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 8, 4));
  ASSERT_TRUE(map.ok());
  const uint32_t key = 1;
  std::array<std::byte, 9> guard{};  // one byte handed over, eight that must stay untouched
  guard.fill(std::byte{0x5a});
  Status lookup = kernel.map_lookup(map->get(), bytes(key), std::span(guard).first(1));
  ASSERT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(lookup.error().message.find("the value is 1 bytes but the map's value_size is 8"), std::string::npos)
      << lookup.error().message;
  for (std::byte b : guard) EXPECT_EQ(b, std::byte{0x5a});

  const uint8_t short_value = 7;
  Status update = kernel.map_update(map->get(), bytes(key), bytes(short_value), BPF_ANY);
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(update.error().message.find("1 bytes"), std::string::npos);
  EXPECT_NE(update.error().message.find("value_size is 8"), std::string::npos);

  const uint16_t short_key = 1;
  uint64_t value = 0;
  Status wrong_key = kernel.map_lookup(map->get(), bytes(short_key), std::as_writable_bytes(std::span(&value, 1)));
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_NE(wrong_key.error().message.find("the key is 2 bytes but the map's key_size is 4"), std::string::npos)
      << wrong_key.error().message;

  std::array<std::byte, 2> next{};
  Result<bool> wrong_next = kernel.map_next_key(map->get(), {}, next);
  ASSERT_FALSE(wrong_next.ok());
  EXPECT_EQ(wrong_next.error().kind, ErrorKind::InvalidArgument);
}

TEST(FakeKernel, PerCpuValuesAreValueSizeRoundedToEightTimesTheCpus) {
  FakeKernel kernel;
  kernel.set_possible_cpus(3);
  Result<Fd> map = kernel.map_create(map_request(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2));
  ASSERT_TRUE(map.ok());
  const uint32_t key = 0;
  std::vector<std::byte> one_cpu(4);
  Status wrong = kernel.map_lookup(map->get(), bytes(key), one_cpu);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("the value is 4 bytes but the map needs 24"), std::string::npos)
      << wrong.error().message;
  std::vector<std::byte> all_cpus(24, std::byte{1});
  EXPECT_TRUE(kernel.map_update(map->get(), bytes(key), all_cpus, BPF_ANY).ok());
  std::vector<std::byte> back(24);
  ASSERT_TRUE(kernel.map_lookup(map->get(), bytes(key), back).ok());
  EXPECT_EQ(back, all_cpus);
  EXPECT_EQ(map_value_span_size(BPF_MAP_TYPE_PERCPU_HASH, 12, 2), 32u);
  EXPECT_EQ(map_value_span_size(BPF_MAP_TYPE_HASH, 12, 2), 12u);
}

TEST(FakeKernel, MapsKeepTheKernelsUpdateRules) {
  FakeKernel kernel;
  Result<Fd> hash = kernel.map_create(map_request(BPF_MAP_TYPE_HASH, 4, 4, 1));
  ASSERT_TRUE(hash.ok());
  const uint32_t one = 1;
  const uint32_t two = 2;
  EXPECT_EQ(kernel.map_update(hash->get(), bytes(one), bytes(two), BPF_EXIST).error().sys_errno, ENOENT);
  EXPECT_TRUE(kernel.map_update(hash->get(), bytes(one), bytes(two), BPF_NOEXIST).ok());
  EXPECT_EQ(kernel.map_update(hash->get(), bytes(one), bytes(two), BPF_NOEXIST).error().sys_errno, EEXIST);
  EXPECT_EQ(kernel.map_update(hash->get(), bytes(two), bytes(two), BPF_ANY).error().sys_errno, E2BIG) << "full";

  Result<Fd> array = kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 2));
  ASSERT_TRUE(array.ok());
  uint32_t value = 99;
  ASSERT_TRUE(kernel.map_lookup(array->get(), bytes(one), std::as_writable_bytes(std::span(&value, 1))).ok());
  EXPECT_EQ(value, 0u) << "array slots exist, zeroed, from creation";
  EXPECT_EQ(kernel.map_update(array->get(), bytes(two), bytes(one), BPF_ANY).error().sys_errno, E2BIG);
  ASSERT_TRUE(kernel.map_freeze(array->get()).ok());
  EXPECT_EQ(kernel.map_update(array->get(), bytes(one), bytes(one), BPF_ANY).error().sys_errno, EPERM);
}

TEST(FakeKernel, PinsNeedABpffsDirectoryAndRollBackCleanly) {
  FakeKernel kernel;
  Result<Fd> map = kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 1));
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(kernel.obj_pin(map->get(), "/sys/fs/bpf/missing/m").error().sys_errno, ENOENT);
  // /tmp is tmpfs in the fake.
  EXPECT_EQ(kernel.obj_pin(map->get(), "/tmp/m").error().sys_errno, EPERM);
  std::vector<std::string> created;
  ASSERT_TRUE(make_directories(kernel, "/sys/fs/bpf/a/b", created).ok());
  EXPECT_EQ(created, (std::vector<std::string>{"/sys/fs/bpf/a", "/sys/fs/bpf/a/b"}));
  ASSERT_TRUE(kernel.obj_pin(map->get(), "/sys/fs/bpf/a/b/m").ok());
  EXPECT_EQ(kernel.obj_pin(map->get(), "/sys/fs/bpf/a/b/m").error().sys_errno, EEXIST);
  EXPECT_EQ(kernel.remove_directory("/sys/fs/bpf/a/b").error().sys_errno, ENOTEMPTY);
  Result<Fd> opened = kernel.obj_get("/sys/fs/bpf/a/b/m");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(kernel.map_info(opened->get())->id, kernel.map_info(map->get())->id);
  EXPECT_TRUE(check_bpffs(kernel, "/sys/fs/bpf/a").ok());
  EXPECT_EQ(check_bpffs(kernel, "/tmp").error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(check_bpffs(kernel, "/nowhere").error().kind, ErrorKind::NotFound);
}

TEST(FakeKernel, ScriptedFailuresFailTheChosenCallOnly) {
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  kernel.fail_nth("map_create", 2, ENOMEM);
  EXPECT_TRUE(kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).ok());
  Result<Fd> second = kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 1));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().sys_errno, ENOMEM);
  EXPECT_EQ(second.error().kind, ErrorKind::Kernel);
  EXPECT_TRUE(kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).ok());
  EXPECT_EQ(kernel.calls_of("map_create"), 3u);
  EXPECT_EQ(fake.calls_named("map_create"), 2u) << "the injected failure never reached the fake";
}

TEST(FakeKernel, FdsAreClosedWithTheirOwners) {
  const size_t baseline = test::open_fd_count();
  {
    FakeKernel kernel;
    Result<Fd> map = kernel.map_create(map_request(BPF_MAP_TYPE_ARRAY, 4, 4, 1));
    ASSERT_TRUE(map.ok());
    // The caller's fd, and the fake's own end of the object's pipe.
    EXPECT_EQ(test::open_fd_count(), baseline + 2);
    EXPECT_EQ(kernel.open_objects(), 1);
    map->reset();
    EXPECT_EQ(kernel.open_objects(), 0);
  }
  EXPECT_EQ(test::open_fd_count(), baseline);
}

TEST(SystemPaths, KernelVersionCodeFollowsLinuxVersionCode) {
  EXPECT_EQ(*kernel_version_code("6.18.3-amd64"), 0x061203u);
  EXPECT_EQ(*kernel_version_code("5.4"), 0x050400u);
  EXPECT_EQ(*kernel_version_code("4.19.300"), 0x0413ffu) << "the patch level is capped at 255";
  EXPECT_EQ(kernel_version_code("linux").error().kind, ErrorKind::InvalidArgument);
}

TEST(SystemPaths, MemlockIsLeftAloneOnKernelsThatChargeTheCgroup) {
  FakeKernel system;
  system.set_kernel_release("5.11.0");
  EXPECT_TRUE(raise_memlock_limit(system).ok());
  system.set_kernel_release("garbage");
  Status refused = raise_memlock_limit(system);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
}


// A BTF header 26 bytes long puts every type at a misaligned address; libbpf 1.1 takes it
// (found by fuzz_target_btf: UBSan on the first read of a type). Both readers refuse it.
TEST(FakeKernel, BtfWhoseTypesAreMisalignedIsRefusedByBothReaders) {
  std::vector<uint8_t> blob = {0x9f, 0xeb, 1, 0};
  for (uint32_t field : {26u, 0u, 0u, 0u, 1u}) {  // hdr_len, type_off, type_len, str_off, str_len
    for (int shift = 0; shift < 32; shift += 8) blob.push_back(static_cast<uint8_t>(field >> shift));
  }
  blob.insert(blob.end(), {0, 0, 0});  // the header's last two bytes, then the one empty string
  const std::string path = "/tmp/misaligned.btf";
  FakeKernel kernel;
  kernel.add_file(path, std::string(blob.begin(), blob.end()));
  Result<std::shared_ptr<const TargetBtf>> target = read_target_btf(kernel, path);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.error().kind, ErrorKind::Malformed);
  EXPECT_NE(target.error().message.find("start at byte 26, not a multiple of 4"), std::string::npos)
      << target.error().message;
  EXPECT_NE(target.error().message.find(path), std::string::npos) << target.error().message;
  Result<BtfHandle> parsed = parse_btf(std::as_bytes(std::span(blob)));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, ErrorKind::Malformed);
  EXPECT_NE(parsed.error().message.find("section '.BTF'"), std::string::npos) << parsed.error().message;
}
}  // namespace
}  // namespace bpfload
