// Memory of a large load (issue 26): loading the 1,000-program, 100-map object of the
// benchmarks fits in a fixed address-space bound, enforced by RLIMIT_AS in a child. The
// bound is the measured growth with room to spare; a copy of the spec per program, a log
// kept per program, or a report duplicated per map would cross it.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/loader.hpp"
#include "bpfload/object_file.hpp"
#include "kernel_guard.hpp"
#include "resource_limits.hpp"

namespace bpfload::test {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Measured 2026-12-08 by lowering the bound: the parse and the load of the 1.4 MB object
// need between 2 and 4 MiB more address space (at 2 MiB libbpf cannot parse the BTF). A
// verifier thread that cannot get its 8 MiB stack leaves its share to the calling thread,
// so the bound leaves room for one; 24 MiB is what a 1,000-program load may take.
constexpr size_t kLoadAddressSpaceBound = 24 * kMiB;

TEST(LoadMemory, ThousandProgramObjectLoadsWithinAFixedAddressSpaceBound) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string path = std::string(BPFLOAD_SCALING_OBJECTS_DIR) + "/progs_btf_light_1000p_100m.o";
  const ChildOutcome outcome = run_bounded(kLoadAddressSpaceBound, 60, [&] {
    Result<ObjectSpec> spec = parse_object_file(path);
    if (!spec.ok()) {
      std::fprintf(stderr, "parse: %s\n", spec.error().message.c_str());
      return 3;
    }
    Result<LoadedObject> loaded = load_object(*spec, LoadOptions{});
    if (!loaded.ok()) {
      std::fprintf(stderr, "load: %s\n", loaded.error().message.c_str());
      return 4;
    }
    size_t loaded_programs = 0;
    for (const ProgramResult& program : loaded->report().programs) loaded_programs += program.loaded ? 1 : 0;
    if (loaded_programs != 1000) return 5;
    return 0;
  });
  EXPECT_TRUE(outcome.exited) << "killed by signal " << outcome.signal << " (over the address-space bound?)";
  EXPECT_EQ(outcome.code, 0) << "3: parse failed, 4: load failed (ENOMEM: over the bound), 5: programs missing";
}

}  // namespace
}  // namespace bpfload::test
