// Maps on their own in C++: sized as an object's maps are, reopened by pin and by id,
// refused before the kernel when a size is impossible; through the fake kernel as well.
#include <linux/bpf.h>

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/standalone_map.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(StandaloneMap, RingBufferAndPerfEventArrayAreSizedAsAnObjectsMapsAre) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  MapCreateOptions ring;
  ring.type = BPF_MAP_TYPE_RINGBUF;
  ring.max_entries = 4096 * 3;  // not a power-of-two number of pages: rounded up as libbpf does
  ring.name = "events";
  Result<StandaloneMap> created = create_map(ring);
  ASSERT_TRUE(created.ok()) << error_text(created);
  EXPECT_EQ(created->info().max_entries, 4096u * 4);

  MapCreateOptions perf;
  perf.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
  perf.key_size = 4;
  perf.value_size = 4;
  perf.name = "perf_events";
  Result<StandaloneMap> per_cpu = create_map(perf);
  ASSERT_TRUE(per_cpu.ok()) << error_text(per_cpu);
  Result<unsigned> cpus = possible_cpu_count();
  ASSERT_TRUE(cpus.ok());
  EXPECT_EQ(per_cpu->info().max_entries, *cpus);
}

TEST(StandaloneMap, PinnedMapReopenedByPathAndByIdSharesItsElements) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  MapCreateOptions options;
  options.type = BPF_MAP_TYPE_HASH;
  options.key_size = 4;
  options.value_size = 8;
  options.max_entries = 4;
  options.name = "shared";
  Result<StandaloneMap> created = create_map(options);
  ASSERT_TRUE(created.ok()) << error_text(created);
  ASSERT_TRUE(created->handle().update(uint32_t{3}, uint64_t{42}).ok());
  const std::string path = pins.path() + "/shared";
  ASSERT_TRUE(created->pin(path).ok());

  Result<StandaloneMap> by_path = open_pinned_map(path);
  ASSERT_TRUE(by_path.ok()) << error_text(by_path);
  Result<std::optional<uint64_t>> value = by_path->handle().lookup<uint32_t, uint64_t>(3);
  ASSERT_TRUE(value.ok()) << error_text(value);
  EXPECT_EQ(value->value_or(0), 42u);

  Result<StandaloneMap> by_id = open_map_by_id(created->info().id);
  ASSERT_TRUE(by_id.ok()) << error_text(by_id);
  EXPECT_EQ(by_id->info().name, "shared");
  ASSERT_TRUE(by_id->handle().update(uint32_t{3}, uint64_t{43}).ok());
  value = by_path->handle().lookup<uint32_t, uint64_t>(3);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(0), 43u);
}

TEST(StandaloneMap, ImpossibleSizesAreRefusedBeforeTheKernelNamingTheMap) {
  MapCreateOptions options;
  options.type = BPF_MAP_TYPE_STACK_TRACE;
  options.key_size = 4;
  options.value_size = 20;
  options.max_entries = 8;
  options.name = "frames";
  Result<StandaloneMap> refused = create_map(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(refused.error().message.find("'frames'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("multiple of 8"), std::string::npos) << refused.error().message;
  options.type = BPF_MAP_TYPE_ARRAY;
  options.value_size = 8;
  options.max_entries = 0;
  refused = create_map(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("max_entries 0"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace bpfload::test
