// What bpfload asks the kernel for the objects of bpf_progs/compat/ (issue 23), against
// the FakeKernel: ring buffer sizes rounded as libbpf rounds them, __ulong map_extra, an
// arena map this kernel would refuse (EPERM), program flags and log levels per program.
#include <linux/bpf.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/kernel_btf.hpp"
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

// The objects are built against this machine's vmlinux.h and carry CO-RE relocations:
// they resolve against the host's BTF, read once (the fake filesystem has none).
std::shared_ptr<const TargetBtf> host_btf() {
  static const std::shared_ptr<const TargetBtf> btf = [] {
    Result<std::shared_ptr<const TargetBtf>> read = read_target_btf(system_kernel());
    return read.ok() ? *read : nullptr;
  }();
  return btf;
}

LoadOptions fake_options(Kernel& kernel) {
  LoadOptions options;
  options.kernel = &kernel;
  options.pin = false;
  options.target_btf = host_btf();
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

/// The FakeKernel, recording writes through a mapping of a map (the arena's initial
/// globals), which the fake's maps cannot take as a value.
class ArenaWritesKernel final : public Kernel {
 public:
  explicit ArenaWritesKernel(Kernel& inner) : inner_(inner) {}
  struct Write {
    int fd = -1;
    uint32_t value_size = 0;
    uint64_t offset = 0;
    std::vector<std::byte> bytes;
  };
  std::vector<Write> writes;

  Status call(KernelOp& any) override {
    auto* write = std::get_if<op::MapWriteValue>(&any);
    if (write == nullptr) return inner_.call(any);
    writes.push_back({write->map_fd, write->value_size, write->offset, {write->bytes.begin(), write->bytes.end()}});
    return {};
  }

 private:
  Kernel& inner_;
};

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
    ArenaWritesKernel writes(kernel);  // the initial arena globals
    LoadOptions options = fake_options(kernel);
    options.kernel = &writes;
    Result<LoadedObject> loaded = load_object(spec, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto map = kernel.map_of_fd(loaded->map_fd("arena"));
    ASSERT_TRUE(map.has_value());
    EXPECT_EQ(map->request.type, 33u);
    EXPECT_EQ(map->request.map_extra, uint64_t{1} << 44);
    EXPECT_EQ(map->request.max_entries, 10u);
    EXPECT_EQ(map->request.flags, uint32_t{BPF_F_MMAPABLE});
  }
}

TEST(FakeCompat, ArenaGlobalsAreAddressedAtTheEndOfTheArena) {
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (const std::string& path : test::compat_object_builds("arena")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const ObjectSpec spec = parse_compat(path);
    EXPECT_EQ(spec.arena_data_size, 8u);
    FakeKernel fake;
    ArenaWritesKernel kernel(fake);
    LoadOptions options;
    options.kernel = &kernel;
    options.pin = false;
    Result<LoadedObject> loaded = load_object(spec, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    // 10 pages of arena, one page of globals: they start at page 9.
    const uint64_t globals = 9 * page;
    const int arena_fd = loaded->map_fd("arena");
    ASSERT_EQ(kernel.writes.size(), 1u);
    EXPECT_EQ(kernel.writes[0].fd, arena_fd);
    EXPECT_EQ(kernel.writes[0].offset, globals);
    EXPECT_EQ(kernel.writes[0].value_size, 10 * page);
    ASSERT_EQ(kernel.writes[0].bytes.size(), 8u);
    // Where the compiler put each global in .addr_space.1, from the program's relocations.
    std::map<std::string, uint64_t> offsets;
    for (const FunctionSpec& function : spec.functions)
      for (const Relocation& relocation : function.relocations)
        if (relocation.kind == Relocation::Kind::Arena) offsets[relocation.symbol] = relocation.offset;
    ASSERT_EQ(offsets.size(), 2u);
    int32_t start = 0;
    std::memcpy(&start, kernel.writes[0].bytes.data() + offsets["arena_start"], sizeof(start));
    EXPECT_EQ(start, 41) << "arena_start's initial value";
    // Each ld_imm64 of an arena global is the arena map's value at its offset.
    const auto programs = fake.programs();
    ASSERT_EQ(programs.size(), 1u);
    std::vector<int64_t> addresses;
    const std::vector<bpf_insn>& insns = programs[0].insns;
    for (size_t i = 0; i + 1 < insns.size(); ++i) {
      if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW)) continue;
      EXPECT_EQ(insns[i].src_reg, BPF_PSEUDO_MAP_VALUE);
      EXPECT_EQ(insns[i].imm, arena_fd);
      addresses.push_back(insns[i + 1].imm);
      ++i;
    }
    // touch_arena reads arena_hits, then arena_start.
    EXPECT_EQ(addresses, (std::vector<int64_t>{static_cast<int64_t>(globals + offsets["arena_hits"]),
                                               static_cast<int64_t>(globals + offsets["arena_start"])}));
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
