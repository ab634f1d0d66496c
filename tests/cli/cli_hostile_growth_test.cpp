// Hostile input, round three (issue 25), through the real binary: inputs generated at test
// time whose size grows, each run under `ulimit -t` (CPU seconds) so that a return to
// super-linear work is killed instead of slowing the suite, plus deep nesting and
// untrusted text.
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <bpf/bpf.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btf_builder.hpp"
#include "cli_test_util.hpp"
#include "kernel_guard.hpp"
#include "parse/maps_test_support.hpp"
#include "resource_limits.hpp"
#include "test_util.hpp"

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

// A raw_tp program whose .BTF.ext holds `records` CO-RE records, all naming one access
// string of `access_bytes` bytes.
std::vector<std::byte> object_with_shared_access(size_t records, size_t access_bytes) {
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);
  const uint32_t task = btf.add({btf.name("task"), BtfBuilder::info(BtfBuilder::kStruct, 1), 4, btf.name("pid"),
                                 int_id, 0});
  const uint32_t proto = btf.add({0, BtfBuilder::info(BtfBuilder::kFuncProto, 0), int_id});
  btf.add({btf.name("prog"), BtfBuilder::info(BtfBuilder::kFunc, 1), proto});
  const uint32_t section_name = btf.name("raw_tp/x");
  std::string access = "0";
  while (access.size() + 2 <= access_bytes) access += ":0";
  const uint32_t access_off = btf.name(access);
  ElfWriter writer;
  const size_t text = writer.add_section("raw_tp/x", writer.words({0x000000b7u, 0u, 0x00000095u, 0u}),
                                         SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR);
  writer.add_symbol("prog", text, 0, 16, STT_FUNC);
  writer.add_section("license", {std::byte{'G'}, std::byte{'P'}, std::byte{'L'}, std::byte{0}});
  writer.add_section(".BTF", btf.bytes(), SHT_PROGBITS, 0);
  // .BTF.ext: header (magic, version, flags, hdr_len 32; func_info, line_info, core_relo
  // offsets and lengths after the header), then the core_relo subsection.
  std::vector<uint32_t> relos = {16, section_name, static_cast<uint32_t>(records)};
  for (size_t i = 0; i < records; ++i) relos.insert(relos.end(), {0, task, access_off, 2 /* field_exists */});
  std::vector<uint32_t> ext = {0x0001eb9fu, 32, 0, 0, 0, 0, 0, static_cast<uint32_t>(relos.size() * 4)};
  ext.insert(ext.end(), relos.begin(), relos.end());
  writer.add_section(".BTF.ext", writer.words(ext), SHT_PROGBITS, 0);
  return writer.build();
}

TEST(CliHostileGrowth, OneMegabyteAccessStringInFourThousandRecordsIsHeldOnce) {
  // Every record copied the string: 4 GB and then an abort from std::bad_alloc.
  const TempFile object = write_temp("access.o", object_with_shared_access(4096, 1 << 20));
  const std::string bound = kAddressLimitsWork ? "ulimit -v 300000; " : "";
  const CommandResult result =
      run_command(bound + fmt::format("ulimit -t {}; {} inspect {}", kCpuSeconds, BPFLOAD_CLI, object.path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("prog: section \"raw_tp/x\""));
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

TempFile write_text(const std::string& what, const std::string& text) {
  TempFile file{temp_path(what)};
  std::ofstream(file.path, std::ios::binary) << text;
  return file;
}

TEST(CliHostileGrowth, CompareOfJsonNestedAHundredThousandLevelsIsRefusedNotACrash) {
  // 100,000 levels overflowed the stack when the schema value was printed.
  std::string deep = "{\"schema\": ";
  deep += std::string(100000, '[') + std::string(100000, ']');
  deep += ", \"programs\": []}";
  const TempFile file = write_text("deep.json", deep);
  const CommandResult result = run_cpu_bounded("verify --compare " + file.path + " " + file.path);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("JSON nested deeper than 64 levels"));
}

TEST(CliHostileGrowth, CompareOfOneHundredThousandProgramsWithItselfIsLinear) {
  // Was a linear search per program: 105 s.
  std::string csv = "program,verdict,insns_processed\n";
  for (int i = 0; i < 100000; ++i) csv += fmt::format("prog_{},accepted,{}\n", i, i);
  const TempFile file = write_text("many.csv", csv);
  const CommandResult result = run_cpu_bounded("verify --compare " + file.path + " " + file.path + " | tail -n 2");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("prog_99999"));
  EXPECT_THAT(result.out, HasSubstr("no regressions"));
}

TEST(CliHostileGrowth, CompareOfMoreProgramsThanARunMayHoldIsRefusedInBoundedMemory) {
  // 4 million two-byte rows (8 MB) took 4.5 GB; a run now holds at most a million programs.
  std::string csv = "program\n";
  csv.reserve(8500000);
  for (int i = 0; i < 4000000; ++i) {
    csv += static_cast<char>('a' + i % 26);
    csv += '\n';
  }
  const TempFile file = write_text("rows.csv", csv);
  const std::string bound = kAddressLimitsWork ? "ulimit -v 800000; " : "";
  const CommandResult result =
      run_command(bound + fmt::format("ulimit -t {}; {} verify --compare {} {}", kCpuSeconds, BPFLOAD_CLI,
                                      file.path, file.path));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("more than 1000000 programs in one run"));
}

TEST(CliHostileGrowth, CompareStatisticsAreSixtyFourBitAndOverflowIsRefused) {
  const TempFile before = write_text("before.csv", "program,verdict,insns_processed\np,accepted,0\n");
  const TempFile after = write_text("after.csv", "program,verdict,insns_processed\np,accepted,4294967296\n");
  const CommandResult changed = run_bpfload("verify --compare " + before.path + " " + after.path + " --json");
  const auto doc = stdout_json(changed);
  ASSERT_TRUE(doc.is_object()) << changed.out << changed.err;
  EXPECT_EQ(doc["programs"][0]["status"], "changed");
  EXPECT_EQ(doc["programs"][0]["changes"][0]["new"], 4294967296LL);

  const TempFile huge =
      write_text("huge.csv", "program,verdict,verification_time_usec\np,accepted,18446744073709551615\n");
  const CommandResult refused = run_bpfload("verify --compare " + before.path + " " + huge.path);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("over 9223372036854775807"));

  const TempFile wide_json = write_text(
      "wide.json", R"({"programs": [{"name": "p", "verdict": "accepted", "insns": 4294967296}]})");
  const CommandResult narrow = run_bpfload("verify --compare " + before.path + " " + wide_json.path);
  EXPECT_EQ(narrow.exit_code, 2) << narrow.out;
  EXPECT_THAT(narrow.err, HasSubstr("key 'insns': 4294967296 is out of range"));
}

TEST(CliHostileGrowth, ControlCharactersInCompareNamesAreEscapedInTextOutput) {
  // A window title (OSC), a screen clear and a forged line, as a compare file can carry.
  const std::string name = "evil\x1b]0;pwned\x07\x1b[2J\rREGRESSION fake";
  const TempFile before = write_text("esc-before.csv", "program,verdict\n\"" + name + "\",accepted\n");
  const TempFile after = write_text("esc-after.csv", "program,verdict\n\"" + name + "\",rejected\n");
  const CommandResult result = run_bpfload("verify --compare " + before.path + " " + after.path + " --color never");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\r'), std::string::npos) << result.out;
  EXPECT_THAT(result.out, HasSubstr("evil\\e]0;pwned\\x07\\e[2J\\rREGRESSION fake"));
}

// An XDP program (r0 = XDP_PASS; exit) whose section and symbol names carry a window
// title (OSC), a screen clear and a forged line.
std::vector<std::byte> object_with_hostile_names(const std::string& name) {
  ElfWriter writer;
  const size_t text = writer.add_section("xdp/" + name, writer.words({0x000000b7u, 2u, 0x00000095u, 0u}),
                                         SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR);
  writer.add_symbol(name, text, 0, 16, STT_FUNC);
  writer.add_section("license", {std::byte{'G'}, std::byte{'P'}, std::byte{'L'}, std::byte{0}});
  return writer.build();
}

TEST(CliHostileGrowth, ControlCharactersInObjectNamesAreEscapedInEveryTextOutput) {
  const std::string name = "evil\x1b]0;pwned\x07\x1b[2J\nREGRESSION fake\r";
  const TempFile object = write_temp("names.o", object_with_hostile_names(name));
  std::vector<std::string> verbs = {"inspect " + object.path};
  if (kernel_unavailable_reason().empty()) {
    verbs.push_back("load --no-ids " + object.path);
    verbs.push_back("verify " + object.path + " --color never");
  }
  for (const std::string& verb : verbs) {
    const CommandResult result = run_bpfload(verb);
    EXPECT_EQ(result.exit_code, 0) << verb << result.err;
    for (const std::string* stream : {&result.out, &result.err}) {
      EXPECT_EQ(stream->find('\x1b'), std::string::npos) << verb << *stream;
      EXPECT_EQ(stream->find('\r'), std::string::npos) << verb << *stream;
      EXPECT_EQ(stream->find("\nREGRESSION fake"), std::string::npos) << verb << *stream;
    }
    EXPECT_THAT(result.out, HasSubstr("evil\\e]0;pwned\\x07\\e[2J\\nREGRESSION fake\\r")) << verb;
  }
}

TEST(CliHostileGrowth, DottedPinDirIsRefusedWithTheReasonNotAnAbort) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // bpffs refuses names with '.' with EPERM; a throwing std::filesystem call aborted (134).
  for (const std::string dir : {"/sys/fs/bpf/bpfload.test", "/sys/fs/bpf/bpfload.test/x"}) {
    const CommandResult result = run_bpfload(fmt::format("load {} --pin-dir {}", quoted(bpf_object("sample_xdp_legacy.o")), dir));
    EXPECT_EQ(result.exit_code, 2) << dir << result.err;
    EXPECT_THAT(result.err, HasSubstr("a bpf filesystem refuses names containing '.' ('bpfload.test')")) << dir;
  }
}


TEST(CliHostileGrowth, VerifyAtLogLevelTwoOverManyObjectsKeepsOnlyThePrintedLogTails) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("verify_long_log.o"));
  // The premise: one program's level-2 log is over 10 MB (every instruction of 3,500
  // loop iterations with its registers), within the 16 MiB a log is kept whole up to.
  const CommandResult one =
      run_command(fmt::format("{} verify --json --full-log --log-level 2 {}", BPFLOAD_CLI, object));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const nlohmann::json single = stdout_json(one);
  ASSERT_GE(single["programs"][0]["log"].get<std::string>().size(), size_t{10} << 20) << "the log is too short to matter";
  // 24 objects: every log kept until the report is written is 24 times that, over the
  // 250 MB address-space bound; kept to what is printed, the run needs about 35 MB
  // resident (it took 613 MB for 48 objects before).
  constexpr size_t kObjects = 24;
  std::string objects;
  for (size_t i = 0; i < kObjects; ++i) objects += " " + object;
  const std::string bound = kAddressLimitsWork ? "ulimit -v 250000; " : "";
  const CommandResult many = run_command(
      bound + fmt::format("ulimit -t 300; {} verify --json --log-level 2 --log-lines 3{}", BPFLOAD_CLI, objects));
  ASSERT_EQ(many.exit_code, 0) << many.err;
  const nlohmann::json doc = stdout_json(many);
  ASSERT_EQ(doc["programs"].size(), kObjects);
  for (const nlohmann::json& program : doc["programs"]) {
    ASSERT_EQ(program["verdict"], "accepted") << program.dump().substr(0, 500);
    const std::string log = program["log"];
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << "the printed tail is --log-lines long";
    // The whole log's length is still told (the kernel's log varies by a line between runs).
    EXPECT_GT(program["log_lines"].get<size_t>(), size_t{100000});
    EXPECT_FALSE(program["log_complete"].get<bool>());
  }
}

TEST(CliHostileGrowth, MapDumpJsonOfTwoHundredThousandEntriesStreamsInBoundedMemory) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // Built whole, the document took 1.34 GB for a million entries; streamed, the dump
  // holds one entry at a time whatever the map's size.
  constexpr uint32_t kEntries = 200000;
  test::TempBpffsDir dir;
  const int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "dump_big", sizeof(uint32_t), sizeof(uint64_t), kEntries, nullptr);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::vector<uint32_t> keys(kEntries);
  std::vector<uint64_t> values(kEntries);
  for (uint32_t i = 0; i < kEntries; ++i) {
    keys[i] = i;
    values[i] = uint64_t{i} * 3;
  }
  uint32_t count = kEntries;
  ASSERT_EQ(bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr), 0) << std::strerror(errno);
  const std::string pin = dir.path() + "/big";
  ASSERT_EQ(bpf_obj_pin(fd, pin.c_str()), 0) << std::strerror(errno);
  ::close(fd);
  const TempFile out{temp_path("dump.json")};
  const std::string bound = kAddressLimitsWork ? "ulimit -v 150000; " : "";
  const CommandResult dump =
      run_command(bound + fmt::format("ulimit -t {}; {} map dump --json {} > {}", kCpuSeconds * 3, BPFLOAD_CLI, pin, out.path));
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::ifstream in(out.path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t entries = 0;
  for (size_t at = text.find("\"key_int\""); at != std::string::npos; at = text.find("\"key_int\"", at + 1)) ++entries;
  EXPECT_EQ(entries, kEntries);
  const nlohmann::json last_entry_check = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(last_entry_check.is_discarded()) << "the streamed document is one valid JSON value";
  EXPECT_EQ(last_entry_check["entries"].size(), kEntries);
}

TEST(CliHostileGrowth, BtfFileThatIsAFifoIsRefusedWithoutBlocking) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string fifo = temp_path("btf-fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // `timeout` turns a hang into exit 124 instead of a stuck suite.
  const CommandResult verified = run_command(
      fmt::format("timeout 60 {} verify --btf {} {}", BPFLOAD_CLI, fifo, quoted(bpf_object("core_reads.o"))));
  ::unlink(fifo.c_str());
  EXPECT_NE(verified.exit_code, 124) << "blocked on the FIFO";
  EXPECT_NE(verified.exit_code, 0);
  EXPECT_THAT(verified.err, HasSubstr(fifo));
  EXPECT_THAT(verified.err, HasSubstr("FIFO"));
}
}  // namespace
}  // namespace bpfload::test
