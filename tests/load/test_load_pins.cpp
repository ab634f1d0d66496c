// Pinning: iproute2 and libbpf paths, pin_dir, reuse of pinned maps, refused names and roots.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/system.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

const MapResult* find_map_result(const LoadReport& report, const std::string& name) {
  for (const MapResult& map : report.maps)
    if (map.name == name) return &map;
  return nullptr;
}

TEST(LoadPins, PinnedMapIsReusedBySecondLoad) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("legacy_iproute2.o");
  const LoadOptions options = test_options(pins.path());
  uint32_t first_id = 0;
  {
    LoadReport report;
    Result<LoadedObject> first = load_object(spec, options, &report);
    ASSERT_TRUE(first.ok()) << error_text(first);
    const MapResult* globals = find_map_result(report, "iproute2_globals_map");
    ASSERT_NE(globals, nullptr);
    EXPECT_FALSE(globals->reused);
    EXPECT_EQ(globals->pin_path, pins.path() + "/tc/globals/iproute2_globals_map");
    first_id = globals->id;
    ASSERT_TRUE(write_map<uint64_t>(first->map_fd("iproute2_globals_map"), 1, 0x5151u).ok());
  }
  LoadReport report;
  Result<LoadedObject> second = load_object(spec, options, &report);
  ASSERT_TRUE(second.ok()) << error_text(second);
  const MapResult* globals = find_map_result(report, "iproute2_globals_map");
  ASSERT_NE(globals, nullptr);
  EXPECT_TRUE(globals->reused);
  Result<MapInfo> info = system_kernel().map_info(second->map_fd("iproute2_globals_map"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->id, first_id);
  EXPECT_EQ(read_map<uint64_t>(second->map_fd("iproute2_globals_map"), 1), 0x5151u);
}

TEST(LoadPins, MismatchedPinnedMapIsRefusedWithBothSpecs) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  std::vector<std::string> created;
  ASSERT_TRUE(make_directories(system_kernel(), pins.path() + "/tc/globals", created).ok());
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_HASH;
  request.name = "squatter";
  request.key_size = 4;
  request.value_size = 8;
  request.max_entries = 16;
  Result<Fd> squatter = system_kernel().map_create(request);
  ASSERT_TRUE(squatter.ok());
  const std::string path = pins.path() + "/tc/globals/iproute2_globals_map";
  ASSERT_TRUE(system_kernel().obj_pin(squatter->get(), path).ok());
  const std::vector<std::string> before = tree_below(pins.path());

  const size_t baseline = open_fd_count();
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2.o"), test_options(pins.path()));
  ASSERT_FALSE(loaded.ok());
  const Error& error = loaded.error();
  EXPECT_EQ(error.kind, ErrorKind::InvalidArgument);
  EXPECT_NE(error.message.find("pinned map at " + path + ": type hash key 4 value 8 max 16 flags 0x0"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("object wants: type array key 4 value 8 max 2 flags 0x0"), std::string::npos)
      << error.message;
  EXPECT_EQ(open_fd_count(), baseline);
  EXPECT_EQ(tree_below(pins.path()), before) << "the failed load left pins or directories behind";
}

TEST(LoadPins, ReusePathOverrideOpensThatMap) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "shared";
  request.key_size = 4;
  request.value_size = 4;
  request.max_entries = 4;
  Result<Fd> shared = system_kernel().map_create(request);
  ASSERT_TRUE(shared.ok());
  const std::string path = pins.path() + "/shared_marks";
  ASSERT_TRUE(system_kernel().obj_pin(shared->get(), path).ok());
  Result<MapInfo> shared_info = system_kernel().map_info(shared->get());
  ASSERT_TRUE(shared_info.ok());

  LoadOptions options = test_options(pins.path());
  options.maps["marks"].reuse_path = path;
  Result<LoadedObject> loaded = load_object(parse_test_object("btf_maps.o"), options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  run_program(loaded->program_fd("entry_prog"), zero_packet());
  EXPECT_EQ(read_map<uint32_t>(shared->get(), 0), 0xa0a0a0a0u) << "the program did not write the reused map";

  options.maps["marks"].reuse_path = pins.path() + "/nothing_here";
  Result<LoadedObject> missing = load_object(parse_test_object("btf_maps.o"), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
}

TEST(LoadPins, PinDirPinsEveryMapAndProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/app/v1";
  const ObjectSpec spec = parse_test_object("btf_maps.o");
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  for (const MapSpec& map : spec.maps) {
    const std::string path = *options.pin_dir + "/maps/" + map.name;
    Result<Fd> pinned = system_kernel().obj_get(path);
    ASSERT_TRUE(pinned.ok()) << path;
    Result<MapInfo> info = system_kernel().map_info(pinned->get());
    Result<MapInfo> own = system_kernel().map_info(loaded->map_fd(map.name));
    ASSERT_TRUE(info.ok() && own.ok());
    EXPECT_EQ(info->id, own->id) << map.name;
  }
  for (const ProgramSpec& program : spec.programs) {
    const std::string path = *options.pin_dir + "/progs/" + program.name;
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
  }
  for (const ProgramResult& program : report.programs)
    EXPECT_EQ(program.pin_path, *options.pin_dir + "/progs/" + program.name);
}

TEST(LoadPins, GlobalDataSectionsArePinnedUnderPinDir) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/gd";
  Result<LoadedObject> loaded = load_object(parse_test_object("global_data.o"), options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/maps/bss"));
  EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/maps/rodata"));
  EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/maps/rodata_str1_1"));
  EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/maps/data"));
  EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/progs/global_data_prog"));
}

TEST(LoadPins, NamesThatCannotBePathsAreRefused) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/names";
  const ObjectSpec original = parse_test_object("legacy_libbpf.o");
  for (const std::string& bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"), std::string("a.b"),
                                std::string("nul\0byte", 8), std::string(256, 'x')}) {
    ObjectSpec spec = original;
    spec.maps[0].name = bad;
    Result<LoadedObject> loaded = load_object(spec, options);
    ASSERT_FALSE(loaded.ok()) << "map name of " << bad.size() << " bytes accepted";
    EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(loaded.error().message.find("map '"), std::string::npos) << loaded.error().message;
  }
  ObjectSpec spec = original;
  spec.programs[0].name = "../escape";
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("program '../escape'"), std::string::npos) << loaded.error().message;
  EXPECT_TRUE(tree_below(pins.path()).empty());
}

TEST(LoadPins, ObjectNamespaceNeedsAnObjectId) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  LoadOptions options = test_options(pins.path());
  options.object_id.clear();
  const size_t baseline = open_fd_count();
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(loaded.error().message.find("iproute2_obj_hash"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(open_fd_count(), baseline);
  EXPECT_TRUE(tree_below(pins.path()).empty());
}

TEST(LoadPins, PinRootMustBeOnBpffs) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string not_bpffs = std::filesystem::temp_directory_path().string();
  LoadOptions options = test_options(not_bpffs);
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("mount -t bpf bpf /sys/fs/bpf"), std::string::npos)
      << loaded.error().message;

  TempBpffsDir pins;
  options = test_options(pins.path());
  options.pin_dir = not_bpffs + "/bpfload-not-bpffs";
  loaded = load_object(parse_test_object("legacy_libbpf.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("not on a bpf filesystem"), std::string::npos) << loaded.error().message;
  EXPECT_FALSE(std::filesystem::exists(*options.pin_dir));

  options.require_bpffs = false;
  options.pin_dir.reset();
  EXPECT_TRUE(load_object(parse_test_object("legacy_libbpf.o"), options).ok());
}

TEST(LoadPins, PinFalseCreatesNoPinAndReusesNothing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  // A map that matches the object's iproute2_globals_map, pinned where the object asks
  // for it: an ordinary load would reuse it, a load with pin = false must not.
  std::vector<std::string> created;
  ASSERT_TRUE(make_directories(system_kernel(), pins.path() + "/tc/globals", created).ok());
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "iproute2_globals_map";
  request.key_size = 4;
  request.value_size = 8;
  request.max_entries = 2;
  Result<Fd> pinned = system_kernel().map_create(request);
  ASSERT_TRUE(pinned.ok()) << error_text(pinned);
  const std::string path = pins.path() + "/tc/globals/iproute2_globals_map";
  ASSERT_TRUE(system_kernel().obj_pin(pinned->get(), path).ok());
  Result<MapInfo> pinned_info = system_kernel().map_info(pinned->get());
  ASSERT_TRUE(pinned_info.ok());
  {
    LoadReport reusing;
    Result<LoadedObject> ordinary = load_object(parse_test_object("legacy_iproute2.o"), test_options(pins.path()),
                                                &reusing);
    ASSERT_TRUE(ordinary.ok()) << error_text(ordinary);
    const MapResult* globals = find_map_result(reusing, "iproute2_globals_map");
    ASSERT_NE(globals, nullptr);
    ASSERT_TRUE(globals->reused) << "the pin must be reusable, or this test proves nothing";
  }
  const std::vector<std::string> before = tree_below(pins.path());

  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/never";
  options.pin = false;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse_test_object("legacy_iproute2.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const MapResult* globals = find_map_result(report, "iproute2_globals_map");
  ASSERT_NE(globals, nullptr);
  EXPECT_FALSE(globals->reused);
  EXPECT_NE(globals->id, pinned_info->id) << "the pinned map was reused";
  for (const MapResult& map : report.maps) EXPECT_FALSE(map.reused) << map.name;
  EXPECT_EQ(tree_below(pins.path()), before) << "a pin or directory was created";
}

}  // namespace
}  // namespace bpfload::test
