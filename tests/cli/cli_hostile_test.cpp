// Hostile input, round two (issue 12), through the real binary: inputs that are not
// regular files, allocation failure under `ulimit -v`, pins of the wrong kind, pin sets.
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"
#include "parse/maps_test_support.hpp"
#include "resource_limits.hpp"

namespace bpfload::test {
namespace {

std::string temp_path(const std::string& what) { return fmt::format("/tmp/bpfload-cli-hostile-{}-{}", ::getpid(), what); }

// `timeout` bounds a command that would block; it is a guard, not a timing assertion.
CommandResult run_guarded(const std::string& args) { return run_command("timeout -s KILL 20 " + std::string(BPFLOAD_CLI) + " " + args); }

TEST(CliHostile, FifoAsObjectOrCompareInputIsRefusedWithoutBlocking) {
  const std::string fifo = temp_path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const CommandResult inspected = run_guarded("inspect " + fifo);
  const CommandResult compared = run_guarded("verify --compare " + fifo + " " + fifo);
  ::unlink(fifo.c_str());
  EXPECT_EQ(inspected.exit_code, 2) << inspected.err;  // 137 would be the guard's SIGKILL
  EXPECT_NE(inspected.err.find("a FIFO"), std::string::npos) << inspected.err;
  EXPECT_EQ(compared.exit_code, 2) << compared.err;
  EXPECT_NE(compared.err.find("a FIFO"), std::string::npos) << compared.err;
}

TEST(CliHostile, DevZeroIsRefusedForObjectsAndCompareInputs) {
  // Under 200 MB of address space: reading /dev/zero would have taken gigabytes.
  const std::string limit = kAddressLimitsWork ? "ulimit -v 200000; " : "";
  for (const std::string& args : {std::string("inspect /dev/zero"), std::string("load /dev/zero"),
                                  std::string("verify --compare /dev/zero /dev/zero")}) {
    const CommandResult result = run_command(limit + std::string(BPFLOAD_CLI) + " " + args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.err;
    EXPECT_NE(result.err.find("a character device"), std::string::npos) << args << ": " << result.err;
  }
}

// AddressSanitizer reserves terabytes of shadow memory, so an address-space limit cannot
// bound its builds: this test exists only where the limit works (the normal build), rather
// than skipping in the sanitizer stage, where CI counts a skip as a failure.
#if !defined(__SANITIZE_ADDRESS__)
TEST(CliHostile, OutOfMemoryIsExitTwoWithAMessageNotAnAbort) {
  ElfWriter writer;
  writer.add_section("license", {std::byte{'G'}, std::byte{'P'}, std::byte{'L'}, std::byte{0}});
  std::vector<std::byte> code;
  for (size_t i = 0; i + 1 < (size_t{1} << 20); ++i) {
    const uint8_t mov[8] = {0xb7, 0, 0, 0, 0, 0, 0, 0};
    for (uint8_t b : mov) code.push_back(std::byte{b});
  }
  const uint8_t exit_insn[8] = {0x95, 0, 0, 0, 0, 0, 0, 0};
  for (uint8_t b : exit_insn) code.push_back(std::byte{b});
  // Four programs at the per-section instruction limit: the object is in memory once, so it
  // takes this much for the file and its decoded instructions not to fit.
  for (const char* name : {"a", "b", "c", "d"}) {
    const size_t section = writer.add_section(std::string("xdp/") + name, code, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR);
    writer.add_symbol(std::string("big_") + name, section, 0, code.size(), STT_FUNC, STB_GLOBAL);
  }
  const std::string object = temp_path("big.o");
  {
    const std::vector<std::byte> bytes = writer.build();
    std::ofstream out(object, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  // 32 MB of code: the file and its decoded instructions do not fit in what is left of
  // 40 MB once the binary and its libraries are mapped; a small object does.
  const std::string limit = "ulimit -v 40000; " + std::string(BPFLOAD_CLI);
  const CommandResult small = run_command(limit + " inspect " + bpf_object("sample_xdp_legacy.o"));
  EXPECT_EQ(small.exit_code, 0) << small.err;
  for (const std::string verb : {"inspect", "verify"}) {
    const CommandResult result = run_command(limit + " " + verb + " " + object);
    EXPECT_EQ(result.exit_code, 2) << verb << ": " << result.err;
    EXPECT_NE(result.err.find("out of memory"), std::string::npos) << verb << ": " << result.err;
  }
  ::unlink(object.c_str());
}
// A million relocations: inspect writes them one at a time instead of building a JSON
// value for each (which took 1.1 GB). 400 MB of address space holds the binary, its
// libraries, the 32 MB file and its spec.
TEST(CliHostile, InspectOfAMillionRelocationsFitsInBoundedMemory) {
  const std::string object = std::string(BPFLOAD_SCALING_OBJECTS_DIR) + "/maprelocs_4096m_1000000r.o";
  const std::string limit = "ulimit -v 400000; " + std::string(BPFLOAD_CLI);
  for (const std::string format : {"", "--json "}) {
    const CommandResult result = run_command(limit + " inspect " + format + object + " | tail -c 200");
    EXPECT_EQ(result.exit_code, 0) << format << result.err;
    EXPECT_EQ(result.err.find("out of memory"), std::string::npos) << format << result.err;
    EXPECT_NE(result.out.find(format.empty() ? "data sections" : "\"externs\""), std::string::npos) << result.out;
  }
}
#endif  // !__SANITIZE_ADDRESS__

TEST(CliHostile, EmptyPinDirIsRefused) {
  const CommandResult result = run_bpfload("load " + bpf_object("sample_xdp_legacy.o") + " --pin-dir ''");
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--pin-dir: the path is empty"), std::string::npos) << result.err;
}

TEST(CliHostile, MapVerbsOnAPinnedProgramSayItIsAProgram) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string set = dir.path() + "/set";
  const CommandResult loaded = run_bpfload("load " + bpf_object("sample_xdp_legacy.o") + " --pin-dir " + set);
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  const std::string program = set + "/progs/xdp_proto_count";
  for (const std::string& args : {"map dump " + program, "map lookup " + program + " --key 1",
                                  "map update " + program + " --key 1 --value 2"}) {
    // The address-space bound (a program read as a map once asked for 7 GB) cannot apply
    // to an AddressSanitizer build, which reserves terabytes of shadow memory.
    const std::string bound = kAddressLimitsWork ? "ulimit -v 400000; " : "";
    const CommandResult result = run_command(bound + std::string(BPFLOAD_CLI) + " " + args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.err;
    EXPECT_NE(result.err.find("is a program, not a map"), std::string::npos) << args << ": " << result.err;
  }
  const CommandResult on_root = run_bpfload("map dump " + dir.path());
  EXPECT_NE(on_root.exit_code, 0);
  EXPECT_EQ(on_root.err.find("is not on a bpf filesystem"), std::string::npos) << on_root.err;
  EXPECT_NE(on_root.err.find("directory"), std::string::npos) << on_root.err;
}

TEST(CliHostile, SecondLoadListsTheExistingPinsThenReplaceAndUnpinWork) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string set = dir.path() + "/set";
  const std::string load = "load " + bpf_object("sample_xdp_legacy.o") + " --pin-dir " + set;
  ASSERT_EQ(run_bpfload(load).exit_code, 0);
  // The same load again is the deployment already in place: nothing is touched.
  const CommandResult again = run_bpfload(load);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged"), std::string::npos) << again.out;
  // Another object over it needs --replace, and says so.
  const std::string other = load + " --max-entries rxcnt=512";
  const CommandResult refused = run_bpfload(other);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(refused.err.find("File exists"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--replace"), std::string::npos) << refused.err;
  // A changed map is refused by name unless recreated.
  const CommandResult changed = run_bpfload(other + " --replace");
  EXPECT_EQ(changed.exit_code, 2) << changed.err;
  EXPECT_NE(changed.err.find("map 'rxcnt'"), std::string::npos) << changed.err;
  EXPECT_NE(changed.err.find("--recreate-map rxcnt"), std::string::npos) << changed.err;
  const CommandResult upgraded = run_bpfload(other + " --replace --recreate-map rxcnt");
  EXPECT_EQ(upgraded.exit_code, 0) << upgraded.err;
  EXPECT_NE(upgraded.out.find("upgraded"), std::string::npos) << upgraded.out;
  const CommandResult unpinned = run_bpfload("unpin " + set);
  EXPECT_EQ(unpinned.exit_code, 0) << unpinned.err;
  EXPECT_NE(unpinned.out.find("removed " + set + "/progs/"), std::string::npos) << unpinned.out;
  struct stat st {};
  EXPECT_NE(::lstat(set.c_str(), &st), 0) << "the pin directory is still there";
}

}  // namespace
}  // namespace bpfload::test
