// The shapes that made the parser super-linear (issue 11 and 12): each is parsed in a
// child whose CPU time and address space are bounded by the kernel (RLIMIT_CPU,
// RLIMIT_AS), so a regression to quadratic work or memory kills the child instead of
// making the suite slow. The objects are generated at build time by bench/gen_objects.py.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "btf_builder.hpp"
#include "parse/maps_test_support.hpp"
#include "resource_limits.hpp"

namespace bpfload {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Sanitizer builds run several times slower; the bound stays far under what the
// quadratic code took (117 s to 151 s of CPU in the normal build).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
constexpr unsigned kCpuSeconds = 40;
#else
constexpr unsigned kCpuSeconds = 8;
#endif

std::string scaling_object(const std::string& name) { return std::string(BPFLOAD_SCALING_OBJECTS_DIR) + "/" + name; }

size_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

// Parses `name` in a bounded child: exits 0 when the parse succeeded with the expected
// number of functions, programs and maps.
void expect_parses_within_bounds(const std::string& name, size_t memory_per_file_byte, size_t functions,
                                 size_t maps) {
  const std::string path = scaling_object(name);
  const size_t size = file_size(path);
  ASSERT_GT(size, 0u) << path << " was not generated";
  const test::ChildOutcome outcome = test::run_bounded(size * memory_per_file_byte + 64 * kMiB, kCpuSeconds, [&] {
    Result<ObjectSpec> spec = parse_object_file(path);
    if (!spec.ok()) {
      std::fprintf(stderr, "%s\n", spec.error().message.c_str());
      return 3;
    }
    if (spec->functions.size() < functions) return 4;
    if (spec->maps.size() != maps) return 5;
    return 0;
  });
  EXPECT_TRUE(outcome.exited) << name << ": killed by signal " << outcome.signal
                              << (outcome.signal == SIGXCPU ? " (over the CPU bound: parsing is super-linear again)"
                                                            : " (SIGKILL/SIGSEGV/SIGABRT: likely over the memory bound)");
  EXPECT_EQ(outcome.code, 0) << name;
}

TEST(HostileScaling, ChainOf100000SubprogramsWithLineInfoParsesInBoundedCpuAndMemory) {
  expect_parses_within_bounds("chain_100000.o", 8, 100000, 0);
}

TEST(HostileScaling, ThirtyThousandGlobalsParseInBoundedCpuAndMemory) {
  expect_parses_within_bounds("globals_30000.o", 16, 1, 0);
}

TEST(HostileScaling, MillionMapRelocationsParseInBoundedCpuAndMemory) {
  expect_parses_within_bounds("maprelocs_4096m_1000000r.o", 8, 1, 4096);
}

// ---- Shapes generated at test time (issue 25) ----

// Parses `bytes` in a child bounded to `cpu_seconds`; exits 0 when it parsed.
void expect_bytes_parse_within(const std::vector<std::byte>& bytes, unsigned cpu_seconds) {
  const test::ChildOutcome outcome = test::run_bounded(bytes.size() * 16 + 64 * kMiB, cpu_seconds, [&] {
    Result<ObjectSpec> spec = parse_object(bytes);
    if (!spec.ok()) {
      std::fprintf(stderr, "%s\n", spec.error().message.c_str());
      return 3;
    }
    return 0;
  });
  EXPECT_TRUE(outcome.exited) << "killed by signal " << outcome.signal
                              << (outcome.signal == SIGXCPU ? " (over the CPU bound: super-linear again)" : "");
  EXPECT_EQ(outcome.code, 0);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
constexpr unsigned kGeneratedCpuSeconds = 30;
#else
constexpr unsigned kGeneratedCpuSeconds = 4;
#endif

// One program, so the object is an ordinary one besides the shape under test.
void add_program(test::ElfWriter& writer) {
  const size_t text = writer.add_section("xdp", writer.words({0x000000b7u, 2u, 0x00000095u, 0u}), SHT_PROGBITS,
                                         SHF_ALLOC | SHF_EXECINSTR);
  writer.add_symbol("prog", text, 0, 16, STT_FUNC);
  writer.add_section("license", {std::byte{'G'}, std::byte{'P'}, std::byte{0}});
}

TEST(HostileScaling, SixtyThousandKsymsDatasecsWithoutAnIntParseInLinearTime) {
  // Each DATASEC looked for an int among all types, and there is none: 12 s for 768 KB.
  constexpr uint32_t kDatasecs = 60000;
  test::BtfBuilder btf;
  const uint32_t name = btf.name(".ksyms");
  for (uint32_t i = 0; i < kDatasecs; ++i) {
    const uint32_t var = btf.add({btf.name(fmt::format("sym_{}", i)), test::BtfBuilder::info(test::BtfBuilder::kVar),
                                  0, 2 /* extern */});
    btf.add({name, test::BtfBuilder::info(test::BtfBuilder::kDatasec, 1), 0, var, 0, 0});
  }
  test::ElfWriter writer;
  add_program(writer);
  writer.add_section(".BTF", btf.bytes(), SHT_PROGBITS, 0);
  expect_bytes_parse_within(writer.build(), kGeneratedCpuSeconds);
}

TEST(HostileScaling, SixtyThousandDataSectionsParseInLinearTime) {
  // Each DATASEC looked its ELF section up among all sections: 8 s for 64k of them.
  constexpr uint32_t kSections = 60000;
  test::BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);
  test::ElfWriter writer;
  add_program(writer);
  for (uint32_t i = 0; i < kSections; ++i) {
    const std::string section = fmt::format(".data.{}", i);
    const size_t index = writer.add_section(section, writer.words({0u}));
    writer.add_symbol(fmt::format("var_{}", i), index, 0, 4, STT_OBJECT);
    const uint32_t var = btf.add({btf.name(fmt::format("var_{}", i)), test::BtfBuilder::info(test::BtfBuilder::kVar),
                                  int_id, 1 /* global */});
    btf.add({btf.name(section), test::BtfBuilder::info(test::BtfBuilder::kDatasec, 1), 0, var, 0, 4});
  }
  writer.add_section(".BTF", btf.bytes(), SHT_PROGBITS, 0);
  expect_bytes_parse_within(writer.build(), kGeneratedCpuSeconds);
}

}  // namespace
}  // namespace bpfload
