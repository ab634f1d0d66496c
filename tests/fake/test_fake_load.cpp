// Loader logic against the in-memory FakeKernel: option checks, kern_version, pin
// planning, reuse and refusal of pinned maps, prog-array and map-in-map slots, rollback
// order. Nothing here needs privileges or touches the host's bpffs.
#include <linux/bpf.h>
#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/system.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

constexpr const char* kObjectId = "0123456789abcdef";

ObjectSpec parse(const std::string& file) {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object(file));
  EXPECT_TRUE(spec.ok()) << file << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

LoadOptions fake_options(Kernel& kernel) {
  LoadOptions options;
  options.kernel = &kernel;
  options.object_id = kObjectId;
  return options;
}

const MapResult* map_result(const LoadReport& report, const std::string& name) {
  for (const MapResult& map : report.maps)
    if (map.name == name) return &map;
  return nullptr;
}

const ProgramResult* program_result(const LoadReport& report, const std::string& name) {
  for (const ProgramResult& program : report.programs)
    if (program.name == name) return &program;
  return nullptr;
}

/// The u32 stored at u32 key `slot` of a fake map (prog arrays and map-in-maps hold the
/// id of the object written there), nullopt for an empty slot.
std::optional<uint32_t> slot_of(const FakeKernel::Map& map, uint32_t slot) {
  std::vector<std::byte> key(sizeof(slot));
  std::memcpy(key.data(), &slot, sizeof(slot));
  const auto it = map.entries.find(key);
  if (it == map.entries.end()) return std::nullopt;
  uint32_t value = 0;
  std::memcpy(&value, it->second.data(), sizeof(value));
  return value;
}

/// Creates a map in `kernel` and pins it at `path` (directories made as needed).
uint32_t prepin(FakeKernel& kernel, const std::string& path, uint32_t type, uint32_t key_size, uint32_t value_size,
                uint32_t max_entries) {
  std::vector<std::string> created;
  EXPECT_TRUE(make_directories(kernel, path.substr(0, path.rfind('/')), created).ok());
  MapCreateRequest request;
  request.type = type;
  request.name = "prepinned";
  request.key_size = key_size;
  request.value_size = value_size;
  request.max_entries = max_entries;
  Result<Fd> map = kernel.map_create(request);
  EXPECT_TRUE(map.ok());
  if (!map.ok()) return 0;
  EXPECT_TRUE(kernel.obj_pin(map->get(), path).ok());
  return kernel.map_info(map->get())->id;
}

TEST(FakeLoad, OptionsAreCheckedBeforeTheKernelIsTouched) {
  FakeKernel kernel;
  LoadOptions options = fake_options(kernel);
  options.maps["no_such_map"].max_entries = 4;
  Result<LoadedObject> override_missing = load_object(parse("legacy_libbpf.o"), options);
  ASSERT_FALSE(override_missing.ok());
  EXPECT_EQ(override_missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(override_missing.error().message.find("no_such_map"), std::string::npos);
  EXPECT_EQ(kernel.calls(), std::vector<std::string>{}) << "a bad override reached the kernel";

  ObjectSpec unknown = parse("legacy_libbpf.o");
  ASSERT_FALSE(unknown.programs.empty());
  unknown.programs[0].type = 0;
  Result<LoadedObject> untyped = load_object(unknown, fake_options(kernel));
  ASSERT_FALSE(untyped.ok());
  EXPECT_EQ(untyped.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(untyped.error().message,
            "program 'count_packets' in section 'socket': unknown program type: the section name implies none; give "
            "one (--type socket=TYPE, a glob --type 'PREFIX*=TYPE', or --default-type TYPE)");
  EXPECT_EQ(kernel.calls(), std::vector<std::string>{}) << "an untyped program reached the kernel";

  Result<ObjectSpec> big_endian = parse_object_file(test::bpf_object("legacy_libbpf.bpfeb.o"));
  ASSERT_TRUE(big_endian.ok()) << big_endian.error().message;
  Result<LoadedObject> foreign = load_object(*big_endian, fake_options(kernel));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().kind, ErrorKind::Unsupported);
  EXPECT_EQ(kernel.calls(), std::vector<std::string>{}) << "a foreign-endian object reached the kernel";

  ObjectSpec object_ns = parse("legacy_iproute2.o");
  LoadOptions no_id = fake_options(kernel);
  no_id.object_id.clear();
  Result<LoadedObject> missing_id = load_object(object_ns, no_id);
  ASSERT_FALSE(missing_id.ok());
  EXPECT_EQ(missing_id.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(kernel.calls_named("obj_pin"), 0u);
}

TEST(FakeLoad, PinRootOffBpffsIsRefusedBeforeAnyMapExists) {
  FakeKernel kernel;
  kernel.add_mount("/run/pins", 0x01021994);  // tmpfs
  LoadOptions options = fake_options(kernel);
  options.pin_root = "/run/pins/not/yet";
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(loaded.error().message.find("mount -t bpf bpf /sys/fs/bpf"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(kernel.calls_named("map_create"), 0u);
  EXPECT_EQ(kernel.calls_named("make_directory"), 0u);
}

TEST(FakeLoad, KprobeGetsAKernelVersion) {
  FakeKernel kernel;
  kernel.set_kernel_release("5.4.0-150-generic");
  ObjectSpec spec = parse("kprobe_version.o");
  ASSERT_EQ(spec.programs.size(), 1u);
  ASSERT_EQ(spec.programs[0].type, uint32_t{BPF_PROG_TYPE_KPROBE});

  // The object's `version` section first,
  ASSERT_TRUE(load_object(spec, fake_options(kernel)).ok());
  ASSERT_EQ(kernel.programs().size(), 1u);
  EXPECT_EQ(kernel.programs()[0].kern_version, 0x060100u);

  // else the running kernel's LINUX_VERSION_CODE,
  spec.kern_version.reset();
  ASSERT_TRUE(load_object(spec, fake_options(kernel)).ok());
  EXPECT_EQ(kernel.programs().back().kern_version, 0x050400u);

  // and the option over both.
  LoadOptions options = fake_options(kernel);
  options.kern_version = 0x040e00;
  ASSERT_TRUE(load_object(parse("kprobe_version.o"), options).ok());
  EXPECT_EQ(kernel.programs().back().kern_version, 0x040e00u);

  // A kernel release that is no version is an error naming the program, not a 0.
  kernel.set_kernel_release("unknown");
  LoadReport report;
  Result<LoadedObject> refused = load_object(spec, fake_options(kernel), &report);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("probe_open"), std::string::npos) << refused.error().message;
}

TEST(FakeLoad, NonKprobeProgramsGetNoKernelVersion) {
  FakeKernel kernel;
  ObjectSpec spec = parse("legacy_libbpf.o");
  spec.kern_version.reset();
  ASSERT_TRUE(load_object(spec, fake_options(kernel)).ok());
  ASSERT_FALSE(kernel.programs().empty());
  for (const FakeKernel::Program& program : kernel.programs()) EXPECT_EQ(program.kern_version, 0u) << program.name;
  EXPECT_EQ(kernel.calls_named("kernel_release"), 0u);
}

TEST(FakeLoad, PinsArePlannedWhereIproute2AndPinDirPutThem) {
  FakeKernel kernel;
  LoadOptions options = fake_options(kernel);
  options.pin_dir = "/sys/fs/bpf/app";
  const ObjectSpec spec = parse("legacy_iproute2.o");
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, options, &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  std::set<std::string> expected = {
      "/sys/fs/bpf/tc/globals/iproute2_globals_map",
      std::string("/sys/fs/bpf/tc/") + kObjectId + "/iproute2_obj_hash",
  };
  for (const MapSpec& map : spec.maps) expected.insert("/sys/fs/bpf/app/maps/" + map.name);
  for (const ProgramSpec& program : spec.programs) expected.insert("/sys/fs/bpf/app/progs/" + program.name);
  const std::vector<std::string> pins = kernel.pins();
  EXPECT_EQ(std::set<std::string>(pins.begin(), pins.end()), expected);
  EXPECT_EQ(map_result(report, "iproute2_globals_map")->pin_path, "/sys/fs/bpf/tc/globals/iproute2_globals_map");
  // Each pin holds the object it names.
  EXPECT_EQ(kernel.pinned_id("/sys/fs/bpf/app/maps/tc_marks"), map_result(report, "tc_marks")->id);
  EXPECT_EQ(kernel.pinned_id("/sys/fs/bpf/app/progs/cls_tail"), program_result(report, "cls_tail")->id);
  EXPECT_EQ(kernel.pinned_id("/sys/fs/bpf/tc/globals/iproute2_globals_map"),
            kernel.pinned_id("/sys/fs/bpf/app/maps/iproute2_globals_map"));
}

TEST(FakeLoad, ProgArrayAndMapInMapSlotsHoldTheirObjects) {
  FakeKernel kernel;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  std::optional<FakeKernel::Map> jumps = kernel.map_of_fd(loaded->map_fd("jmp_table"));
  ASSERT_TRUE(jumps);
  EXPECT_EQ(slot_of(*jumps, 0), program_result(report, "cls_tail")->id) << "section 1/0 fills slot 0";
  EXPECT_EQ(slot_of(*jumps, 1), std::nullopt);
  std::optional<FakeKernel::Map> outer = kernel.map_of_fd(loaded->map_fd("map_outer"));
  ASSERT_TRUE(outer);
  EXPECT_EQ(slot_of(*outer, 0), map_result(report, "map_inner")->id) << "inner_idx 0 fills slot 0";

  FakeKernel samples;
  LoadReport samples_report;
  Result<LoadedObject> tails = load_object(parse("samples_tail_calls.o"), fake_options(samples), &samples_report);
  ASSERT_TRUE(tails.ok()) << tails.error().message;
  std::optional<FakeKernel::Map> table = samples.map_of_fd(tails->map_fd("jmp_table"));
  ASSERT_TRUE(table);
  size_t filled = 0;
  for (uint32_t slot = 0; slot < 8; ++slot) {
    const std::optional<uint32_t> id = slot_of(*table, slot);
    if (!id) continue;
    ++filled;
    const auto owner = std::find_if(samples_report.programs.begin(), samples_report.programs.end(),
                                    [&](const ProgramResult& program) { return program.id == *id; });
    ASSERT_NE(owner, samples_report.programs.end()) << "slot " << slot;
    EXPECT_EQ(owner->section, "socket/" + std::to_string(slot));
  }
  EXPECT_EQ(filled, 2u);
}

TEST(FakeLoad, RefusedTailCallLeavesItsSlotEmptyUnderKeepGoing) {
  FakeKernel kernel;
  kernel.refuse_program("cls_tail", EACCES, "0: R1 invalid mem access 'scalar'\n");
  LoadOptions options = fake_options(kernel);
  Result<LoadedObject> strict = load_object(parse("legacy_iproute2.o"), options);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().sys_errno, EACCES);
  EXPECT_NE(strict.error().verifier_log.find("R1 invalid mem access"), std::string::npos);
  EXPECT_EQ(kernel.pins(), std::vector<std::string>{}) << "the failed load left pins";

  options.keep_going = true;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(program_result(report, "cls_tail")->loaded);
  EXPECT_TRUE(program_result(report, "cls_entry")->loaded);
  EXPECT_EQ(slot_of(*kernel.map_of_fd(loaded->map_fd("jmp_table")), 0), std::nullopt);
  EXPECT_FALSE(report.warnings.empty());
}

TEST(FakeLoad, MatchingPinnedMapIsReusedNotCreated) {
  FakeKernel kernel;
  const std::string path = "/sys/fs/bpf/tc/globals/iproute2_globals_map";
  const uint32_t pinned_id = prepin(kernel, path, BPF_MAP_TYPE_ARRAY, 4, 8, 2);
  kernel.clear_calls();
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const MapResult* globals = map_result(report, "iproute2_globals_map");
  ASSERT_NE(globals, nullptr);
  EXPECT_TRUE(globals->reused);
  EXPECT_EQ(globals->id, pinned_id);
  const std::vector<std::string> calls = kernel.calls();
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                          [](const std::string& call) { return call.starts_with("map_create iproute2_glob"); }),
            0)
      << "created anyway";
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "obj_get " + path), 1);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "obj_pin " + path), 0) << "pinned over itself";
}

TEST(FakeLoad, MismatchedPinnedMapIsRefusedWithBothSpecs) {
  FakeKernel kernel;
  const std::string path = "/sys/fs/bpf/tc/globals/iproute2_globals_map";
  const uint32_t pinned_id = prepin(kernel, path, BPF_MAP_TYPE_HASH, 4, 8, 16);
  const std::vector<std::string> pins_before = kernel.pins();
  const std::vector<std::string> dirs_before = kernel.directories();
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), fake_options(kernel));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(loaded.error().message.find("pinned map at " + path + ": type hash key 4 value 8 max 16 flags 0x0"),
            std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("object wants: type array key 4 value 8 max 2 flags 0x0"), std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(kernel.pins(), pins_before);
  EXPECT_EQ(kernel.directories(), dirs_before);
  EXPECT_EQ(kernel.pinned_id(path), pinned_id);
  EXPECT_EQ(kernel.open_objects(), 0) << "a failed load left an fd open";
}

TEST(FakeLoad, PinFalseCreatesNoPinAndReusesNothing) {
  FakeKernel kernel;
  const std::string path = "/sys/fs/bpf/tc/globals/iproute2_globals_map";
  const uint32_t pinned_id = prepin(kernel, path, BPF_MAP_TYPE_ARRAY, 4, 8, 2);  // would be reused
  const std::vector<std::string> pins_before = kernel.pins();
  const std::vector<std::string> dirs_before = kernel.directories();
  kernel.clear_calls();
  LoadOptions options = fake_options(kernel);
  options.pin = false;
  options.pin_dir = "/sys/fs/bpf/never";
  LoadReport report;
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), options, &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(map_result(report, "iproute2_globals_map")->reused);
  EXPECT_NE(map_result(report, "iproute2_globals_map")->id, pinned_id);
  EXPECT_EQ(kernel.calls_named("obj_get"), 0u);
  EXPECT_EQ(kernel.calls_named("obj_pin"), 0u);
  EXPECT_EQ(kernel.calls_named("make_directory"), 0u);
  EXPECT_EQ(kernel.pins(), pins_before);
  EXPECT_EQ(kernel.directories(), dirs_before);
}

TEST(FakeLoad, FailedPinRollsBackNewestFirstAndSparesTheReusedMap) {
  FakeKernel kernel;
  const std::string reused = "/sys/fs/bpf/tc/globals/iproute2_globals_map";
  const uint32_t reused_id = prepin(kernel, reused, BPF_MAP_TYPE_ARRAY, 4, 8, 2);
  const std::vector<std::string> dirs_before = kernel.directories();
  kernel.clear_calls();
  FaultInjectingKernel faults(kernel);
  faults.fail_nth("obj_pin", 4, ENOSPC);
  LoadOptions options = fake_options(faults);
  options.pin_dir = "/sys/fs/bpf/app";
  Result<LoadedObject> loaded = load_object(parse("legacy_iproute2.o"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().sys_errno, ENOSPC);
  EXPECT_EQ(kernel.open_objects(), 0) << "a failed load left an fd open";
  EXPECT_EQ(kernel.pins(), std::vector<std::string>{reused});
  EXPECT_EQ(kernel.pinned_id(reused), reused_id);
  EXPECT_EQ(kernel.directories(), dirs_before);

  // What the load made, in order, and what the rollback removed, in order.
  const std::vector<std::string> calls = faults.call_log();
  const auto failed = std::find_if(calls.begin(), calls.end(), [n = 0](const std::string& call) mutable {
    return call.starts_with("obj_pin ") && ++n == 4;
  });
  ASSERT_NE(failed, calls.end());
  std::vector<std::string> made;
  std::set<std::string> seen_dirs(dirs_before.begin(), dirs_before.end());
  size_t pins_seen = 0;
  for (auto it = calls.begin(); it != failed; ++it) {
    if (it->starts_with("make_directory ")) {
      const std::string dir = it->substr(std::strlen("make_directory "));
      if (seen_dirs.insert(dir).second) made.push_back(dir);
    } else if (it->starts_with("obj_pin ")) {
      made.push_back(it->substr(std::strlen("obj_pin ")));
      ++pins_seen;
    }
  }
  ASSERT_EQ(pins_seen, 3u);
  std::vector<std::string> removed;
  for (auto it = std::next(failed); it != calls.end(); ++it) {
    if (it->starts_with("unpin ")) removed.push_back(it->substr(std::strlen("unpin ")));
    if (it->starts_with("remove_directory ")) removed.push_back(it->substr(std::strlen("remove_directory ")));
  }
  std::reverse(made.begin(), made.end());
  EXPECT_EQ(removed, made) << "the rollback must undo exactly what the load made, newest first";
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "unpin " + reused), 0) << "the reused map's pin was removed";
}

TEST(FakeLoad, PerfEventArrayOfZeroEntriesIsSizedByThePossibleCpus) {
  FakeKernel kernel;
  kernel.set_possible_cpus(6);
  ObjectSpec spec = parse("legacy_libbpf.o");
  ASSERT_FALSE(spec.maps.empty());
  MapSpec& events = spec.maps[0];
  events.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
  events.key_size = 4;
  events.value_size = 4;
  events.max_entries = 0;
  events.btf_key_type_id = events.btf_value_type_id = 0;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(kernel.map_of_fd(loaded->map_fd(events.name))->request.max_entries, 6u);

  FakeKernel fake;
  FaultInjectingKernel no_cpus(fake);
  no_cpus.fail_nth("possible_cpus", 1, ENOENT);
  Result<LoadedObject> failed = load_object(spec, fake_options(no_cpus));
  ASSERT_FALSE(failed.ok()) << "a CPU count that cannot be read must not become 1";
  EXPECT_EQ(failed.error().kind, ErrorKind::Io);
  EXPECT_NE(failed.error().message.find(events.name), std::string::npos) << failed.error().message;
}

}  // namespace
}  // namespace bpfload
