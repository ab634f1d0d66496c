// Hostile input, round three (issue 25), through the real binary: inputs generated at test
// time whose size grows, each run under `ulimit -t` (CPU seconds) so that a return to
// super-linear work is killed instead of slowing the suite, plus deep nesting and
// untrusted text.
#include <elf.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "parse/maps_test_support.hpp"

namespace bpfload::test {
namespace {

using ::testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
constexpr int kCpuSeconds = 60;
#else
constexpr int kCpuSeconds = 10;
#endif

std::string temp_path(const std::string& what) {
  return fmt::format("/tmp/bpfload-cli-growth-{}-{}", ::getpid(), what);
}

// Removes the file on destruction, whatever the test did.
struct TempFile {
  std::string path;
  ~TempFile() { ::unlink(path.c_str()); }
};

TempFile write_temp(const std::string& what, const std::vector<std::byte>& bytes) {
  TempFile file{temp_path(what)};
  std::ofstream out(file.path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return file;
}

CommandResult run_cpu_bounded(const std::string& args) {
  return run_command(fmt::format("ulimit -t {}; {} {}", kCpuSeconds, BPFLOAD_CLI, args));
}

// One XDP program loading the address of each of `count` distinct undefined symbols.
std::vector<std::byte> object_with_externs(size_t count) {
  ElfWriter writer;
  std::vector<uint32_t> words;
  for (size_t i = 0; i < count; ++i) {
    words.insert(words.end(), {0x00000118u, 0u, 0u, 0u});  // ld_imm64 r1, <extern>
  }
  words.insert(words.end(), {0x000000b7u, 0u, 0x00000095u, 0u});  // r0 = 0; exit
  const size_t text = writer.add_section("xdp", writer.words(words), SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR);
  writer.add_symbol("prog", text, 0, words.size() * 4, STT_FUNC);
  std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> relocations;
  for (size_t i = 0; i < count; ++i) {
    const size_t symbol = writer.add_symbol(fmt::format("ext_{}", i), SHN_UNDEF, 0, 0, STT_NOTYPE);
    relocations.emplace_back(i * 16, static_cast<uint32_t>(symbol), 1 /* R_BPF_64_64 */);
  }
  writer.add_relocations(text, relocations);
  writer.add_section("license", {std::byte{'G'}, std::byte{'P'}, std::byte{'L'}, std::byte{0}});
  return writer.build();
}

TEST(CliHostileGrowth, InspectOfTwentyThousandExternsIsLinear) {
  // Was O(N^3): 650 KB took over 600 s. This object is about 1.4 MB.
  constexpr size_t kExterns = 20000;
  const TempFile object = write_temp("externs.o", object_with_externs(kExterns));
  for (const std::string format : {"", "--json "}) {
    const CommandResult result = run_cpu_bounded("inspect " + format + object.path + " | tail -c 300");
    EXPECT_EQ(result.exit_code, 0) << format << result.err;
    EXPECT_THAT(result.out, HasSubstr(format.empty() ? "ext_19999 (variable): used by prog" : "\"ext_19999\""));
  }
}

}  // namespace
}  // namespace bpfload::test
