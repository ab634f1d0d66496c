// The C API against the real kernel: load, run a program, read and write maps by name,
// with every size checked and every unknown name an error that names it.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "bpfload/bpfload.h"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

std::string message_of(const bpfload_object* object) { return bpfload_object_error(object)->message; }

/// A loaded object, closed at the end of the test.
struct LoadedCapiObject {
  explicit LoadedCapiObject(const std::string& file) {
    EXPECT_EQ(bpfload_object_open_file(bpf_object(file).c_str(), nullptr, &object), BPFLOAD_OK)
        << bpfload_object_error(nullptr)->message;
    if (object == nullptr) return;
    loaded = bpfload_object_load(object, nullptr) == BPFLOAD_OK;
    EXPECT_TRUE(loaded) << message_of(object);
  }
  ~LoadedCapiObject() { bpfload_object_close(object); }
  LoadedCapiObject(const LoadedCapiObject&) = delete;
  LoadedCapiObject& operator=(const LoadedCapiObject&) = delete;
  bpfload_object* object = nullptr;
  bool loaded = false;
};

bpfload_map_info info_of(bpfload_object* object, const char* map) {
  bpfload_map_info info = BPFLOAD_OPTS_INIT(info);
  EXPECT_EQ(bpfload_map_get_info(object, map, &info), BPFLOAD_OK) << message_of(object);
  return info;
}

TEST(CapiMaps, ConstantsSetBeforeLoadAreWhatTheProgramReturns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("const_settings.o").c_str(), nullptr, &object), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_set_constant(object, "verbose", "true"), BPFLOAD_OK) << message_of(object);
  EXPECT_EQ(bpfload_object_set_constant(object, "target_port", "7"), BPFLOAD_OK) << message_of(object);
  EXPECT_EQ(bpfload_object_set_constant(object, "offset", "99999"), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(message_of(object)).find("'offset'"), std::string::npos) << message_of(object);
  EXPECT_EQ(bpfload_object_set_constant(object, "nothing", "1"), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_EQ(bpfload_object_set_constant(object, nullptr, "1"), BPFLOAD_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
  const std::vector<std::byte> packet = zero_packet();
  uint32_t retval = 0;
  ASSERT_EQ(bpfload_program_test_run(object, "report_settings", packet.data(), packet.size(), 1, &retval), BPFLOAD_OK)
      << message_of(object);
  EXPECT_EQ(retval, 7u) << "target_port 7, offset 0, mode MODE_OFF, comm empty";
  EXPECT_EQ(bpfload_object_set_constant(object, "target_port", "8"), BPFLOAD_ERR_INVALID_ARGUMENT) << "after load";
  bpfload_object_close(object);
}

TEST(CapiMaps, StackTraceMapValueSizeSetBeforeLoadIsTheMapsAndItsProgramLoads) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("stack_trace_sized.o").c_str(), nullptr, &object), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_set_map_value_size(object, "stacks", 64 * 8), BPFLOAD_OK) << message_of(object);
  ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
  EXPECT_EQ(info_of(object, "stacks").value_size, 64u * 8);
  int fd = -1;
  EXPECT_EQ(bpfload_object_program_fd(object, "take_stack", &fd), BPFLOAD_OK) << message_of(object);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(bpfload_object_set_map_value_size(object, "stacks", 8), BPFLOAD_ERR_INVALID_ARGUMENT) << "after load";
  bpfload_object_close(object);
}

// runqlat's tp_btf/raw_tp twins: the tool loads one (bpf_program__set_autoload).
TEST(CapiMaps, ProgramLeftOutByAutoloadIsNotLoadedAndItsTwinAttachesAlone) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("attach_trace_legacy.o").c_str(), nullptr, &object), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_set_program_autoload(object, "no_such_program", 0), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_EQ(bpfload_object_set_program_autoload(object, nullptr, 0), BPFLOAD_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(bpfload_object_set_program_autoload(object, "count_getppid_raw", 0), BPFLOAD_OK) << message_of(object);
  ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
  EXPECT_EQ(bpfload_object_set_program_autoload(object, "count_getppid_raw", 1), BPFLOAD_ERR_INVALID_ARGUMENT)
      << "after load";
  int fd = -1;
  EXPECT_EQ(bpfload_object_program_fd(object, "count_getppid_raw", &fd), BPFLOAD_ERR_NOT_FOUND);
  bpfload_link* link = nullptr;
  ASSERT_EQ(bpfload_program_attach(object, "count_getppid_tp", nullptr, &link), BPFLOAD_OK) << message_of(object);
  const uint32_t zero = 0;
  const uint32_t pid = static_cast<uint32_t>(::getpid());
  ASSERT_EQ(bpfload_map_update(object, "config", &zero, sizeof zero, &pid, sizeof pid, 0), BPFLOAD_OK);
  for (int i = 0; i < 2; ++i) (void)::syscall(SYS_getppid);
  EXPECT_EQ(bpfload_link_detach(link), BPFLOAD_OK);
  uint64_t counted = 0;
  ASSERT_EQ(bpfload_map_lookup(object, "counts", &zero, sizeof zero, &counted, sizeof counted, nullptr), BPFLOAD_OK);
  EXPECT_EQ(counted, 2u);
  bpfload_object_close(object);

  ASSERT_EQ(bpfload_object_open_file(bpf_object("stack_trace_sized.o").c_str(), nullptr, &object), BPFLOAD_OK);
  ASSERT_EQ(bpfload_object_set_program_autoload(object, "take_stack", 0), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(object).find("left no program to load"), std::string::npos) << message_of(object);
  bpfload_object_close(object);
}

TEST(CapiMaps, LegacySampleCountsTestRunsReadBackByName) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject sample("sample_xdp_legacy.o");
  ASSERT_TRUE(sample.loaded);
  const std::vector<std::byte> packet = ipv4_udp_packet();
  uint32_t retval = 0;
  ASSERT_EQ(bpfload_program_test_run(sample.object, "xdp_proto_count", packet.data(), packet.size(), 4, &retval),
            BPFLOAD_OK)
      << message_of(sample.object);
  EXPECT_EQ(retval, uint32_t{XDP_PASS});

  const bpfload_map_info info = info_of(sample.object, "rxcnt");
  EXPECT_EQ(info.type, uint32_t{BPF_MAP_TYPE_PERCPU_ARRAY});
  EXPECT_EQ(info.key_size, 4u);
  EXPECT_EQ(info.value_size, 8u);
  EXPECT_EQ(info.max_entries, 256u);
  EXPECT_NE(info.per_cpu, 0);
  EXPECT_EQ(info.value_buffer_size, info.value_stride * info.value_count);
  EXPECT_GT(info.fd, 2);

  std::vector<uint64_t> values(info.value_count);
  const uint32_t key = 17;
  int found = 0;
  ASSERT_EQ(bpfload_map_lookup(sample.object, "rxcnt", &key, sizeof key, values.data(), values.size() * 8, &found),
            BPFLOAD_OK)
      << message_of(sample.object);
  EXPECT_EQ(found, 1);
  uint64_t total = 0;
  for (uint64_t value : values) total += value;
  EXPECT_EQ(total, 4u);

  bpfload_program_result result = BPFLOAD_OPTS_INIT(result);
  ASSERT_EQ(bpfload_object_program_result(sample.object, 0, &result), BPFLOAD_OK);
  EXPECT_EQ(result.loaded, 1);
  EXPECT_GT(result.id, 0u);
  EXPECT_STREQ(result.error, "");
}

TEST(CapiMaps, UnknownMapOrProgramNameIsNotFoundNamingIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject sample("sample_xdp_legacy.o");
  ASSERT_TRUE(sample.loaded);
  const uint32_t key = 17;
  uint64_t value = 0;
  EXPECT_EQ(bpfload_map_lookup(sample.object, "nosuch", &key, sizeof key, &value, sizeof value, nullptr),
            BPFLOAD_ERR_NOT_FOUND);
  EXPECT_NE(message_of(sample.object).find("no map named 'nosuch'"), std::string::npos) << message_of(sample.object);
  EXPECT_NE(message_of(sample.object).find("'rxcnt'"), std::string::npos) << message_of(sample.object);
  int fd = -7;
  EXPECT_EQ(bpfload_object_map_fd(sample.object, "nosuch", &fd), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_EQ(fd, -7) << "a failed call must not write its out parameter";
  EXPECT_EQ(bpfload_object_program_fd(sample.object, "nosuch_prog", &fd), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_NE(message_of(sample.object).find("'nosuch_prog'"), std::string::npos);
  EXPECT_EQ(bpfload_program_test_run(sample.object, "nosuch_prog", &value, sizeof value, 1, nullptr),
            BPFLOAD_ERR_NOT_FOUND);
}

TEST(CapiMaps, TooSmallBuffersAndWrongKeySizesAreRefusedUntouched) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject sample("sample_xdp_legacy.o");
  ASSERT_TRUE(sample.loaded);
  const bpfload_map_info info = info_of(sample.object, "rxcnt");
  const uint32_t key = 17;
  std::vector<unsigned char> small(info.value_buffer_size - 1, 0x5a);
  EXPECT_EQ(bpfload_map_lookup(sample.object, "rxcnt", &key, sizeof key, small.data(), small.size(), nullptr),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(sample.object).find("too small"), std::string::npos) << message_of(sample.object);
  EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](unsigned char c) { return c == 0x5a; }));

  std::vector<unsigned char> value(info.value_buffer_size);
  EXPECT_EQ(bpfload_map_lookup(sample.object, "rxcnt", &key, 2, value.data(), value.size(), nullptr),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_update(sample.object, "rxcnt", &key, sizeof key, value.data(), value.size() - 8, 0),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_update(sample.object, "rxcnt", &key, sizeof key, nullptr, value.size(), 0),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  uint32_t next = 0;
  int more = 0;
  EXPECT_EQ(bpfload_map_next_key(sample.object, "rxcnt", nullptr, &next, 8, &more), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_map_info unsized{};
  EXPECT_EQ(bpfload_map_get_info(sample.object, "rxcnt", &unsized), BPFLOAD_ERR_INVALID_ARGUMENT);
}

TEST(CapiMaps, OldCallersSmallerOutStructIsFilledOnlyAsFarAsItReaches) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject sample("sample_xdp_legacy.o");
  ASSERT_TRUE(sample.loaded);
  struct {
    bpfload_map_info info;
    unsigned char guard[16];
  } padded;
  std::memset(&padded, 0xee, sizeof padded);
  padded.info.sz = offsetof(bpfload_map_info, max_entries);  // an older, shorter struct
  ASSERT_EQ(bpfload_map_get_info(sample.object, "rxcnt", &padded.info), BPFLOAD_OK) << message_of(sample.object);
  EXPECT_EQ(padded.info.key_size, 4u);
  uint32_t untouched = 0;
  std::memcpy(&untouched, &padded.info.max_entries, sizeof untouched);
  EXPECT_EQ(untouched, 0xeeeeeeeeu) << "wrote past the caller's sz";
}

TEST(CapiMaps, HashMapUpdateLookupIterateDelete) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject object("legacy_libbpf.o");
  ASSERT_TRUE(object.loaded);
  for (uint32_t key : {11u, 22u, 33u}) {
    const uint64_t value = key * 10;
    ASSERT_EQ(bpfload_map_update(object.object, "proto_hash", &key, sizeof key, &value, sizeof value, 0),
              BPFLOAD_OK)
        << message_of(object.object);
  }
  const uint32_t twenty_two = 22;
  const uint64_t other = 1;
  EXPECT_EQ(bpfload_map_update(object.object, "proto_hash", &twenty_two, 4, &other, 8, BPF_NOEXIST),
            BPFLOAD_ERR_KERNEL);
  EXPECT_EQ(bpfload_object_error(object.object)->sys_errno, EEXIST);

  std::set<uint32_t> seen;
  uint32_t key = 0;
  uint32_t next = 0;
  const void* previous = nullptr;
  for (int more = 1, steps = 0; steps < 10; ++steps) {
    ASSERT_EQ(bpfload_map_next_key(object.object, "proto_hash", previous, &next, sizeof next, &more), BPFLOAD_OK)
        << message_of(object.object);
    if (!more) break;
    seen.insert(next);
    key = next;
    previous = &key;
  }
  EXPECT_EQ(seen, (std::set<uint32_t>{11, 22, 33}));

  uint64_t value = 0;
  int found = -1;
  ASSERT_EQ(bpfload_map_lookup(object.object, "proto_hash", &twenty_two, 4, &value, 8, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 1);
  EXPECT_EQ(value, 220u);
  ASSERT_EQ(bpfload_map_delete(object.object, "proto_hash", &twenty_two, 4, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 1);
  ASSERT_EQ(bpfload_map_delete(object.object, "proto_hash", &twenty_two, 4, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 0);
  EXPECT_EQ(bpfload_map_lookup(object.object, "proto_hash", &twenty_two, 4, &value, 8, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 0);
  EXPECT_EQ(bpfload_map_lookup(object.object, "proto_hash", &twenty_two, 4, &value, 8, nullptr),
            BPFLOAD_ERR_NOT_FOUND);
  EXPECT_EQ(bpfload_object_error(object.object)->sys_errno, ENOENT);
}

TEST(CapiMaps, SecondLoadOfTheSameObjectIsRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject sample("sample_xdp_legacy.o");
  ASSERT_TRUE(sample.loaded);
  EXPECT_EQ(bpfload_object_load(sample.object, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(sample.object).find("already loaded"), std::string::npos);
  EXPECT_EQ(bpfload_object_set_map_max_entries(sample.object, "rxcnt", 8), BPFLOAD_ERR_INVALID_ARGUMENT);
}

TEST(CapiMaps, CloseReleasesEveryFd) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const size_t baseline = open_fd_count();
  {
    LoadedCapiObject sample("legacy_libbpf.o");
    ASSERT_TRUE(sample.loaded);
    EXPECT_GT(open_fd_count(), baseline);
  }
  EXPECT_EQ(open_fd_count(), baseline);
}

TEST(CapiMaps, GlobalsAreReadAndWrittenByNameAfterLoad) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  LoadedCapiObject loaded("global_data.o");
  ASSERT_TRUE(loaded.loaded);
  bpfload_object* object = loaded.object;
  uint32_t seed = 0;
  ASSERT_EQ(bpfload_object_read_global(object, "data_seed", &seed, sizeof(seed)), BPFLOAD_OK) << message_of(object);
  EXPECT_EQ(seed, 0x1000U);
  seed = 5;
  ASSERT_EQ(bpfload_object_write_global(object, "data_seed", &seed, sizeof(seed)), BPFLOAD_OK) << message_of(object);
  ASSERT_EQ(bpfload_object_write_global_text(object, "data_wide", "9"), BPFLOAD_OK) << message_of(object);
  uint32_t retval = 0;
  const std::vector<std::byte> packet = zero_packet();
  ASSERT_EQ(bpfload_program_test_run(object, "global_data_prog", packet.data(), packet.size(), 1, &retval),
            BPFLOAD_OK)
      << message_of(object);
  uint32_t product = 0;
  uint64_t wide = 0;
  ASSERT_EQ(bpfload_object_read_global(object, "bss_product", &product, sizeof(product)), BPFLOAD_OK);
  ASSERT_EQ(bpfload_object_read_global(object, "bss_wide_copy", &wide, sizeof(wide)), BPFLOAD_OK);
  EXPECT_EQ(product, 15U);
  EXPECT_EQ(wide, 9U);
  EXPECT_EQ(bpfload_object_read_global(object, "data_seed", &wide, sizeof(wide)), BPFLOAD_ERR_INVALID_ARGUMENT)
      << "an 8-byte buffer for a 4-byte global";
  EXPECT_EQ(bpfload_object_write_global_text(object, "config_multiplier", "2"), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(object).find("config_multiplier"), std::string::npos) << message_of(object);
  EXPECT_EQ(bpfload_object_read_global(object, "nothing_by_this_name", &seed, sizeof(seed)), BPFLOAD_ERR_NOT_FOUND);
}

}  // namespace
}  // namespace bpfload::test
