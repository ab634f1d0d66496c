// LoadOptions::query_info false: no BPF_OBJ_GET_INFO_BY_FD while loading; the ids are
// asked for when LoadedObject::map_id()/program_id() are called, once each.
#include <bpf/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

uint32_t kernel_prog_id(int fd) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

uint32_t kernel_map_id(int fd) {
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

TEST(LazyIds, NoInfoCallsWhileLoadingAndOneWhenAnIdIsRead) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const ObjectSpec spec = parse_test_object("sample_xdp_legacy.o");
  ASSERT_FALSE(spec.programs.empty());
  ASSERT_FALSE(spec.maps.empty());
  FaultInjectingKernel kernel(system_kernel());
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel;
  options.query_info = false;
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(kernel.calls_of("prog_info"), 0u);
  EXPECT_EQ(kernel.calls_of("map_info"), 0u);
  EXPECT_EQ(loaded->report().programs[0].id, 0u) << "the id was not asked for";

  const std::string& program = spec.programs[0].name;
  Result<uint32_t> program_id = loaded->program_id(program);
  ASSERT_TRUE(program_id.ok()) << program_id.error().message;
  EXPECT_EQ(*program_id, kernel_prog_id(loaded->program_fd(program)));
  EXPECT_NE(*program_id, 0u);
  EXPECT_EQ(kernel.calls_of("prog_info"), 1u);
  EXPECT_EQ(*loaded->program_id(program), *program_id);
  EXPECT_EQ(kernel.calls_of("prog_info"), 1u) << "a second read is answered from the report";

  const std::string& map = spec.maps[0].name;
  Result<uint32_t> map_id = loaded->map_id(map);
  ASSERT_TRUE(map_id.ok()) << map_id.error().message;
  EXPECT_EQ(*map_id, kernel_map_id(loaded->map_fd(map)));
  EXPECT_EQ(kernel.calls_of("map_info"), 1u);

  EXPECT_EQ(loaded->program_id("no_such_program").error().kind, ErrorKind::NotFound);
  EXPECT_EQ(loaded->map_id("no_such_map").error().kind, ErrorKind::NotFound);
}

TEST(LazyIds, QueryInfoByDefaultFillsTheReport) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const ObjectSpec spec = parse_test_object("sample_xdp_legacy.o");
  FaultInjectingKernel kernel(system_kernel());
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.kernel = &kernel;
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_EQ(kernel.calls_of("prog_info"), spec.programs.size());
  EXPECT_NE(loaded->report().programs[0].id, 0u);
  EXPECT_EQ(*loaded->program_id(spec.programs[0].name), loaded->report().programs[0].id);
  EXPECT_EQ(kernel.calls_of("prog_info"), spec.programs.size()) << "the report already had the id";
}

}  // namespace
}  // namespace bpfload::test
