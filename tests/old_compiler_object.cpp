#include "old_compiler_object.hpp"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace bpfload::test {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kEmBpf = 247;  // EM_BPF
constexpr uint32_t kRel64_64 = 1;
constexpr uint32_t kRel64_32 = 10;

template <typename T>
void append(Bytes& out, const T& value) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

Bytes insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  Bytes out{code, static_cast<uint8_t>((src << 4) | (dst & 0xf))};
  append(out, off);
  append(out, imm);
  return out;
}

void add(Bytes& code, const Bytes& one) { code.insert(code.end(), one.begin(), one.end()); }

struct Section {
  std::string name;
  uint32_t type = SHT_PROGBITS;
  uint64_t flags = 0;
  Bytes data;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t entsize = 0;
};

struct Symbol {
  std::string name;
  uint8_t bind = STB_LOCAL;
  uint8_t type = STT_NOTYPE;
  uint16_t section = 0;
  uint64_t value = 0;
  uint64_t size = 0;
};

Bytes rel(uint64_t offset, uint32_t symbol, uint32_t type) {
  Bytes out;
  append(out, Elf64_Rel{offset, ELF64_R_INFO(symbol, type)});
  return out;
}

// Sections 1..n as given, then .symtab, .strtab, .shstrtab; locals must come first in
// `symbols` (symbol 0, the null symbol, is added here).
Bytes write_elf(std::vector<Section> sections, const std::vector<Symbol>& symbols) {
  const auto symtab_index = static_cast<uint32_t>(sections.size() + 1);
  Section symtab{".symtab", SHT_SYMTAB, 0, {}, symtab_index + 1, 1, sizeof(Elf64_Sym)};
  Section strtab{".strtab", SHT_STRTAB, 0, {0}, 0, 0, 0};
  append(symtab.data, Elf64_Sym{});
  for (const Symbol& symbol : symbols) {
    Elf64_Sym sym{};
    sym.st_name = static_cast<uint32_t>(strtab.data.size());
    strtab.data.insert(strtab.data.end(), symbol.name.begin(), symbol.name.end());
    strtab.data.push_back(0);
    sym.st_info = static_cast<unsigned char>(ELF64_ST_INFO(symbol.bind, symbol.type));
    sym.st_shndx = symbol.section;
    sym.st_value = symbol.value;
    sym.st_size = symbol.size;
    append(symtab.data, sym);
    if (symbol.bind == STB_LOCAL) ++symtab.info;
  }
  for (Section& section : sections)
    if (section.type == SHT_REL) section.link = symtab_index;
  sections.push_back(std::move(symtab));
  sections.push_back(std::move(strtab));
  sections.push_back(Section{".shstrtab", SHT_STRTAB, 0, {0}, 0, 0, 0});
  Section& shstrtab = sections.back();
  std::vector<uint32_t> names;
  for (const Section& section : sections) {
    names.push_back(static_cast<uint32_t>(shstrtab.data.size()));
    shstrtab.data.insert(shstrtab.data.end(), section.name.begin(), section.name.end());
    shstrtab.data.push_back(0);
  }

  Bytes out(sizeof(Elf64_Ehdr), 0);
  std::vector<uint64_t> offsets;
  for (const Section& section : sections) {
    while (out.size() % 8 != 0) out.push_back(0);
    offsets.push_back(out.size());
    out.insert(out.end(), section.data.begin(), section.data.end());
  }
  while (out.size() % 8 != 0) out.push_back(0);
  const uint64_t shoff = out.size();
  append(out, Elf64_Shdr{});
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    Elf64_Shdr header{};
    header.sh_name = names[i];
    header.sh_type = section.type;
    header.sh_flags = section.flags;
    header.sh_offset = offsets[i];
    header.sh_size = section.data.size();
    header.sh_link = section.link;
    header.sh_info = section.info;
    header.sh_addralign = section.type == SHT_STRTAB ? 1 : 8;
    header.sh_entsize = section.entsize;
    append(out, header);
  }
  Elf64_Ehdr ehdr{};
  std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
  ehdr.e_ident[EI_CLASS] = ELFCLASS64;
  ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
  ehdr.e_ident[EI_VERSION] = EV_CURRENT;
  ehdr.e_type = ET_REL;
  ehdr.e_machine = kEmBpf;
  ehdr.e_version = EV_CURRENT;
  ehdr.e_shoff = shoff;
  ehdr.e_ehsize = sizeof(Elf64_Ehdr);
  ehdr.e_shentsize = sizeof(Elf64_Shdr);
  ehdr.e_shnum = static_cast<uint16_t>(sections.size() + 1);
  ehdr.e_shstrndx = static_cast<uint16_t>(sections.size());
  std::memcpy(out.data(), &ehdr, sizeof(ehdr));
  return out;
}

}  // namespace

std::vector<std::byte> old_clang_object() {
  // Section indices: 1 .text, 2 xdp, 3 .relxdp, 4 maps, 5 license, 6 .eh_frame, 7 .rel.eh_frame.
  Bytes text;
  add(text, insn(0xb7, 0, 0, 0, 42));  // global_fn: r0 = 42
  add(text, insn(0x95, 0, 0, 0, 0));   //            exit
  add(text, insn(0xb7, 0, 0, 0, 7));   // second_fn: r0 = 7
  add(text, insn(0x95, 0, 0, 0, 0));   //            exit

  Bytes xdp;
  add(xdp, insn(0x85, 0, 1, 0, -1));   // 0: call global_fn (R_BPF_64_32 on the NOTYPE symbol)
  add(xdp, insn(0xbf, 6, 0, 0, 0));    // 1: r6 = r0
  add(xdp, insn(0x85, 0, 1, 0, 1));    // 2: call .text + (1 + 1) insns = second_fn
  add(xdp, insn(0x0f, 6, 0, 0, 0));    // 3: r6 += r0
  add(xdp, insn(0x62, 10, 0, -4, 0));  // 4: *(u32 *)(r10 - 4) = 0
  add(xdp, insn(0xbf, 2, 10, 0, 0));   // 5: r2 = r10
  add(xdp, insn(0x07, 2, 0, 0, -4));   // 6: r2 += -4
  add(xdp, insn(0x18, 1, 0, 0, 0));    // 7: r1 = counts (ld_imm64)
  add(xdp, insn(0x00, 0, 0, 0, 0));    // 8
  add(xdp, insn(0x85, 0, 0, 0, 1));    // 9: call bpf_map_lookup_elem
  add(xdp, insn(0x15, 0, 0, 1, 0));    // 10: if r0 == 0 goto LBB0_2
  add(xdp, insn(0x7b, 0, 6, 0, 0));    // 11: *(u64 *)(r0 + 0) = r6
  add(xdp, insn(0xb7, 0, 0, 0, 2));    // 12: LBB0_2: r0 = XDP_PASS
  add(xdp, insn(0x95, 0, 0, 0, 0));    // 13: exit

  // Symbols: locals first. 1 .text, 2 xdp, 3 LBB0_2, 4 second_fn, 5 global_fn, 6 xdp_prog,
  // 7 counts, 8 unused, 9 _license.
  Bytes relxdp;
  add(relxdp, rel(0 * 8, 5, kRel64_32));
  add(relxdp, rel(2 * 8, 1, kRel64_32));
  add(relxdp, rel(7 * 8, 7, kRel64_64));

  Bytes maps;
  for (uint32_t word : {2u, 4u, 8u, 1u, 0u}) append(maps, word);  // counts: array, key 4, value 8, 1 entry
  for (uint32_t word : {1u, 4u, 4u, 2u, 0u}) append(maps, word);  // unused: hash, key 4, value 4, 2 entries

  Bytes eh_frame(0x30, 0);
  Bytes rel_eh_frame;
  add(rel_eh_frame, rel(0x20, 1, kRel64_64));  // 64-bit data address of .text
  add(rel_eh_frame, rel(0x2c, 2, kRel64_32));  // 32-bit data: the old meaning of R_BPF_64_32

  std::vector<Section> sections = {
      {".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text},
      {"xdp", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, xdp},
      {".relxdp", SHT_REL, 0, relxdp, 0, 2, sizeof(Elf64_Rel)},
      {"maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, maps},
      {"license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, {'G', 'P', 'L', 0}},
      {".eh_frame", SHT_PROGBITS, SHF_ALLOC, eh_frame},
      {".rel.eh_frame", SHT_REL, 0, rel_eh_frame, 0, 6, sizeof(Elf64_Rel)},
  };
  const std::vector<Symbol> symbols = {
      {"", STB_LOCAL, STT_SECTION, 1, 0, 0},
      {"", STB_LOCAL, STT_SECTION, 2, 0, 0},
      {"LBB0_2", STB_LOCAL, STT_NOTYPE, 2, 12 * 8, 0},
      {"second_fn", STB_LOCAL, STT_NOTYPE, 1, 2 * 8, 0},
      {"global_fn", STB_GLOBAL, STT_NOTYPE, 1, 0, 0},
      {"xdp_prog", STB_GLOBAL, STT_NOTYPE, 2, 0, 0},
      {"counts", STB_GLOBAL, STT_NOTYPE, 4, 0, 0},
      {"unused", STB_GLOBAL, STT_NOTYPE, 4, 20, 0},
      {"_license", STB_GLOBAL, STT_OBJECT, 5, 0, 4},
  };
  const Bytes bytes = write_elf(std::move(sections), symbols);
  std::vector<std::byte> out(bytes.size());
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace bpfload::test
