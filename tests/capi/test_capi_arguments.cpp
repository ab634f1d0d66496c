// The C API's refusals that need no kernel: NULL handles and names, bad option sizes,
// unreadable or malformed objects, unknown names, calls in the wrong state. Each must be
// an error value with a message, never a crash.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "bpfload/bpfload.h"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

std::string thread_message() { return bpfload_object_error(nullptr)->message; }
std::string message_of(const bpfload_object* object) { return bpfload_object_error(object)->message; }

/// An opened (not loaded) sample object, closed at the end of the test.
struct OpenedSample {
  OpenedSample() {
    EXPECT_EQ(bpfload_object_open_file(bpf_object("sample_xdp_legacy.o").c_str(), nullptr, &object), BPFLOAD_OK)
        << thread_message();
  }
  ~OpenedSample() { bpfload_object_close(object); }
  OpenedSample(const OpenedSample&) = delete;
  OpenedSample& operator=(const OpenedSample&) = delete;
  bpfload_object* object = nullptr;
};

TEST(CapiArguments, NullObjectIsInvalidArgumentNamingTheFunction) {
  uint32_t key = 0;
  uint64_t value = 0;
  int fd = 0;
  int flag = 0;
  bpfload_map_info info = BPFLOAD_OPTS_INIT(info);
  bpfload_program_result result = BPFLOAD_OPTS_INIT(result);
  EXPECT_EQ(bpfload_object_load(nullptr, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("bpfload_object_load: object is NULL"), std::string::npos) << thread_message();
  EXPECT_EQ(bpfload_object_set_map_max_entries(nullptr, "rxcnt", 1), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_pinning(nullptr, "rxcnt", BPFLOAD_PIN_NONE), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_reuse_map(nullptr, "rxcnt", "/x"), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_program_fd(nullptr, "p", &fd), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_map_fd(nullptr, "m", &fd), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_program_result(nullptr, 0, &result), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_program_test_run(nullptr, "p", &value, sizeof value, 1, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_get_info(nullptr, "m", &info), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_lookup(nullptr, "m", &key, 4, &value, 8, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("bpfload_map_lookup"), std::string::npos) << thread_message();
  EXPECT_EQ(bpfload_map_update(nullptr, "m", &key, 4, &value, 8, 0), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_delete(nullptr, "m", &key, 4, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_map_next_key(nullptr, "m", nullptr, &key, 4, &flag), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_program_count(nullptr), 0u);
  bpfload_object_close(nullptr);  // a no-op
}

TEST(CapiArguments, OpenRefusesNullPathAndOutPointer) {
  bpfload_object* object = reinterpret_cast<bpfload_object*>(0x1);
  EXPECT_EQ(bpfload_object_open_file(nullptr, nullptr, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(object, nullptr) << "a failed open must leave *object NULL";
  EXPECT_NE(thread_message().find("path is NULL"), std::string::npos) << thread_message();
  EXPECT_EQ(bpfload_object_open_file("x.o", nullptr, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_open_mem(nullptr, 10, nullptr, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("data is NULL"), std::string::npos) << thread_message();
}

TEST(CapiArguments, UnreadableFileIsIoNamingThePath) {
  bpfload_object* object = nullptr;
  EXPECT_EQ(bpfload_object_open_file("/nonexistent/bpfload-capi.o", nullptr, &object), BPFLOAD_ERR_IO);
  EXPECT_EQ(object, nullptr);
  EXPECT_NE(thread_message().find("/nonexistent/bpfload-capi.o"), std::string::npos) << thread_message();
  EXPECT_EQ(bpfload_object_error(nullptr)->sys_errno, ENOENT);
}

TEST(CapiArguments, FifoDirectoryAndDeviceAreRefusedWithoutBlockingOrReading) {
  // A FIFO without a writer blocked the open forever; /dev/zero never ends; a directory
  // was an internal error.
  const std::string fifo = "/tmp/bpfload-capi-fifo-" + std::to_string(::getpid());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  for (const std::string& path : {fifo, std::string("/dev/zero"), std::string("/tmp")}) {
    bpfload_object* object = nullptr;
    EXPECT_EQ(bpfload_object_open_file(path.c_str(), nullptr, &object), BPFLOAD_ERR_INVALID_ARGUMENT) << path;
    EXPECT_EQ(object, nullptr);
    EXPECT_NE(thread_message().find(path), std::string::npos) << thread_message();
  }
  ::unlink(fifo.c_str());
}

TEST(CapiArguments, GarbageBytesAreMalformed) {
  const std::vector<unsigned char> garbage(256, 0xab);
  bpfload_object* object = nullptr;
  const bpfload_status status = bpfload_object_open_mem(garbage.data(), garbage.size(), nullptr, &object);
  EXPECT_TRUE(status == BPFLOAD_ERR_MALFORMED || status == BPFLOAD_ERR_UNSUPPORTED) << bpfload_status_name(status);
  EXPECT_EQ(object, nullptr);
  EXPECT_FALSE(thread_message().empty());
}

TEST(CapiArguments, OptionsSizeIsChecked) {
  const std::string path = bpf_object("sample_xdp_legacy.o");
  bpfload_object* object = nullptr;
  bpfload_open_opts zero{};
  EXPECT_EQ(bpfload_object_open_file(path.c_str(), &zero, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("sizeof"), std::string::npos) << thread_message();

  // A caller built against a newer header: larger struct, unknown field set.
  struct Newer {
    bpfload_open_opts known;
    uint64_t future_field;
  } newer{};
  newer.known.sz = sizeof(newer);
  newer.future_field = 1;
  EXPECT_EQ(bpfload_object_open_file(path.c_str(), &newer.known, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("does not know"), std::string::npos) << thread_message();
  newer.future_field = 0;  // unknown but zero: accepted
  ASSERT_EQ(bpfload_object_open_file(path.c_str(), &newer.known, &object), BPFLOAD_OK) << thread_message();
  bpfload_object_close(object);
}

TEST(CapiArguments, OpenOptionsRefuseUnknownLayoutAndProgramType) {
  const std::string path = bpf_object("sample_xdp_legacy.o");
  bpfload_object* object = nullptr;
  bpfload_open_opts opts = BPFLOAD_OPTS_INIT(opts);
  opts.map_layout = "nosuch";
  EXPECT_EQ(bpfload_object_open_file(path.c_str(), &opts, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(thread_message().find("nosuch"), std::string::npos) << thread_message();
  opts.map_layout = nullptr;
  const bpfload_program_type types[] = {{"xdp", "no_such_type"}};
  opts.program_types = types;
  opts.program_type_count = 1;
  EXPECT_NE(bpfload_object_open_file(path.c_str(), &opts, &object), BPFLOAD_OK);
  EXPECT_NE(thread_message().find("no_such_type"), std::string::npos) << thread_message();
  opts.program_types = nullptr;
  EXPECT_EQ(bpfload_object_open_file(path.c_str(), &opts, &object), BPFLOAD_ERR_INVALID_ARGUMENT);
}

TEST(CapiArguments, NullNamesAndBuffersOnAnObjectAreRecordedOnTheObject) {
  OpenedSample sample;
  ASSERT_NE(sample.object, nullptr);
  EXPECT_EQ(bpfload_object_set_map_max_entries(sample.object, nullptr, 1), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(sample.object).find("map is NULL"), std::string::npos) << message_of(sample.object);
  EXPECT_EQ(bpfload_object_error(sample.object)->kind, BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_reuse_map(sample.object, "rxcnt", nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_program_result(sample.object, 0, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_program_result unsized{};
  EXPECT_EQ(bpfload_object_program_result(sample.object, 0, &unsized), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_pinning(sample.object, "rxcnt", static_cast<bpfload_pinning>(42)),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_max_entries(sample.object, "rxcnt", 0), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_value_size(sample.object, "rxcnt", 0), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(sample.object).find("value_size"), std::string::npos) << message_of(sample.object);
  EXPECT_EQ(bpfload_object_set_map_value_size(sample.object, nullptr, 8), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_value_size(nullptr, "rxcnt", 8), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_set_map_value_size(sample.object, "nosuch", 8), BPFLOAD_ERR_NOT_FOUND);
  // A later success clears the error.
  EXPECT_EQ(bpfload_object_set_map_max_entries(sample.object, "rxcnt", 128), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_error(sample.object)->kind, BPFLOAD_OK);
  EXPECT_STREQ(bpfload_object_error(sample.object)->message, "");
}

TEST(CapiArguments, UnknownMapNameIsNotFoundBeforeLoad) {
  OpenedSample sample;
  ASSERT_NE(sample.object, nullptr);
  EXPECT_EQ(bpfload_object_set_map_max_entries(sample.object, "nosuch", 4), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_NE(message_of(sample.object).find("'nosuch'"), std::string::npos) << message_of(sample.object);
}

TEST(CapiArguments, MapAndProgramAccessBeforeLoadSaysNotLoaded) {
  OpenedSample sample;
  ASSERT_NE(sample.object, nullptr);
  uint32_t key = 17;
  uint64_t value = 0;
  int fd = -1;
  EXPECT_EQ(bpfload_map_lookup(sample.object, "rxcnt", &key, sizeof key, &value, sizeof value, nullptr),
            BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(sample.object).find("not loaded"), std::string::npos) << message_of(sample.object);
  EXPECT_EQ(bpfload_object_program_fd(sample.object, "xdp_proto_count", &fd), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(fd, -1);
}

TEST(CapiArguments, ProgramsAreListedBeforeLoad) {
  OpenedSample sample;
  ASSERT_NE(sample.object, nullptr);
  ASSERT_EQ(bpfload_object_program_count(sample.object), 1u);
  bpfload_program_result result = BPFLOAD_OPTS_INIT(result);
  ASSERT_EQ(bpfload_object_program_result(sample.object, 0, &result), BPFLOAD_OK);
  EXPECT_STREQ(result.name, "xdp_proto_count");
  EXPECT_STREQ(result.section, "xdp");
  EXPECT_EQ(result.type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_EQ(result.loaded, 0);
  EXPECT_EQ(bpfload_object_program_result(sample.object, 1, &result), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_NE(message_of(sample.object).find("out of range"), std::string::npos);
}

TEST(CapiArguments, StatusNamesAreStable) {
  EXPECT_STREQ(bpfload_status_name(BPFLOAD_OK), "ok");
  EXPECT_STREQ(bpfload_status_name(BPFLOAD_ERR_NOT_FOUND), "not_found");
  EXPECT_STREQ(bpfload_status_name(BPFLOAD_ERR_NO_MEMORY), "no_memory");
  EXPECT_STREQ(bpfload_status_name(static_cast<bpfload_status>(99)), "unknown");
  EXPECT_STRNE(bpfload_version(), "");
}

}  // namespace
}  // namespace bpfload::test
