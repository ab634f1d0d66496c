// What bpfload asks the kernel for the objects of bpf_progs/compat/ (issue 23), against
// the FakeKernel: ring buffer sizes rounded as libbpf rounds them, __ulong map_extra, an
// arena map this kernel would refuse (EPERM), program flags and log levels per program.
#include <linux/bpf.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "compat_objects.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse_compat(const std::string& path) {
  Result<ObjectSpec> spec = parse_object_file(path);
  EXPECT_TRUE(spec.ok()) << path << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

LoadOptions fake_options(Kernel& kernel) {
  LoadOptions options;
  options.kernel = &kernel;
  options.pin = false;
  return options;
}

const FakeKernel::Map* created(const std::vector<FakeKernel::Map>& maps, const std::string& name) {
  for (const FakeKernel::Map& map : maps)
    if (map.request.name == name) return &map;
  return nullptr;
}

std::vector<FakeKernel::Map> maps_of(const FakeKernel& kernel, const LoadedObject& loaded,
                                     const std::vector<std::string>& names) {
  std::vector<FakeKernel::Map> out;
  for (const std::string& name : names)
    if (auto map = kernel.map_of_fd(loaded.map_fd(name))) out.push_back(*map);
  return out;
}

TEST(FakeCompat, RingBufferSizesAreRoundedToAPowerOfTwoNumberOfPages) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (const std::string& path : test::compat_object_builds("data_and_maps")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    FakeKernel kernel;
    Result<LoadedObject> loaded = load_object(spec, fake_options(kernel));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto maps = maps_of(kernel, *loaded, {"odd_ring", "even_ring", "bloom"});
    ASSERT_EQ(maps.size(), 3u);
    // 3 pages asked: 4 pages made (on 4 KiB pages); 64 KiB asked: kept.
    EXPECT_EQ(created(maps, "odd_ring")->request.max_entries, page == 4096 ? 4 * page : page);
    EXPECT_EQ(created(maps, "even_ring")->request.max_entries, page <= 65536 ? 65536u : page);
    EXPECT_EQ(created(maps, "bloom")->request.map_extra, 3u);
  }
}

TEST(FakeCompat, ArenaMapIsRequestedWithItsSixtyFourBitMapExtra) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("arena")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    const auto index = spec.find_map("arena");
    ASSERT_TRUE(index.has_value());
    EXPECT_EQ(spec.maps[*index].type, 33u);  // BPF_MAP_TYPE_ARENA
    EXPECT_EQ(spec.maps[*index].map_extra, uint64_t{1} << 44);
    FakeKernel kernel;
    Result<LoadedObject> loaded = load_object(spec, fake_options(kernel));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto map = kernel.map_of_fd(loaded->map_fd("arena"));
    ASSERT_TRUE(map.has_value());
    EXPECT_EQ(map->request.type, 33u);
    EXPECT_EQ(map->request.map_extra, uint64_t{1} << 44);
    EXPECT_EQ(map->request.max_entries, 10u);
    EXPECT_EQ(map->request.flags, uint32_t{BPF_F_MMAPABLE});
  }
}

TEST(FakeCompat, ArenaRefusedWithEpermSaysWhatTheKernelSaid) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("arena")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    FakeKernel fake;
    FaultInjectingKernel kernel(fake);
    kernel.fail_nth("map_create", 1, EPERM);
    Result<LoadedObject> loaded = load_object(parse_compat(path), fake_options(kernel));
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().sys_errno, EPERM);
    EXPECT_NE(loaded.error().message.find("arena"), std::string::npos) << loaded.error().message;
  }
}

TEST(FakeCompat, ProgramFlagsAndLogLevelsPerProgram) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  for (const std::string& path : test::compat_object_builds("asm_labels")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    FakeKernel kernel;
    LoadOptions options = fake_options(kernel);
    options.program_flags["*"] = BPF_F_TEST_RND_HI32;
    options.program_flags["labels_in_a_loop"] = BPF_F_TEST_STATE_FREQ | BPF_F_STRICT_ALIGNMENT;
    options.program_log_levels["c_program"] = kLogLevel2;
    Result<LoadedObject> loaded = load_object(parse_compat(path), options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto programs = kernel.programs();
    ASSERT_EQ(programs.size(), 3u);
    for (const FakeKernel::Program& program : programs) {
      SCOPED_TRACE(program.name);
      // The kernel's names are cut to 15 characters: "labels_in_a_loo".
      if (program.name == kernel_object_name("labels_in_a_loop"))
        EXPECT_EQ(program.prog_flags, uint32_t{BPF_F_TEST_RND_HI32 | BPF_F_TEST_STATE_FREQ | BPF_F_STRICT_ALIGNMENT});
      else
        EXPECT_EQ(program.prog_flags, uint32_t{BPF_F_TEST_RND_HI32});
      EXPECT_EQ(program.log_level, program.name == kernel_object_name("c_program") ? kLogLevel2 : 0u);
    }
  }
}

}  // namespace
}  // namespace bpfload
