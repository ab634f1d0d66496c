// The file offset of a function in an ELF binary: its symbol's address mapped through the
// PT_LOAD segment that holds it (what the uprobe PMU wants).
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

std::optional<uint64_t> symbol_address(Elf* elf, const std::string& symbol) {
  Elf_Scn* section = nullptr;
  while ((section = elf_nextscn(elf, section)) != nullptr) {
    GElf_Shdr header {};
    if (gelf_getshdr(section, &header) == nullptr) continue;
    if (header.sh_type != SHT_SYMTAB && header.sh_type != SHT_DYNSYM) continue;
    if (header.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(section, nullptr);
    if (data == nullptr) continue;
    const size_t count = header.sh_size / header.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym {};
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0) continue;
      const char* name = elf_strptr(elf, header.sh_link, sym.st_name);
      if (name != nullptr && symbol == name) return sym.st_value;
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> file_offset(Elf* elf, uint64_t address) {
  size_t count = 0;
  if (elf_getphdrnum(elf, &count) != 0) return std::nullopt;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr {};
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr) continue;
    if (phdr.p_type != PT_LOAD || (phdr.p_flags & PF_X) == 0) continue;
    if (address >= phdr.p_vaddr && address - phdr.p_vaddr < phdr.p_memsz) {
      return address - phdr.p_vaddr + phdr.p_offset;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<uint64_t> uprobe_offset(const std::string& binary, const std::string& symbol) {
  const int fd = ::open(binary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                      fmt::format("uprobe: cannot open binary '{}': {}", binary, std::strerror(err)), err);
  }
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    if (elf != nullptr) elf_end(elf);
    ::close(fd);
    return make_error(ErrorKind::InvalidArgument, fmt::format("uprobe: '{}' is not an ELF binary", binary));
  }
  const auto address = symbol_address(elf, symbol);
  const auto offset = address ? file_offset(elf, *address) : std::nullopt;
  elf_end(elf);
  ::close(fd);
  if (!address) {
    return make_error(ErrorKind::NotFound,
                      fmt::format("uprobe: no function '{}' in '{}' (see 'nm -D {}')", symbol, binary, binary),
                      ENOENT);
  }
  if (!offset) {
    return make_error(ErrorKind::Malformed,
                      fmt::format("uprobe: function '{}' in '{}' is at {:#x}, outside every executable segment",
                                  symbol, binary, *address));
  }
  return *offset;
}

}  // namespace bpfload
