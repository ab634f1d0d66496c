// Maps on their own through the C API (create, pin, reopen, elements), errors into the
// caller's memory read on another thread, and the options initializers as functions.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "bpfload/bpfload.h"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

std::string thread_message() { return bpfload_object_error(nullptr)->message; }
std::string message_of(const bpfload_map* map) { return bpfload_map_error(map)->message; }

bpfload_map_create_opts hash_definition(const char* name) {
  bpfload_map_create_opts opts;
  bpfload_map_create_opts_init(&opts);
  opts.type = BPF_MAP_TYPE_HASH;
  opts.key_size = sizeof(uint32_t);
  opts.value_size = sizeof(uint64_t);
  opts.max_entries = 16;
  opts.name = name;
  return opts;
}

TEST(CapiStandaloneMaps, CreatedMapPinnedAndReopenedKeepsItsElements) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const std::string path = pins.path() + "/agent_counts";
  const bpfload_map_create_opts opts = hash_definition("agent_counts");
  bpfload_map* created = nullptr;
  ASSERT_EQ(bpfload_map_create(&opts, &created), BPFLOAD_OK) << thread_message();
  ASSERT_NE(created, nullptr);
  EXPECT_GE(bpfload_map_fd(created), 0);
  const uint32_t key = 7;
  const uint64_t value = 0x1122334455667788;
  ASSERT_EQ(bpfload_map_update_elem(created, &key, sizeof key, &value, sizeof value, BPF_NOEXIST), BPFLOAD_OK)
      << message_of(created);
  ASSERT_EQ(bpfload_map_pin(created, path.c_str()), BPFLOAD_OK) << message_of(created);
  EXPECT_EQ(bpfload_map_pin(created, path.c_str()), BPFLOAD_ERR_KERNEL) << "a pin is there already";
  EXPECT_EQ(bpfload_map_error(created)->sys_errno, EEXIST);
  bpfload_map_close(created);

  bpfload_map* reopened = nullptr;
  ASSERT_EQ(bpfload_map_open_pinned(path.c_str(), nullptr, &reopened), BPFLOAD_OK) << thread_message();
  {
    bpfload_map_info by_path;
    bpfload_map_info_init(&by_path);
    ASSERT_EQ(bpfload_map_query_info(reopened, &by_path), BPFLOAD_OK);
    bpfload_map* by_id = nullptr;
    ASSERT_EQ(bpfload_map_open_id(by_path.id, nullptr, &by_id), BPFLOAD_OK) << thread_message();
    uint64_t through_id = 0;
    EXPECT_EQ(bpfload_map_lookup_elem(by_id, &key, sizeof key, &through_id, sizeof through_id, nullptr), BPFLOAD_OK)
        << message_of(by_id);
    EXPECT_EQ(through_id, value);
    bpfload_map_close(by_id);
  }
  bpfload_map_info info;
  bpfload_map_info_init(&info);
  ASSERT_EQ(bpfload_map_query_info(reopened, &info), BPFLOAD_OK) << message_of(reopened);
  EXPECT_EQ(info.type, static_cast<uint32_t>(BPF_MAP_TYPE_HASH));
  EXPECT_EQ(info.key_size, 4u);
  EXPECT_EQ(info.value_size, 8u);
  EXPECT_EQ(info.max_entries, 16u);
  EXPECT_NE(info.id, 0u);
  EXPECT_EQ(info.fd, bpfload_map_fd(reopened));
  uint64_t read = 0;
  int found = 0;
  ASSERT_EQ(bpfload_map_lookup_elem(reopened, &key, sizeof key, &read, sizeof read, &found), BPFLOAD_OK)
      << message_of(reopened);
  EXPECT_EQ(found, 1);
  EXPECT_EQ(read, value);
  uint32_t next = 0;
  int has_next = 0;
  ASSERT_EQ(bpfload_map_get_next_key(reopened, nullptr, &next, sizeof next, &has_next), BPFLOAD_OK);
  EXPECT_EQ(has_next, 1);
  EXPECT_EQ(next, key);
  ASSERT_EQ(bpfload_map_delete_elem(reopened, &key, sizeof key, &found), BPFLOAD_OK);
  EXPECT_EQ(found, 1);
  EXPECT_EQ(bpfload_map_lookup_elem(reopened, &key, sizeof key, &read, sizeof read, nullptr), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_EQ(bpfload_map_error(reopened)->sys_errno, ENOENT);
  bpfload_map_close(reopened);
}

TEST(CapiStandaloneMaps, PerCpuMapTakesOneValuePerPossibleCpu) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_map_create_opts opts = hash_definition("percpu_counts");
  opts.type = BPF_MAP_TYPE_PERCPU_ARRAY;
  opts.max_entries = 2;
  bpfload_map* map = nullptr;
  ASSERT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_OK) << thread_message();
  bpfload_map_info info;
  bpfload_map_info_init(&info);
  ASSERT_EQ(bpfload_map_query_info(map, &info), BPFLOAD_OK);
  EXPECT_EQ(info.per_cpu, 1);
  ASSERT_GE(info.value_count, 1u);
  const uint32_t key = 1;
  uint64_t one = 1;
  EXPECT_EQ(bpfload_map_update_elem(map, &key, sizeof key, &one, sizeof one, 0),
            info.value_count == 1 ? BPFLOAD_OK : BPFLOAD_ERR_INVALID_ARGUMENT)
      << "one value is not one per CPU";
  bpfload_map_close(map);
}

TEST(CapiStandaloneMaps, SizesTheTypeCannotHaveAreRefusedNamingTheSize) {
  bpfload_error_buf error;
  bpfload_error_buf_init(&error);
  bpfload_map_create_opts opts = hash_definition("bad_array");
  opts.type = BPF_MAP_TYPE_ARRAY;
  opts.key_size = 8;
  opts.error = &error;
  bpfload_map* map = reinterpret_cast<bpfload_map*>(&opts);  // must be reset to NULL
  EXPECT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(map, nullptr);
  EXPECT_EQ(error.kind, BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("'bad_array'"), std::string::npos) << error.message;
  EXPECT_NE(std::string(error.message).find("key size must be 4"), std::string::npos) << error.message;

  opts = hash_definition("stacks");
  opts.type = BPF_MAP_TYPE_STACK_TRACE;
  opts.value_size = 12;
  opts.error = &error;
  EXPECT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("multiple of 8"), std::string::npos) << error.message;

  opts = hash_definition("events");
  opts.type = BPF_MAP_TYPE_RINGBUF;
  opts.key_size = 0;
  opts.max_entries = 4096;
  opts.error = &error;
  EXPECT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("value size must be 0"), std::string::npos) << error.message;

  opts = hash_definition("outer");
  opts.type = BPF_MAP_TYPE_HASH_OF_MAPS;
  opts.value_size = 4;
  EXPECT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("inner map template"), std::string::npos) << thread_message();
}

TEST(CapiStandaloneMaps, NullArgumentsAndBadSizesAreInvalidArgument) {
  bpfload_map* map = nullptr;
  EXPECT_EQ(bpfload_map_create(nullptr, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("opts is NULL"), std::string::npos) << thread_message();
  const bpfload_map_create_opts opts = hash_definition("x");
  EXPECT_EQ(bpfload_map_create(&opts, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_map_create_opts unsized = opts;
  unsized.sz = 1;
  EXPECT_EQ(bpfload_map_create(&unsized, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_open_pinned(nullptr, nullptr, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_open_pinned("/sys/fs/bpf/x", nullptr, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_map_open_opts open_opts;
  bpfload_map_open_opts_init(&open_opts);
  open_opts.sz = 2;
  EXPECT_EQ(bpfload_map_open_pinned("/sys/fs/bpf/x", &open_opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  uint32_t key = 0;
  uint64_t value = 0;
  int flag = 0;
  bpfload_map_info info;
  bpfload_map_info_init(&info);
  EXPECT_EQ(bpfload_map_pin(nullptr, "/sys/fs/bpf/x"), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("bpfload_map_pin: map is NULL"), std::string::npos) << thread_message();
  EXPECT_EQ(bpfload_map_query_info(nullptr, &info), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_lookup_elem(nullptr, &key, 4, &value, 8, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_update_elem(nullptr, &key, 4, &value, 8, 0), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_delete_elem(nullptr, &key, 4, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_get_next_key(nullptr, nullptr, &key, 4, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_fd(nullptr), -1);
  EXPECT_EQ(bpfload_map_error(nullptr), bpfload_object_error(nullptr));
  bpfload_map_close(nullptr);  // a no-op
}

TEST(CapiStandaloneMaps, WrongKeyAndValueSizesAreRefusedUntouched) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const bpfload_map_create_opts opts = hash_definition("sized");
  bpfload_map* map = nullptr;
  ASSERT_EQ(bpfload_map_create(&opts, &map), BPFLOAD_OK) << thread_message();
  const uint64_t wide_key = 1;
  uint64_t value = 5;
  EXPECT_EQ(bpfload_map_update_elem(map, &wide_key, sizeof wide_key, &value, sizeof value, 0),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(map).find("8 bytes"), std::string::npos) << message_of(map);
  const uint32_t key = 1;
  uint32_t narrow = 0xabcd;
  EXPECT_EQ(bpfload_map_lookup_elem(map, &key, sizeof key, &narrow, sizeof narrow, nullptr),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(narrow, 0xabcdu) << "nothing written into a buffer too small";
  EXPECT_EQ(bpfload_map_lookup_elem(map, &key, sizeof key, nullptr, 8, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_map_close(map);
}

TEST(CapiStandaloneMaps, PinThatIsNoMapAndArrayDeleteAreRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("sample_xdp_legacy.o").c_str(), nullptr, &object), BPFLOAD_OK);
  bpfload_load_opts load;
  bpfload_load_opts_init(&load);
  const std::string dir = pins.path() + "/set";
  load.pin_dir = dir.c_str();
  ASSERT_EQ(bpfload_object_load(object, &load), BPFLOAD_OK) << bpfload_object_error(object)->message;
  bpfload_error_buf error;
  bpfload_error_buf_init(&error);
  bpfload_map_open_opts open_opts;
  bpfload_map_open_opts_init(&open_opts);
  open_opts.error = &error;
  bpfload_map* map = nullptr;
  const std::string program_pin = dir + "/progs/xdp_proto_count";
  EXPECT_EQ(bpfload_map_open_pinned(program_pin.c_str(), &open_opts, &map), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(map, nullptr);
  EXPECT_NE(std::string(error.message).find("is not a map"), std::string::npos) << error.message;
  EXPECT_NE(std::string(error.message).find(program_pin), std::string::npos) << error.message;

  const std::string absent = dir + "/maps/no_such_map";
  EXPECT_EQ(bpfload_map_open_pinned(absent.c_str(), &open_opts, &map), BPFLOAD_ERR_KERNEL);
  EXPECT_EQ(error.sys_errno, ENOENT);

  const std::string array_pin = dir + "/maps/rxcnt";
  ASSERT_EQ(bpfload_map_open_pinned(array_pin.c_str(), &open_opts, &map), BPFLOAD_OK) << error.message;
  EXPECT_EQ(error.kind, BPFLOAD_OK);
  EXPECT_STREQ(error.message, "");
  const uint32_t key = 0;
  EXPECT_EQ(bpfload_map_delete_elem(map, &key, sizeof key, nullptr), BPFLOAD_ERR_KERNEL) << "arrays refuse deletes";
  EXPECT_EQ(bpfload_map_error(map)->sys_errno, EINVAL);
  bpfload_map_close(map);
  bpfload_object_close(object);
}

// A goroutine resumes on another OS thread: the error it reads must not be the thread's.
TEST(CapiStandaloneMaps, OpenErrorIsReadFromAnotherThreadThanTheOneThatFailed) {
  bpfload_error_buf error;
  bpfload_error_buf_init(&error);
  bpfload_open_opts opts;
  bpfload_open_opts_init(&opts);
  opts.error = &error;
  bpfload_status status = BPFLOAD_OK;
  std::string failing_thread_message;
  std::thread failing([&] {
    bpfload_object* object = nullptr;
    status = bpfload_object_open_file("/nonexistent.o", &opts, &object);
    failing_thread_message = thread_message();  // the per-thread error still works
  });
  failing.join();
  EXPECT_NE(status, BPFLOAD_OK);
  EXPECT_EQ(error.kind, status);
  EXPECT_NE(std::string(error.message).find("/nonexistent.o"), std::string::npos) << error.message;
  EXPECT_EQ(failing_thread_message, error.message);

  bpfload_map* map = nullptr;
  bpfload_map_open_opts open_opts;
  bpfload_map_open_opts_init(&open_opts);
  open_opts.error = &error;
  std::thread opening([&] { status = bpfload_map_open_pinned("/sys/fs/bpf/bpfload-no-such-pin", &open_opts, &map); });
  opening.join();
  EXPECT_EQ(error.kind, status);
  EXPECT_NE(std::string(error.message).find("bpfload-no-such-pin"), std::string::npos) << error.message;
}

TEST(CapiStandaloneMaps, LongMessageIsCutToTheCallersBufferAndSaysSo) {
  bpfload_error_buf error;
  bpfload_error_buf_init(&error);
  error.sz = offsetof(bpfload_error_buf, message) + 16;  // an older, smaller buffer
  std::memset(error.message + 16, 'x', sizeof error.message - 16);
  bpfload_open_opts opts;
  bpfload_open_opts_init(&opts);
  opts.error = &error;
  bpfload_object* object = nullptr;
  const std::string path = "/nonexistent/" + std::string(200, 'a') + ".o";
  EXPECT_NE(bpfload_object_open_file(path.c_str(), &opts, &object), BPFLOAD_OK);
  EXPECT_EQ(std::strlen(error.message), 15u);
  EXPECT_EQ(std::string(error.message).substr(12), "...");
  EXPECT_EQ(error.message[16], 'x') << "nothing written past the caller's sz";
}

TEST(CapiStandaloneMaps, InitializersSetTheSizeAndZeroTheRest) {
  bpfload_open_opts open_opts;
  std::memset(&open_opts, 0xff, sizeof open_opts);
  bpfload_open_opts_init(&open_opts);
  EXPECT_EQ(open_opts.sz, sizeof(bpfload_open_opts));
  EXPECT_EQ(open_opts.map_layout, nullptr);
  EXPECT_EQ(open_opts.error, nullptr);
  bpfload_attach_opts attach;
  std::memset(&attach, 0xff, sizeof attach);
  bpfload_attach_opts_init(&attach);
  EXPECT_EQ(attach.sz, sizeof(bpfload_attach_opts));
  EXPECT_EQ(attach.device, nullptr);
  bpfload_deploy_opts deploy;
  bpfload_deploy_opts_init(&deploy);
  EXPECT_EQ(deploy.sz, sizeof(bpfload_deploy_opts));
  bpfload_program_result result;
  bpfload_program_result_init(&result);
  EXPECT_EQ(result.sz, sizeof(bpfload_program_result));
  bpfload_open_opts_init(nullptr);  // a no-op

  // A caller built against the header before `error` existed still opens objects.
  bpfload_open_opts older;
  bpfload_open_opts_init(&older);
  older.sz = offsetof(bpfload_open_opts, error);
  bpfload_object* object = nullptr;
  EXPECT_EQ(bpfload_object_open_file(bpf_object("sample_xdp_legacy.o").c_str(), &older, &object), BPFLOAD_OK)
      << thread_message();
  bpfload_object_close(object);
}

}  // namespace
}  // namespace bpfload::test
