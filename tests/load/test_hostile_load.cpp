// Hostile input, round two (issue 12), on the loading side: map_extra reaches the kernel,
// zero-filled data costs nothing before its map, no pin goes through a symlink, a pin of
// the wrong kind is named for what it is, and an existing pin set is reported and
// replaced or removed on request.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kernel_errors.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(HostileLoad, MapExtraIsPassedToMapCreate) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  MapSpec bloom;
  bloom.name = "bloom";
  bloom.section = ".maps";
  bloom.type = BPF_MAP_TYPE_BLOOM_FILTER;
  bloom.key_size = 0;
  bloom.value_size = 4;
  bloom.max_entries = 64;
  bloom.map_extra = 3;  // number of hash functions
  spec.maps.push_back(bloom);
  LoadOptions options;
  options.pin = false;
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  Result<MapInfo> info = system_kernel().map_info(loaded->map_fd("bloom"));
  ASSERT_TRUE(info.ok()) << error_text(info);
  EXPECT_EQ(info->map_extra, 3u);
  // The filter works: a pushed value is found (bloom filters have no false negatives).
  const uint32_t value = 0xabcd;
  ASSERT_TRUE(system_kernel().map_update(loaded->map_fd("bloom"), {}, std::as_bytes(std::span(&value, 1)), BPF_ANY).ok());
  uint32_t probe = value;
  EXPECT_TRUE(system_kernel().map_lookup(loaded->map_fd("bloom"), {}, std::as_writable_bytes(std::span(&probe, 1))).ok());
}

TEST(HostileLoad, ZeroFilledSectionBecomesAZeroMapWithoutInitialBytes) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec;
  DataSectionSpec bss;
  bss.name = ".bss";
  bss.zero_size = 256 * 1024;
  spec.data_sections.push_back(bss);
  LoadOptions options;
  options.pin = false;
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const int fd = loaded->map_fd(".bss");
  Result<MapInfo> info = system_kernel().map_info(fd);
  ASSERT_TRUE(info.ok()) << error_text(info);
  EXPECT_EQ(info->value_size, 256u * 1024);
  std::vector<std::byte> value(256 * 1024, std::byte{0x55});
  const uint32_t key = 0;
  ASSERT_TRUE(system_kernel().map_lookup(fd, std::as_bytes(std::span(&key, 1)), value).ok());
  EXPECT_TRUE(std::all_of(value.begin(), value.end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(HostileLoad, SymlinkInsideThePinDirectoryIsRefusedAndNothingLandsBehindIt) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const std::string set = pins.path() + "/set";
  const std::string elsewhere = pins.path() + "/elsewhere";
  ASSERT_EQ(::mkdir(set.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(elsewhere.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(elsewhere.c_str(), (set + "/maps").c_str()), 0) << std::strerror(errno);
  const ObjectSpec spec = parse_test_object("sample_xdp_legacy.o");
  LoadOptions options = test_options(pins.path());
  options.pin_dir = set;
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("symbolic link"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find(set + "/maps"), std::string::npos) << loaded.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(elsewhere));
  EXPECT_FALSE(exists(set + "/progs"));  // rolled back
}

TEST(HostileLoad, PinnedProgramWhereAMapIsExpectedIsNamedAProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("sample_xdp_legacy.o");
  ASSERT_FALSE(spec.maps.empty());
  ASSERT_FALSE(spec.programs.empty());
  LoadOptions first = test_options(pins.path());
  first.pin_dir = pins.path() + "/first";
  Result<LoadedObject> loaded = load_object(spec, first);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const std::string program_pin = *first.pin_dir + "/progs/" + spec.programs[0].name;
  ASSERT_TRUE(exists(program_pin));

  LoadOptions second = test_options(pins.path());
  second.maps[spec.maps[0].name].reuse_path = program_pin;
  Result<LoadedObject> reused = load_object(spec, second);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().kind, ErrorKind::InvalidArgument) << reused.error().message;
  EXPECT_NE(reused.error().message.find("is a program, not a map"), std::string::npos) << reused.error().message;
  Status removed = [&] {
    std::vector<std::string> paths;
    return remove_pin_set(system_kernel(), *first.pin_dir, paths);
  }();
  EXPECT_TRUE(removed.ok()) << (removed.ok() ? "" : removed.error().message);
}

TEST(HostileLoad, ExistingPinSetIsListedThenReplacedWholeThenRemoved) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("sample_xdp_legacy.o");
  const std::string dir = pins.path() + "/app";
  LoadOptions options = test_options(pins.path());
  options.pin_dir = dir;
  uint32_t first_map_id = 0;
  {
    LoadReport report;
    Result<LoadedObject> first = load_object(spec, options, &report);
    ASSERT_TRUE(first.ok()) << error_text(first);
    first_map_id = report.maps.at(0).id;
  }
  const std::string map_pin = dir + "/maps/" + spec.maps.at(0).name;

  // Again without --replace: refused, listing the pins, not "File exists" from the kernel.
  Result<LoadedObject> again = load_object(spec, options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::InvalidArgument) << again.error().message;
  EXPECT_NE(again.error().message.find("maps/" + spec.maps.at(0).name), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("a complete set"), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("bpfload unpin " + dir), std::string::npos) << again.error().message;
  {
    Result<Fd> still = system_kernel().obj_get(map_pin);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(system_kernel().map_info(still->get())->id, first_map_id);  // untouched
  }

  // A partial set (one pin removed, as after a load killed mid-way) is called partial.
  const std::string program_pin = dir + "/progs/" + spec.programs.at(0).name;
  ASSERT_EQ(::unlink(program_pin.c_str()), 0);
  Result<LoadedObject> partial = load_object(spec, options);
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("partial"), std::string::npos) << partial.error().message;

  // --replace: the new set replaces the old one whole.
  options.replace_pins = true;
  LoadReport report;
  Result<LoadedObject> replaced = load_object(spec, options, &report);
  ASSERT_TRUE(replaced.ok()) << error_text(replaced);
  EXPECT_EQ(report.maps.at(0).pin_path, map_pin);
  {
    Result<Fd> now = system_kernel().obj_get(map_pin);
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(system_kernel().map_info(now->get())->id, report.maps.at(0).id);
    EXPECT_NE(report.maps.at(0).id, first_map_id);
  }
  EXPECT_TRUE(exists(program_pin));
  for (const auto& entry : std::filesystem::directory_iterator(pins.path()))
    EXPECT_EQ(entry.path().filename().string().find("bpfload-new"), std::string::npos) << entry.path();

  // unpin removes the set and the directory.
  std::vector<std::string> removed;
  Status unpinned = remove_pin_set(system_kernel(), dir, removed);
  ASSERT_TRUE(unpinned.ok()) << unpinned.error().message;
  EXPECT_FALSE(exists(dir));
  EXPECT_GE(removed.size(), 4u);  // at least a map, a program, maps/, progs/
}

TEST(HostileLoad, RemovePinSetLeavesForeignFilesAndSaysSo) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const std::string dir = pins.path() + "/set";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((dir + "/maps").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((dir + "/maps/nested").c_str(), 0700), 0);
  std::vector<std::string> removed;
  Status status = remove_pin_set(system_kernel(), dir, removed);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("nested"), std::string::npos) << status.error().message;
  EXPECT_TRUE(exists(dir + "/maps/nested"));
}

ObjectSpec one_array(const std::string& name) {
  ObjectSpec spec;
  MapSpec map;
  map.name = name;
  map.section = "maps";
  map.type = BPF_MAP_TYPE_ARRAY;
  map.key_size = 4;
  map.value_size = 4;
  map.max_entries = 4;
  spec.maps.push_back(map);
  return spec;
}

TEST(HostileLoad, MaxEntriesOverrideOfZeroIsRefusedBeforeTheKernel) {
  LoadOptions options;
  options.pin = false;
  options.maps["counts"].max_entries = 0;
  Result<LoadedObject> loaded = load_object(one_array("counts"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(loaded.error().message.find("override of 0"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(loaded.error().message.find("supported"), std::string::npos) << loaded.error().message;
}

TEST(HostileLoad, NamesThatOutputCannotShowFaithfullyAreNotPinned) {
  for (const std::string& name : {std::string("a\nb"), std::string("caf\xff"), std::string("x\x1b[2J")}) {
    LoadOptions options;
    options.pin_dir = "/sys/fs/bpf/bpfload-never-created";
    Result<LoadedObject> loaded = load_object(one_array(name), options);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument) << loaded.error().message;
    EXPECT_TRUE(loaded.error().message.find("control character") != std::string::npos ||
                loaded.error().message.find("UTF-8") != std::string::npos)
        << loaded.error().message;
  }
}

TEST(HostileLoad, PermissionHintBlamesCapabilitiesOnlyWhenTheyAreMissing) {
  const std::string hint = privilege_hint("loading a tracing program needs root or CAP_BPF + CAP_PERFMON");
  if (::geteuid() == 0) {
    // Root with every capability (the CI machine): fentry's EPERM is not about privileges.
    EXPECT_NE(hint.find("not missing privileges"), std::string::npos) << hint;
    EXPECT_NE(hint.find("lockdown"), std::string::npos) << hint;
  } else {
    EXPECT_NE(hint.find("lacks"), std::string::npos) << hint;
  }
}

}  // namespace
}  // namespace bpfload::test
