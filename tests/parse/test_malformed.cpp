// Broken objects built in memory from a real one: every failure is a clean error that
// names its place, never a crash.
#include <elf.h>

#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "bpfload/parse.hpp"
#include "elf_view.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using Bytes = std::vector<std::byte>;

// The little-endian object is in host order on the machines we test on, so the ELF
// structs can be patched directly.
class Malformed : public ::testing::Test {
 protected:
  void SetUp() override {
    original_ = test::read_file(test::bpf_object("legacy_libbpf.o"));
    ASSERT_GE(original_.size(), sizeof(Elf64_Ehdr));
  }

  Elf64_Ehdr header(const Bytes& bytes) const {
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, bytes.data(), sizeof(ehdr));
    return ehdr;
  }
  Elf64_Shdr section_header(const Bytes& bytes, size_t index) const {
    Elf64_Shdr shdr;
    std::memcpy(&shdr, bytes.data() + header(bytes).e_shoff + index * sizeof(Elf64_Shdr), sizeof(shdr));
    return shdr;
  }
  void set_section_header(Bytes& bytes, size_t index, const Elf64_Shdr& shdr) const {
    std::memcpy(bytes.data() + header(bytes).e_shoff + index * sizeof(Elf64_Shdr), &shdr, sizeof(shdr));
  }
  size_t index_of(const std::string& name) const {
    auto view = elf::View::open(original_, ParseLimits{});
    EXPECT_TRUE(view.ok());
    const elf::Section* section = view.ok() ? view->section(name) : nullptr;
    EXPECT_NE(section, nullptr) << name;
    return section == nullptr ? 0 : section->index;
  }

  // Parses `bytes`, expecting failure of `kind` with every `needle` in the message.
  void expect_error(const Bytes& bytes, ErrorKind kind, std::initializer_list<std::string> needles) const {
    auto spec = parse_object(bytes);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().kind, kind) << spec.error().message;
    for (const std::string& needle : needles)
      EXPECT_NE(spec.error().message.find(needle), std::string::npos)
          << "'" << needle << "' not in: " << spec.error().message;
  }

  Bytes original_;
};

TEST_F(Malformed, Original) { ASSERT_TRUE(parse_object(original_).ok()); }

TEST_F(Malformed, EmptyAndNotElf) {
  expect_error({}, ErrorKind::Malformed, {"empty"});
  Bytes text(200, std::byte{'x'});
  expect_error(text, ErrorKind::Malformed, {"not an ELF"});
  expect_error(Bytes(original_.begin(), original_.begin() + 3), ErrorKind::Malformed, {"ELF"});
}

TEST_F(Malformed, WrongClassMachineType) {
  Bytes elf32 = original_;
  elf32[EI_CLASS] = std::byte{ELFCLASS32};
  expect_error(elf32, ErrorKind::Unsupported, {"ELFCLASS32"});
  Bytes machine = original_;
  Elf64_Ehdr ehdr = header(machine);
  ehdr.e_machine = EM_X86_64;
  std::memcpy(machine.data(), &ehdr, sizeof(ehdr));
  expect_error(machine, ErrorKind::Unsupported, {"EM_BPF"});
  Bytes exec = original_;
  ehdr = header(exec);
  ehdr.e_type = ET_EXEC;
  std::memcpy(exec.data(), &ehdr, sizeof(ehdr));
  expect_error(exec, ErrorKind::Unsupported, {"ET_REL"});
}

TEST_F(Malformed, TruncatedAtEveryBoundary) {
  const Elf64_Ehdr ehdr = header(original_);
  std::set<size_t> lengths;
  for (size_t n = 0; n <= sizeof(Elf64_Ehdr); ++n) lengths.insert(n);
  for (size_t i = 0; i <= ehdr.e_shnum; ++i) {
    const size_t table_end = ehdr.e_shoff + i * sizeof(Elf64_Shdr);
    lengths.insert(table_end);
    if (table_end > 0) lengths.insert(table_end - 1);
  }
  for (size_t i = 0; i < ehdr.e_shnum; ++i) {
    const Elf64_Shdr shdr = section_header(original_, i);
    for (uint64_t at : {shdr.sh_offset, shdr.sh_offset + shdr.sh_size}) {
      lengths.insert(at);
      if (at > 0) lengths.insert(at - 1);
      lengths.insert(at + 1);
    }
  }
  size_t tried = 0;
  for (size_t length : lengths) {
    if (length >= original_.size()) continue;
    SCOPED_TRACE(length);
    ++tried;
    const Bytes truncated(original_.begin(), original_.begin() + static_cast<ptrdiff_t>(length));
    auto spec = parse_object(truncated);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().kind, ErrorKind::Malformed) << spec.error().message;
  }
  EXPECT_GT(tried, 100u);
}

TEST_F(Malformed, SectionPastTheEnd) {
  const size_t maps = index_of("maps");
  Bytes bytes = original_;
  Elf64_Shdr shdr = section_header(bytes, maps);
  shdr.sh_offset = bytes.size() + 16;
  set_section_header(bytes, maps, shdr);
  expect_error(bytes, ErrorKind::Malformed, {"'maps'", "past the end"});
}

TEST_F(Malformed, SectionRangeOverflows) {
  for (const char* name : {"maps", "socket", ".symtab", "license"}) {
    SCOPED_TRACE(name);
    const size_t index = index_of(name);
    Bytes bytes = original_;
    Elf64_Shdr shdr = section_header(bytes, index);
    shdr.sh_offset = 0xffffffffffffff00ull;
    shdr.sh_size = 0x200;
    set_section_header(bytes, index, shdr);
    expect_error(bytes, ErrorKind::Malformed, {name, "overflows"});
    bytes = original_;
    shdr = section_header(bytes, index);
    shdr.sh_size = 0xffffffffffffff00ull;
    set_section_header(bytes, index, shdr);
    expect_error(bytes, ErrorKind::Malformed, {name});
  }
  // The section-name table itself cannot be named by name: it is named by its role.
  Bytes names = original_;
  const size_t index = header(names).e_shstrndx;
  Elf64_Shdr shdr = section_header(names, index);
  shdr.sh_size = 0xffffffffffffff00ull;
  set_section_header(names, index, shdr);
  expect_error(names, ErrorKind::Malformed, {"section-name table", "overflows"});
}

TEST_F(Malformed, IndicesOutOfRange) {
  const size_t rel = index_of(".relsocket");
  Bytes link = original_;
  Elf64_Shdr shdr = section_header(link, rel);
  shdr.sh_link = 999;
  set_section_header(link, rel, shdr);
  expect_error(link, ErrorKind::Malformed, {".relsocket", "sh_link"});

  Bytes info = original_;
  shdr = section_header(info, rel);
  shdr.sh_info = 999;
  set_section_header(info, rel, shdr);
  expect_error(info, ErrorKind::Malformed, {".relsocket", "sh_info"});

  Bytes strndx = original_;
  Elf64_Ehdr ehdr = header(strndx);
  ehdr.e_shstrndx = 999;
  std::memcpy(strndx.data(), &ehdr, sizeof(ehdr));
  expect_error(strndx, ErrorKind::Malformed, {"e_shstrndx"});

  Bytes entsize = original_;
  const size_t symtab = index_of(".symtab");
  shdr = section_header(entsize, symtab);
  shdr.sh_entsize = 7;
  set_section_header(entsize, symtab, shdr);
  expect_error(entsize, ErrorKind::Malformed, {".symtab", "sh_entsize"});
}

TEST_F(Malformed, SymbolFields) {
  const Elf64_Shdr symtab = section_header(original_, index_of(".symtab"));
  const size_t count = symtab.sh_size / sizeof(Elf64_Sym);
  ASSERT_GT(count, 1u);
  const size_t at = symtab.sh_offset + (count - 1) * sizeof(Elf64_Sym);

  Bytes shndx = original_;
  Elf64_Sym sym;
  std::memcpy(&sym, shndx.data() + at, sizeof(sym));
  sym.st_shndx = 900;
  std::memcpy(shndx.data() + at, &sym, sizeof(sym));
  expect_error(shndx, ErrorKind::Malformed, {"st_shndx", "900"});

  Bytes name = original_;
  std::memcpy(&sym, name.data() + at, sizeof(sym));
  sym.st_name = 0x7fffffff;
  std::memcpy(name.data() + at, &sym, sizeof(sym));
  expect_error(name, ErrorKind::Malformed, {"name offset", "0x7fffffff"});
}

TEST_F(Malformed, RelocationEntries) {
  const Elf64_Shdr rel = section_header(original_, index_of(".relsocket"));
  ASSERT_GE(rel.sh_size, sizeof(Elf64_Rel));
  Elf64_Rel entry;

  Bytes offset = original_;
  std::memcpy(&entry, offset.data() + rel.sh_offset, sizeof(entry));
  entry.r_offset = 0x100000;
  std::memcpy(offset.data() + rel.sh_offset, &entry, sizeof(entry));
  expect_error(offset, ErrorKind::Malformed, {".relsocket", "#0", "0x100000", "outside"});

  Bytes unaligned = original_;
  std::memcpy(&entry, unaligned.data() + rel.sh_offset, sizeof(entry));
  entry.r_offset += 4;
  std::memcpy(unaligned.data() + rel.sh_offset, &entry, sizeof(entry));
  expect_error(unaligned, ErrorKind::Malformed, {"socket", "relocation #0"});

  Bytes symbol = original_;
  std::memcpy(&entry, symbol.data() + rel.sh_offset, sizeof(entry));
  entry.r_info = ELF64_R_INFO(100000, ELF64_R_TYPE(entry.r_info));
  std::memcpy(symbol.data() + rel.sh_offset, &entry, sizeof(entry));
  expect_error(symbol, ErrorKind::Malformed, {".relsocket", "symbol index 100000"});

  Bytes type = original_;
  std::memcpy(&entry, type.data() + rel.sh_offset, sizeof(entry));
  entry.r_info = ELF64_R_INFO(ELF64_R_SYM(entry.r_info), 77);
  std::memcpy(type.data() + rel.sh_offset, &entry, sizeof(entry));
  expect_error(type, ErrorKind::Unsupported, {"socket", "relocation #0", "type 77"});

  Bytes not_ldimm = original_;
  std::memcpy(&entry, not_ldimm.data() + rel.sh_offset, sizeof(entry));
  const Elf64_Shdr code = section_header(original_, index_of("socket"));
  not_ldimm[code.sh_offset + entry.r_offset] = std::byte{0xb7};  // mov imm
  expect_error(not_ldimm, ErrorKind::Malformed, {"socket", "relocation #0", "ld_imm64"});
}

TEST_F(Malformed, MapsSectionTooSmallForItsSymbols) {
  const size_t maps = index_of("maps");
  Bytes bytes = original_;
  Elf64_Shdr shdr = section_header(bytes, maps);
  shdr.sh_size = 50;  // three 20-byte definitions no longer fit
  set_section_header(bytes, maps, shdr);
  expect_error(bytes, ErrorKind::Malformed, {"maps"});
}

TEST_F(Malformed, CodeSectionNotWholeInstructions) {
  const size_t socket = index_of("socket");
  Bytes bytes = original_;
  Elf64_Shdr shdr = section_header(bytes, socket);
  shdr.sh_size -= 4;
  set_section_header(bytes, socket, shdr);
  expect_error(bytes, ErrorKind::Malformed, {"socket"});
}

TEST_F(Malformed, EveryByteFlippedNeverCrashes) {
  // Not an oracle for kinds: only that every mutation returns instead of crashing.
  const size_t limit = std::min<size_t>(original_.size(), 4096);
  for (size_t i = 0; i < limit; ++i) {
    Bytes bytes = original_;
    bytes[i] ^= std::byte{0xff};
    auto spec = parse_object(bytes);
    if (!spec.ok()) {
      EXPECT_FALSE(spec.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace bpfload
