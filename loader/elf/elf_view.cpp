#include "elf_view.hpp"

#include <cassert>
#include <cstddef>
#include <cstring>
#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

namespace bpfload::elf {
namespace {

constexpr uint64_t kSymEntrySize = sizeof(Elf64_Sym);
constexpr uint64_t kRelEntrySize = sizeof(Elf64_Rel);

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }

// Integers of the ELF header before libelf is involved: we check the header and the
// section header table ourselves so libelf never sees offsets we have not bounded.
uint64_t read_raw(std::span<const std::byte> data, size_t offset, size_t width, bool big_endian) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    const auto byte = static_cast<uint64_t>(data[offset + i]);
    value |= big_endian ? byte << (8 * (width - 1 - i)) : byte << (8 * i);
  }
  return value;
}

// RAII for the libelf handle used only while opening.
struct ElfHandle {
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf != nullptr) elf_end(elf);
  }
};

struct HeaderFacts {
  ByteOrder order = ByteOrder::Little;
  uint64_t shoff = 0;
  uint64_t shnum = 0;
  uint64_t shstrndx = 0;
};

Result<HeaderFacts> check_header(std::span<const std::byte> bytes, const ParseLimits& limits) {
  if (bytes.empty()) return malformed("empty input: not an ELF object");
  if (bytes.size() > limits.max_object_bytes)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("object of {} bytes exceeds the limit of {} bytes", bytes.size(),
                                  limits.max_object_bytes));
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
    return malformed(fmt::format("not an ELF object ({} bytes, no ELF magic)", bytes.size()));
  const auto elf_class = static_cast<uint8_t>(bytes[EI_CLASS]);
  if (elf_class == ELFCLASS32) return make_error(ErrorKind::Unsupported, "ELFCLASS32 object: BPF objects are ELF64");
  if (elf_class != ELFCLASS64)
    return malformed(fmt::format("invalid ELF class 0x{:x}", elf_class));
  const auto data_encoding = static_cast<uint8_t>(bytes[EI_DATA]);
  if (data_encoding != ELFDATA2LSB && data_encoding != ELFDATA2MSB)
    return malformed(fmt::format("invalid ELF data encoding 0x{:x}", data_encoding));
  if (bytes.size() < sizeof(Elf64_Ehdr))
    return malformed(fmt::format("truncated ELF header: {} bytes, need {}", bytes.size(), sizeof(Elf64_Ehdr)));

  const bool big = data_encoding == ELFDATA2MSB;
  HeaderFacts facts;
  facts.order = big ? ByteOrder::Big : ByteOrder::Little;
  const auto field = [&](size_t offset, size_t width) { return read_raw(bytes, offset, width, big); };
  const uint64_t type = field(offsetof(Elf64_Ehdr, e_type), 2);
  const uint64_t machine = field(offsetof(Elf64_Ehdr, e_machine), 2);
  if (machine != EM_BPF)
    return make_error(ErrorKind::Unsupported, fmt::format("e_machine {} is not EM_BPF ({}): this is not a BPF object; compile it with clang -target bpf (e.g. clang -target bpf -O2 -g -c prog.c -o prog.o)", machine, EM_BPF));
  if (type != ET_REL)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("e_type {} is not ET_REL: only relocatable objects are loaded", type));
  facts.shoff = field(offsetof(Elf64_Ehdr, e_shoff), 8);
  facts.shnum = field(offsetof(Elf64_Ehdr, e_shnum), 2);
  facts.shstrndx = field(offsetof(Elf64_Ehdr, e_shstrndx), 2);
  const uint64_t shentsize = field(offsetof(Elf64_Ehdr, e_shentsize), 2);
  if (facts.shnum == 0 || facts.shoff == 0)
    return malformed("object has no section headers (e_shnum 0; extended numbering is not supported)");
  if (facts.shnum > limits.max_sections)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("{} sections exceed the limit of {}", facts.shnum, limits.max_sections));
  if (shentsize != sizeof(Elf64_Shdr))
    return malformed(fmt::format("e_shentsize {} is not {}", shentsize, sizeof(Elf64_Shdr)));
  // shnum < 2^16 and entsize is 64, so the product cannot overflow.
  if (!range_fits(facts.shoff, facts.shnum * shentsize, bytes.size()))
    return malformed(fmt::format("section header table at 0x{:x} ({} entries) extends past the end (0x{:x})",
                                 facts.shoff, facts.shnum, bytes.size()));
  if (facts.shstrndx == SHN_UNDEF || facts.shstrndx >= facts.shnum)
    return malformed(fmt::format("e_shstrndx {} out of range ({} sections)", facts.shstrndx, facts.shnum));
  return facts;
}

// Reads a NUL-terminated name at `offset` of a string table, or fails.
Result<std::string> string_at(std::span<const std::byte> table, uint64_t offset, std::string_view what) {
  if (offset >= table.size())
    return malformed(fmt::format("{}: name offset 0x{:x} outside its string table (size 0x{:x})", what, offset,
                                 table.size()));
  const auto* begin = reinterpret_cast<const char*>(table.data()) + offset;
  const size_t room = table.size() - offset;
  const void* nul = std::memchr(begin, 0, room);
  if (nul == nullptr)
    return malformed(fmt::format("{}: name at 0x{:x} is not NUL-terminated within its string table", what, offset));
  return std::string(begin, static_cast<const char*>(nul));
}

// Entry-table checks in the documented order: overflow and end of data were done for the
// section itself; here entsize, then size % entsize.
Status check_entries(const Section& section, uint64_t entry_size) {
  if (section.entsize != entry_size)
    return malformed(fmt::format("section {} '{}': sh_entsize {} is not {}", section.index, section.name,
                                 section.entsize, entry_size));
  if (section.size % entry_size != 0)
    return malformed(fmt::format("section {} '{}': size 0x{:x} is not a multiple of {}", section.index,
                                 section.name, section.size, entry_size));
  return {};
}

}  // namespace

bool Section::executable() const noexcept { return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0; }

struct View::Impl {
  std::vector<std::byte> bytes;  ///< the only copy; every Section::data and libelf point in here
};

View::View(View&&) noexcept = default;
View& View::operator=(View&&) noexcept = default;
View::~View() = default;

Result<View> View::open(std::span<const std::byte> input, const ParseLimits& limits) {
  // Refuse what is not an object, or too large, before copying it.
  auto header = check_header(input, limits);
  if (!header) return std::move(header).error();
  return open(std::vector<std::byte>(input.begin(), input.end()), limits);
}

Result<View> View::open(std::vector<std::byte>&& input, const ParseLimits& limits) {
  auto header = check_header(input, limits);
  if (!header) return std::move(header).error();

  View view;
  view.impl_ = std::make_unique<Impl>();
  view.impl_->bytes = std::move(input);
  view.byte_order_ = header->order;
  const std::span<const std::byte> bytes(view.impl_->bytes);
  const bool big = header->order == ByteOrder::Big;

  // libelf reads the same buffer: only section headers are taken from it (converted
  // into its own memory when the byte order is foreign); symbols and relocations are
  // decoded here from the bounds-checked bytes, so the buffer is never written.
  static const unsigned version_ok = elf_version(EV_CURRENT);
  (void)version_ok;
  ElfHandle handle;
  handle.elf = elf_memory(reinterpret_cast<char*>(view.impl_->bytes.data()), view.impl_->bytes.size());
  if (handle.elf == nullptr || elf_kind(handle.elf) != ELF_K_ELF)
    return malformed(fmt::format("libelf cannot read the object: {}", elf_errmsg(-1) ? elf_errmsg(-1) : "?"));
  size_t libelf_shnum = 0;
  if (elf_getshdrnum(handle.elf, &libelf_shnum) != 0 || libelf_shnum != header->shnum)
    return malformed(fmt::format("libelf sees {} sections, the header says {}", libelf_shnum, header->shnum));

  // Pass 1: headers only, no data access through libelf.
  std::vector<GElf_Shdr> headers(header->shnum);
  for (size_t i = 0; i < header->shnum; ++i) {
    Elf_Scn* scn = elf_getscn(handle.elf, i);
    if (scn == nullptr || gelf_getshdr(scn, &headers[i]) == nullptr)
      return malformed(fmt::format("section {}: unreadable section header", i));
  }
  const auto range_error = [&](size_t i, std::string_view name) -> std::optional<Error> {
    const GElf_Shdr& shdr = headers[i];
    if (shdr.sh_type == SHT_NULL || shdr.sh_type == SHT_NOBITS) return std::nullopt;
    if (range_fits(shdr.sh_offset, shdr.sh_size, bytes.size())) return std::nullopt;
    const bool overflow = shdr.sh_offset + shdr.sh_size < shdr.sh_offset;
    return malformed(fmt::format("section {} '{}': sh_offset 0x{:x} + sh_size 0x{:x} {} (object is 0x{:x} bytes)", i,
                                 name, shdr.sh_offset, shdr.sh_size, overflow ? "overflows" : "is past the end",
                                 bytes.size()));
  };
  // The section-name table first, so every later message can name its section.
  const GElf_Shdr& names_header = headers[header->shstrndx];
  if (names_header.sh_type != SHT_STRTAB)
    return malformed(fmt::format("section {} (e_shstrndx) is not a string table", header->shstrndx));
  if (auto error = range_error(header->shstrndx, "(the section-name table)")) return *error;
  const auto names = bytes.subspan(names_header.sh_offset, names_header.sh_size);
  for (size_t i = 0; i < header->shnum; ++i) {
    const GElf_Shdr& shdr = headers[i];
    Section section;
    section.index = i;
    section.type = shdr.sh_type;
    section.flags = shdr.sh_flags;
    section.size = shdr.sh_size;
    section.link = shdr.sh_link;
    section.info = shdr.sh_info;
    section.entsize = shdr.sh_entsize;
    if (i != 0) {
      auto name = string_at(names, shdr.sh_name, fmt::format("section {}", i));
      if (!name) return std::move(name).error();
      section.name = std::move(*name);
    }
    if (auto error = range_error(i, section.name)) return *error;
    if (shdr.sh_type != SHT_NULL && shdr.sh_type != SHT_NOBITS) section.data = bytes.subspan(shdr.sh_offset, shdr.sh_size);
    view.sections_.push_back(std::move(section));
  }

  // Index fields that are section indices for symbol and relocation tables.
  const Section* symtab = nullptr;
  for (const Section& section : view.sections_) {
    if (section.type != SHT_SYMTAB && section.type != SHT_REL) continue;
    if (section.link == 0 || section.link >= view.sections_.size())
      return malformed(fmt::format("section {} '{}': sh_link {} out of range ({} sections)", section.index,
                                   section.name, section.link, view.sections_.size()));
    if (section.type == SHT_REL && (section.info == 0 || section.info >= view.sections_.size()))
      return malformed(fmt::format("section {} '{}': sh_info {} out of range ({} sections)", section.index,
                                   section.name, section.info, view.sections_.size()));
    if (section.type == SHT_SYMTAB) {
      if (symtab != nullptr)
        return malformed(fmt::format("section {} '{}': a second symbol table", section.index, section.name));
      symtab = &section;
    }
  }

  if (symtab != nullptr) {
    BPFLOAD_TRY(check_entries(*symtab, kSymEntrySize));
    const Section& strtab = view.sections_[symtab->link];
    if (strtab.type != SHT_STRTAB)
      return malformed(fmt::format("section {} '{}': sh_link {} is not a string table", symtab->index,
                                   symtab->name, symtab->link));
    const uint64_t count = symtab->size / kSymEntrySize;
    if (count > limits.max_symbols)
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format("{} symbols exceed the limit of {}", count, limits.max_symbols));
    view.symbols_.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const size_t at = i * kSymEntrySize;
      GElf_Sym sym{};
      sym.st_name = static_cast<uint32_t>(read_raw(symtab->data, at, 4, big));
      sym.st_info = static_cast<unsigned char>(symtab->data[at + 4]);
      sym.st_shndx = static_cast<uint16_t>(read_raw(symtab->data, at + 6, 2, big));
      sym.st_value = read_raw(symtab->data, at + 8, 8, big);
      sym.st_size = read_raw(symtab->data, at + 16, 8, big);
      Symbol symbol;
      symbol.index = i;
      symbol.bind = GELF_ST_BIND(sym.st_info);
      symbol.type = GELF_ST_TYPE(sym.st_info);
      symbol.visibility = GELF_ST_VISIBILITY(static_cast<unsigned char>(symtab->data[at + 5]));
      symbol.section = sym.st_shndx;
      symbol.value = sym.st_value;
      symbol.size = sym.st_size;
      if (sym.st_shndx == SHN_XINDEX)
        return make_error(ErrorKind::Unsupported, fmt::format("symbol {}: extended section index (SHN_XINDEX)", i));
      if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE && sym.st_shndx >= view.sections_.size())
        return malformed(fmt::format("symbol {}: st_shndx {} out of range ({} sections)", i, sym.st_shndx,
                                     view.sections_.size()));
      auto name = string_at(strtab.data, sym.st_name, fmt::format("symbol {} in '{}'", i, symtab->name));
      if (!name) return std::move(name).error();
      symbol.name = std::move(*name);
      // A section symbol has no name of its own: name it after its section for messages.
      if (symbol.type == STT_SECTION && symbol.name.empty() && symbol.section < view.sections_.size())
        symbol.name = view.sections_[symbol.section].name;
      view.symbols_.push_back(std::move(symbol));
    }
  }

  size_t total_relocations = 0;
  for (const Section& section : view.sections_) {
    if (section.type != SHT_REL) continue;
    if (symtab == nullptr || section.link != symtab->index)
      return malformed(fmt::format("section {} '{}': sh_link {} is not the symbol table", section.index,
                                   section.name, section.link));
    BPFLOAD_TRY(check_entries(section, kRelEntrySize));
    const Section& target = view.sections_[section.info];
    const uint64_t count = section.size / kRelEntrySize;
    total_relocations += count;
    if (total_relocations > limits.max_relocations)
      return make_error(ErrorKind::LimitExceeded, fmt::format("section '{}': relocations exceed the limit of {}",
                                                              section.name, limits.max_relocations));
    Relocations relocations;
    relocations.rel_section = section.index;
    relocations.target_section = target.index;
    relocations.entries.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      GElf_Rel rel{};
      rel.r_offset = read_raw(section.data, i * kRelEntrySize, 8, big);
      rel.r_info = read_raw(section.data, i * kRelEntrySize + 8, 8, big);
      Relocation entry;
      entry.offset = rel.r_offset;
      entry.symbol = static_cast<uint32_t>(GELF_R_SYM(rel.r_info));
      entry.type = static_cast<uint32_t>(GELF_R_TYPE(rel.r_info));
      if (entry.offset >= target.size)
        return malformed(fmt::format("section '{}': relocation #{} offset 0x{:x} outside '{}' (size 0x{:x})",
                                     section.name, i, entry.offset, target.name, target.size));
      if (entry.symbol >= view.symbols_.size())
        return malformed(fmt::format("section '{}': relocation #{} at offset 0x{:x}: symbol index {} out of range "
                                     "({} symbols)",
                                     section.name, i, entry.offset, entry.symbol, view.symbols_.size()));
      relocations.entries.push_back(entry);
    }
    view.relocations_.push_back(std::move(relocations));
  }
  view.build_indexes();
  return view;
}

// Lookups by section are answered from these, so no caller scans all symbols or all
// relocation tables per question (objects with 10^5 functions ask 10^5 questions).
void View::build_indexes() {
  section_by_name_.reserve(sections_.size());
  for (size_t i = 0; i < sections_.size(); ++i) section_by_name_.try_emplace(sections_[i].name, i);
  symbols_by_section_.assign(sections_.size(), {});
  for (const Symbol& symbol : symbols_)
    if (symbol.section != SHN_UNDEF && symbol.section < sections_.size())
      symbols_by_section_[symbol.section].push_back(&symbol);
  for (std::vector<const Symbol*>& in_section : symbols_by_section_)
    std::stable_sort(in_section.begin(), in_section.end(), [](const Symbol* a, const Symbol* b) {
      return a->value != b->value ? a->value < b->value : a->index < b->index;
    });
  relocations_by_section_.assign(sections_.size(), -1);
  // The first REL section for a target wins, as the linear search it replaces did.
  for (size_t r = relocations_.size(); r-- > 0;)
    relocations_by_section_[relocations_[r].target_section] = static_cast<int64_t>(r);
}

const Section* View::section(std::string_view name) const noexcept {
  const auto found = section_by_name_.find(name);
  return found == section_by_name_.end() ? nullptr : &sections_[found->second];
}

const std::vector<const Symbol*>& View::symbols_in(size_t section_index) const noexcept {
  static const std::vector<const Symbol*> kNone;
  if (section_index == SHN_UNDEF || section_index >= symbols_by_section_.size()) return kNone;
  return symbols_by_section_[section_index];
}

const Relocations* View::relocations_for(size_t section_index) const noexcept {
  if (section_index >= relocations_by_section_.size() || relocations_by_section_[section_index] < 0) return nullptr;
  return &relocations_[static_cast<size_t>(relocations_by_section_[section_index])];
}

uint16_t View::read_u16(std::span<const std::byte> data, size_t offset) const noexcept {
  assert(range_fits(offset, 2, data.size()));
  return static_cast<uint16_t>(read_raw(data, offset, 2, byte_order_ == ByteOrder::Big));
}

uint32_t View::read_u32(std::span<const std::byte> data, size_t offset) const noexcept {
  assert(range_fits(offset, 4, data.size()));
  return static_cast<uint32_t>(read_raw(data, offset, 4, byte_order_ == ByteOrder::Big));
}

uint64_t View::read_u64(std::span<const std::byte> data, size_t offset) const noexcept {
  assert(range_fits(offset, 8, data.size()));
  return read_raw(data, offset, 8, byte_order_ == ByteOrder::Big);
}

}  // namespace bpfload::elf
