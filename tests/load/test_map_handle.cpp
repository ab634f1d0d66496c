// map_of: maps by name, size-checked element access, typed and per-CPU
// helpers, checked against the real kernel (values written by programs and read back).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/map.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

LoadedObject load_test_object(const std::string& file) {
  const ObjectSpec spec = parse_test_object(file);
  Result<LoadedObject> loaded = load_object(spec, LoadOptions{});
  EXPECT_TRUE(loaded.ok()) << error_text(loaded);
  return loaded.ok() ? std::move(loaded).value() : LoadedObject{};
}

TEST(MapHandle, UnknownNameIsNotFoundAndListsTheObjectsMaps) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  Result<MapHandle> missing = map_of(object, "nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("'nosuch'"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("'rxcnt'"), std::string::npos) << missing.error().message;
}

TEST(MapHandle, MemberMapReadsWhatTheProgramCountedAndNamesAnUnknownMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  const std::vector<std::byte> packet = ipv4_udp_packet();
  Result<TestRunOutcome> ran = test_run(object, "xdp_proto_count", packet, 3);
  ASSERT_TRUE(ran.ok()) << error_text(ran);
  Result<MapHandle> rxcnt = object.map("rxcnt");
  ASSERT_TRUE(rxcnt.ok()) << error_text(rxcnt);
  EXPECT_EQ(rxcnt->name(), "rxcnt");
  auto udp = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(17);
  ASSERT_TRUE(udp.ok()) << error_text(udp);
  ASSERT_TRUE(udp->has_value());
  EXPECT_EQ(std::accumulate((*udp)->begin(), (*udp)->end(), uint64_t{0}), 3u);
  Result<MapHandle> missing = object.map("counters");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("no map named 'counters'"), std::string::npos) << missing.error().message;
}

TEST(MapHandle, TestRunRepeatAboveTheBoundIsRefusedAndTheProgramNeverRuns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  const std::vector<std::byte> packet = ipv4_udp_packet();
  Result<TestRunOutcome> refused = test_run(object, "xdp_proto_count", packet, 0xffffffffu);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(refused.error().message.find("xdp_proto_count"), std::string::npos) << refused.error().message;
  Result<MapHandle> rxcnt = object.map("rxcnt");
  ASSERT_TRUE(rxcnt.ok()) << error_text(rxcnt);
  auto udp = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(17);
  ASSERT_TRUE(udp.ok()) << error_text(udp);
  const uint64_t counted = udp->has_value() ? std::accumulate((*udp)->begin(), (*udp)->end(), uint64_t{0}) : 0;
  EXPECT_EQ(counted, 0u) << "the program ran";
  Result<TestRunOutcome> at_bound = test_run(object, "xdp_proto_count", packet, kMaxTestRunRepeat);
  ASSERT_TRUE(at_bound.ok()) << error_text(at_bound);
}

TEST(MapHandle, PerCpuCounterWrittenByTheProgramReadsBackOneValuePerPossibleCpu) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  const std::vector<std::byte> packet = ipv4_udp_packet();
  Result<TestRunOutcome> ran = test_run(object, "xdp_proto_count", packet, 5);
  ASSERT_TRUE(ran.ok()) << error_text(ran);
  EXPECT_EQ(ran->retval, uint32_t{XDP_PASS});

  Result<MapHandle> rxcnt = map_of(object, "rxcnt");
  ASSERT_TRUE(rxcnt.ok()) << error_text(rxcnt);
  ASSERT_TRUE(rxcnt->per_cpu());
  Result<unsigned> cpus = possible_cpu_count();
  ASSERT_TRUE(cpus.ok());
  EXPECT_EQ(rxcnt->value_count(), *cpus);
  EXPECT_EQ(rxcnt->value_buffer_size(), size_t{8} * *cpus);

  auto udp = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(17);
  ASSERT_TRUE(udp.ok()) << error_text(udp);
  ASSERT_TRUE(udp->has_value());
  ASSERT_EQ((*udp)->size(), size_t{*cpus});
  EXPECT_EQ(std::accumulate((*udp)->begin(), (*udp)->end(), uint64_t{0}), 5u);
  auto tcp = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(6);
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(std::accumulate((*tcp)->begin(), (*tcp)->end(), uint64_t{0}), 0u);
}

TEST(MapHandle, WrongSizesAreRefusedBeforeTheKernelIsAsked) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  Result<MapHandle> rxcnt = map_of(object, "rxcnt");
  ASSERT_TRUE(rxcnt.ok()) << error_text(rxcnt);

  const uint32_t key = 17;
  std::vector<std::byte> small(rxcnt->value_buffer_size() - 1, std::byte{0x5a});
  Result<bool> too_small = rxcnt->lookup(std::as_bytes(std::span(&key, 1)), small);
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(too_small.error().message.find("too small"), std::string::npos) << too_small.error().message;
  EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](std::byte b) { return b == std::byte{0x5a}; }))
      << "a refused lookup wrote into the buffer";

  const uint64_t wide_key = 17;
  std::vector<std::byte> value(rxcnt->value_buffer_size());
  Result<bool> wrong_key = rxcnt->lookup(std::as_bytes(std::span(&wide_key, 1)), value);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(wrong_key.error().message.find("8 bytes"), std::string::npos) << wrong_key.error().message;

  auto not_per_cpu_form = rxcnt->lookup<uint32_t, uint64_t>(17);
  ASSERT_FALSE(not_per_cpu_form.ok());
  EXPECT_NE(not_per_cpu_form.error().message.find("per-CPU"), std::string::npos);
  auto wrong_value_type = rxcnt->lookup_per_cpu<uint32_t, uint32_t>(17);
  ASSERT_FALSE(wrong_value_type.ok());
  EXPECT_EQ(wrong_value_type.error().kind, ErrorKind::InvalidArgument);
}

TEST(MapHandle, HashMapUpdateLookupIterateAndDelete) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("legacy_libbpf.o");
  Result<MapHandle> hash = map_of(object, "proto_hash");
  ASSERT_TRUE(hash.ok()) << error_text(hash);
  EXPECT_FALSE(hash->per_cpu());

  for (uint32_t key : {3u, 5u, 7u}) ASSERT_TRUE((hash->update<uint32_t, uint64_t>(key, key * 100).ok()));
  Status exists = hash->update<uint32_t, uint64_t>(5, 1, BPF_NOEXIST);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.error().sys_errno, EEXIST);
  EXPECT_NE(exists.error().message.find("map 'proto_hash'"), std::string::npos) << exists.error().message;

  auto five = hash->lookup<uint32_t, uint64_t>(5);
  ASSERT_TRUE(five.ok()) << error_text(five);
  EXPECT_EQ(five->value_or(0), 500u);
  auto absent = hash->lookup<uint32_t, uint64_t>(4);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  auto keys = hash->keys<uint32_t>();
  ASSERT_TRUE(keys.ok()) << error_text(keys);
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, (std::vector<uint32_t>{3, 5, 7}));

  auto removed = hash->remove<uint32_t>(5);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  auto removed_again = hash->remove<uint32_t>(5);
  ASSERT_TRUE(removed_again.ok());
  EXPECT_FALSE(*removed_again);
  EXPECT_FALSE((hash->lookup<uint32_t, uint64_t>(5)->has_value()));
}

TEST(MapHandle, PerCpuUpdateWritesEachCpusValue) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const LoadedObject object = load_test_object("sample_xdp_legacy.o");
  Result<MapHandle> rxcnt = map_of(object, "rxcnt");
  ASSERT_TRUE(rxcnt.ok()) << error_text(rxcnt);
  std::vector<uint64_t> values(rxcnt->value_count());
  std::iota(values.begin(), values.end(), uint64_t{1000});
  ASSERT_TRUE((rxcnt->update_per_cpu<uint32_t, uint64_t>(1, std::span<const uint64_t>(values)).ok()));
  auto read = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(1);
  ASSERT_TRUE(read.ok()) << error_text(read);
  EXPECT_EQ(read->value(), values);
  const std::vector<uint64_t> too_few(1);
  if (rxcnt->value_count() > 1) {
    Status refused = rxcnt->update_per_cpu<uint32_t, uint64_t>(1, std::span<const uint64_t>(too_few));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, ErrorKind::InvalidArgument);
  }
}

}  // namespace
}  // namespace bpfload::test
