// The shapes that made the parser super-linear (issue 11 and 12): each is parsed in a
// child whose CPU time and address space are bounded by the kernel (RLIMIT_CPU,
// RLIMIT_AS), so a regression to quadratic work or memory kills the child instead of
// making the suite slow. The objects are generated at build time by bench/gen_objects.py.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
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

}  // namespace
}  // namespace bpfload
