#include "elf_binary.hpp"

#include <elf.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>
#include <cerrno>

#include <fmt/format.h>

namespace bpfload::elf {
namespace {

constexpr bool fits(uint64_t offset, uint64_t size, uint64_t limit) noexcept {
  return offset <= limit && size <= limit - offset;
}

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }

/// Reads the fields of an ELF64 file in its byte order; every read is bounds-checked by
/// the caller through fits().
class Reader {
 public:
  explicit Reader(std::span<const std::byte> file) : file_(file) {}

  [[nodiscard]] Status check_header() {
    if (file_.size() < sizeof(Elf64_Ehdr) || std::memcmp(file_.data(), ELFMAG, SELFMAG) != 0)
      return malformed(fmt::format("not an ELF file ({} bytes)", file_.size()));
    const auto elf_class = static_cast<uint8_t>(file_[EI_CLASS]);
    if (elf_class == ELFCLASS32) return make_error(ErrorKind::Unsupported, "32-bit ELF files are not supported");
    if (elf_class != ELFCLASS64) return malformed(fmt::format("invalid ELF class 0x{:x}", elf_class));
    const auto encoding = static_cast<uint8_t>(file_[EI_DATA]);
    if (encoding != ELFDATA2LSB && encoding != ELFDATA2MSB)
      return malformed(fmt::format("invalid ELF data encoding 0x{:x}", encoding));
    big_ = encoding == ELFDATA2MSB;
    return {};
  }

  [[nodiscard]] uint64_t at(uint64_t offset, size_t width) const {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
      const auto byte = static_cast<uint64_t>(file_[offset + i]);
      value |= big_ ? byte << (8 * (width - 1 - i)) : byte << (8 * i);
    }
    return value;
  }

  [[nodiscard]] uint64_t header(size_t field_offset, size_t width) const { return at(field_offset, width); }
  [[nodiscard]] std::span<const std::byte> file() const noexcept { return file_; }

 private:
  std::span<const std::byte> file_;
  bool big_ = false;
};

struct SectionHeader {
  uint32_t name = 0;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint64_t entsize = 0;
};

struct Sections {
  std::vector<SectionHeader> headers;
  size_t names_index = 0;
};

Result<Sections> read_sections(const Reader& reader) {
  const uint64_t shoff = reader.header(offsetof(Elf64_Ehdr, e_shoff), 8);
  const uint64_t shnum = reader.header(offsetof(Elf64_Ehdr, e_shnum), 2);
  const uint64_t shentsize = reader.header(offsetof(Elf64_Ehdr, e_shentsize), 2);
  const uint64_t shstrndx = reader.header(offsetof(Elf64_Ehdr, e_shstrndx), 2);
  const uint64_t size = reader.file().size();
  if (shnum == 0) return malformed("the file has no section headers");
  if (shentsize != sizeof(Elf64_Shdr))
    return malformed(fmt::format("section header size {} is not {}", shentsize, sizeof(Elf64_Shdr)));
  if (shoff > size || shnum > (size - shoff) / shentsize)
    return malformed(fmt::format("{} section headers at 0x{:x} lie past the end of the file ({} bytes)", shnum, shoff,
                                 size));
  if (shstrndx >= shnum) return malformed(fmt::format("section name table index {} >= {} sections", shstrndx, shnum));
  Sections sections;
  sections.names_index = shstrndx;
  for (uint64_t i = 0; i < shnum; ++i) {
    const uint64_t base = shoff + i * shentsize;
    SectionHeader header;
    header.name = static_cast<uint32_t>(reader.at(base + offsetof(Elf64_Shdr, sh_name), 4));
    header.type = static_cast<uint32_t>(reader.at(base + offsetof(Elf64_Shdr, sh_type), 4));
    header.flags = reader.at(base + offsetof(Elf64_Shdr, sh_flags), 8);
    header.offset = reader.at(base + offsetof(Elf64_Shdr, sh_offset), 8);
    header.size = reader.at(base + offsetof(Elf64_Shdr, sh_size), 8);
    header.link = static_cast<uint32_t>(reader.at(base + offsetof(Elf64_Shdr, sh_link), 4));
    header.entsize = reader.at(base + offsetof(Elf64_Shdr, sh_entsize), 8);
    if (header.type != SHT_NOBITS && header.type != SHT_NULL && !fits(header.offset, header.size, size))
      return malformed(fmt::format("section {} (offset 0x{:x}, size 0x{:x}) lies past the end of the file", i,
                                   header.offset, header.size));
    sections.headers.push_back(header);
  }
  return sections;
}

std::span<const std::byte> contents(const Reader& reader, const SectionHeader& header) {
  if (header.type == SHT_NOBITS || header.type == SHT_NULL) return {};
  return reader.file().subspan(header.offset, header.size);
}

/// The NUL-terminated string at `offset` of string table `table`; nullopt when out of it.
std::optional<std::string_view> string_at(std::span<const std::byte> table, uint64_t offset) {
  if (offset >= table.size()) return std::nullopt;
  const char* begin = reinterpret_cast<const char*>(table.data()) + offset;
  const void* end = std::memchr(begin, '\0', table.size() - offset);
  if (end == nullptr) return std::nullopt;
  return std::string_view(begin, static_cast<size_t>(static_cast<const char*>(end) - begin));
}

std::optional<uint64_t> function_address(const Reader& reader, const Sections& sections, std::string_view symbol) {
  for (const SectionHeader& table : sections.headers) {
    if (table.type != SHT_SYMTAB && table.type != SHT_DYNSYM) continue;
    if (table.entsize != sizeof(Elf64_Sym) || table.link >= sections.headers.size()) continue;
    const std::span<const std::byte> symbols = contents(reader, table);
    const std::span<const std::byte> strings = contents(reader, sections.headers[table.link]);
    const uint64_t base = table.offset;
    for (uint64_t i = 0; i < symbols.size() / sizeof(Elf64_Sym); ++i) {
      const uint64_t entry = base + i * sizeof(Elf64_Sym);
      const auto info = static_cast<uint8_t>(reader.at(entry + offsetof(Elf64_Sym, st_info), 1));
      const uint64_t value = reader.at(entry + offsetof(Elf64_Sym, st_value), 8);
      if (ELF64_ST_TYPE(info) != STT_FUNC || value == 0) continue;
      const auto name = string_at(strings, reader.at(entry + offsetof(Elf64_Sym, st_name), 4));
      if (name && *name == symbol) return value;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::span<const std::byte>> binary_section(std::span<const std::byte> file, std::string_view name) {
  Reader reader(file);
  BPFLOAD_TRY(reader.check_header());
  Result<Sections> sections = read_sections(reader);
  if (!sections.ok()) return std::move(sections).error();
  const std::span<const std::byte> names = contents(reader, sections->headers[sections->names_index]);
  for (const SectionHeader& header : sections->headers) {
    const auto section_name = string_at(names, header.name);
    if (section_name && *section_name == name) return contents(reader, header);
  }
  return make_error(ErrorKind::NotFound, fmt::format("no section '{}'", name));
}

Result<uint64_t> function_file_offset(std::span<const std::byte> file, std::string_view symbol) {
  Reader reader(file);
  BPFLOAD_TRY(reader.check_header());
  Result<Sections> sections = read_sections(reader);
  if (!sections.ok()) return std::move(sections).error();
  const std::optional<uint64_t> address = function_address(reader, *sections, symbol);
  if (!address) return make_error(ErrorKind::NotFound, fmt::format("no function '{}'", symbol), ENOENT);
  const uint64_t phoff = reader.header(offsetof(Elf64_Ehdr, e_phoff), 8);
  const uint64_t phnum = reader.header(offsetof(Elf64_Ehdr, e_phnum), 2);
  const uint64_t phentsize = reader.header(offsetof(Elf64_Ehdr, e_phentsize), 2);
  if (phnum != 0 && (phentsize != sizeof(Elf64_Phdr) || phoff > file.size() ||
                     phnum > (file.size() - phoff) / sizeof(Elf64_Phdr)))
    return malformed(fmt::format("{} program headers at 0x{:x} lie past the end of the file", phnum, phoff));
  for (uint64_t i = 0; i < phnum; ++i) {
    const uint64_t base = phoff + i * sizeof(Elf64_Phdr);
    const uint64_t type = reader.at(base + offsetof(Elf64_Phdr, p_type), 4);
    const uint64_t flags = reader.at(base + offsetof(Elf64_Phdr, p_flags), 4);
    if (type != PT_LOAD || (flags & PF_X) == 0) continue;
    const uint64_t vaddr = reader.at(base + offsetof(Elf64_Phdr, p_vaddr), 8);
    const uint64_t memsz = reader.at(base + offsetof(Elf64_Phdr, p_memsz), 8);
    const uint64_t offset = reader.at(base + offsetof(Elf64_Phdr, p_offset), 8);
    if (*address >= vaddr && *address - vaddr < memsz) return *address - vaddr + offset;
  }
  return malformed(fmt::format("function '{}' is at 0x{:x}, outside every executable segment", symbol, *address));
}

}  // namespace bpfload::elf
