// Test support for the map decoders: a tiny ELF writer for crafted objects and a
// helper that runs every decoder over a built object, without parse.cpp.
#pragma once

#include <bpf/btf.h>
#include <elf.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "elf_view.hpp"
#include "maps_decode.hpp"
#include "test_util.hpp"

namespace bpfload::test {

/// Writes a minimal ELF64 EM_BPF relocatable object: chosen sections, a symbol
/// table and optional REL sections, in either byte order.
class ElfWriter {
 public:
  explicit ElfWriter(ByteOrder order = ByteOrder::Little) : order_(order) {}

  /// Adds a section and returns its index (1-based; 0 is the null section).
  size_t add_section(std::string name, std::vector<std::byte> data, uint32_t type = SHT_PROGBITS,
                     uint64_t flags = SHF_ALLOC | SHF_WRITE) {
    sections_.push_back({std::move(name), std::move(data), type, flags, 0, 0, 0});
    return sections_.size();
  }
  /// Adds a symbol (index 1.. in order of the calls) and returns its index.
  size_t add_symbol(std::string name, size_t section, uint64_t value, uint64_t size, uint8_t type = STT_OBJECT,
                    uint8_t bind = STB_GLOBAL) {
    symbols_.push_back({std::move(name), section, value, size, type, bind});
    return symbols_.size();
  }
  /// Adds REL entries (offset, symbol index, type) applying to `target`.
  void add_relocations(size_t target, const std::vector<std::tuple<uint64_t, uint32_t, uint32_t>>& entries) {
    rels_.push_back({target, entries});
  }

  void put(std::vector<std::byte>& out, uint64_t value, size_t bytes) const {
    for (size_t i = 0; i < bytes; ++i) {
      const size_t shift = order_ == ByteOrder::Big ? 8 * (bytes - 1 - i) : 8 * i;
      out.push_back(std::byte((value >> shift) & 0xff));
    }
  }
  /// `words` as 32-bit values in the writer's byte order.
  std::vector<std::byte> words(const std::vector<uint32_t>& values) const {
    std::vector<std::byte> out;
    for (uint32_t v : values) put(out, v, 4);
    return out;
  }

  std::vector<std::byte> build() const {
    std::vector<Sec> all = sections_;
    // .symtab, .strtab, .rel*, .shstrtab after the caller's sections.
    std::vector<std::byte> strtab{std::byte{0}};
    std::vector<std::byte> symtab(24, std::byte{0});
    for (const Sym& s : symbols_) {
      const uint32_t name = static_cast<uint32_t>(strtab.size());
      for (char c : s.name) strtab.push_back(std::byte(c));
      strtab.push_back(std::byte{0});
      put(symtab, name, 4);
      symtab.push_back(std::byte((s.bind << 4) | s.type));
      symtab.push_back(std::byte{0});
      put(symtab, s.section, 2);
      put(symtab, s.value, 8);
      put(symtab, s.size, 8);
    }
    const size_t symtab_index = all.size() + 1;
    all.push_back({".symtab", symtab, SHT_SYMTAB, 0, symtab_index + 1, 1, 24});
    all.push_back({".strtab", strtab, SHT_STRTAB, 0, 0, 0, 0});
    for (const Rel& rel : rels_) {
      std::vector<std::byte> data;
      for (const auto& [offset, symbol, type] : rel.entries) {
        put(data, offset, 8);
        put(data, (uint64_t{symbol} << 32) | type, 8);
      }
      all.push_back({".rel" + sections_[rel.target - 1].name, data, SHT_REL, 0, symtab_index, rel.target, 16});
    }
    std::vector<std::byte> shstrtab{std::byte{0}};
    std::vector<uint32_t> names;
    all.push_back({".shstrtab", {}, SHT_STRTAB, 0, 0, 0, 0});
    for (const Sec& s : all) {
      names.push_back(static_cast<uint32_t>(shstrtab.size()));
      for (char c : s.name) shstrtab.push_back(std::byte(c));
      shstrtab.push_back(std::byte{0});
    }
    all.back().data = shstrtab;

    std::vector<std::byte> out;
    std::vector<uint64_t> offsets;
    out.resize(64);
    for (const Sec& s : all) {
      while (out.size() % 8 != 0) out.push_back(std::byte{0});
      offsets.push_back(out.size());
      if (s.type != SHT_NOBITS) out.insert(out.end(), s.data.begin(), s.data.end());
    }
    while (out.size() % 8 != 0) out.push_back(std::byte{0});
    const uint64_t shoff = out.size();
    std::vector<std::byte> header;
    const unsigned char ident[16] = {0x7f, 'E', 'L', 'F', ELFCLASS64,
                                     static_cast<unsigned char>(order_ == ByteOrder::Big ? ELFDATA2MSB : ELFDATA2LSB),
                                     EV_CURRENT};
    for (unsigned char c : ident) header.push_back(std::byte(c));
    put(header, ET_REL, 2);
    put(header, EM_BPF, 2);
    put(header, EV_CURRENT, 4);
    put(header, 0, 8);       // entry
    put(header, 0, 8);       // phoff
    put(header, shoff, 8);
    put(header, 0, 4);       // flags
    put(header, 64, 2);      // ehsize
    put(header, 0, 2);       // phentsize
    put(header, 0, 2);       // phnum
    put(header, 64, 2);      // shentsize
    put(header, all.size() + 1, 2);
    put(header, all.size(), 2);  // shstrndx: the last one
    std::copy(header.begin(), header.end(), out.begin());
    out.insert(out.end(), 64, std::byte{0});  // null section header
    for (size_t i = 0; i < all.size(); ++i) {
      const Sec& s = all[i];
      put(out, names[i], 4);
      put(out, s.type, 4);
      put(out, s.flags, 8);
      put(out, 0, 8);  // addr
      put(out, offsets[i], 8);
      put(out, s.data.size(), 8);
      put(out, s.link, 4);
      put(out, s.info, 4);
      put(out, 8, 8);  // addralign
      put(out, s.entsize, 8);
    }
    return out;
  }

 private:
  struct Sec {
    std::string name;
    std::vector<std::byte> data;
    uint32_t type;
    uint64_t flags;
    size_t link;
    size_t info;
    uint64_t entsize;
  };
  struct Sym {
    std::string name;
    size_t section;
    uint64_t value;
    uint64_t size;
    uint8_t type;
    uint8_t bind;
  };
  struct Rel {
    size_t target;
    std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> entries;
  };
  ByteOrder order_;
  std::vector<Sec> sections_;
  std::vector<Sym> symbols_;
  std::vector<Rel> rels_;
};

using BtfPtr = BtfHandle;

/// Opens `bytes` as a View, failing the test when it does not open.
inline std::optional<elf::View> open_view(const std::vector<std::byte>& bytes) {
  auto view = elf::View::open(bytes, ParseLimits{});
  EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().message);
  if (!view.ok()) return std::nullopt;
  return std::move(*view);
}

/// The object's .BTF parsed by libbpf, or null when absent.
inline BtfPtr parse_btf(const elf::View& view) {
  const elf::Section* section = view.section(".BTF");
  if (section == nullptr) return nullptr;
  return BtfPtr(btf__new(section->data.data(), static_cast<uint32_t>(section->data.size())));
}

/// Runs every map decoder over `view` in the order parse.cpp does.
inline Result<std::vector<MapSpec>> decode_all_maps(const elf::View& view, const ParseOptions& options = {}) {
  std::vector<MapSpec> maps;
  BtfPtr btf = parse_btf(view);
  for (const elf::Section& section : view.sections()) {
    if (section.name == "maps" || section.name.rfind("maps/", 0) == 0) {
      auto decoded = decode_legacy_maps(view, section, options);
      if (!decoded) return std::move(decoded).error();
      for (MapSpec& m : *decoded) maps.push_back(std::move(m));
    }
  }
  if (const elf::Section* section = view.section(".maps")) {
    auto decoded = decode_btf_maps(view, *section, btf.get(), options);
    if (!decoded) return std::move(decoded).error();
    for (MapSpec& m : *decoded) maps.push_back(std::move(m));
  }
  BPFLOAD_TRY(resolve_inner_maps(maps));
  annotate_legacy_map_btf(maps, btf.get());
  return maps;
}

/// The map named `name`, or null (with a test failure).
inline const MapSpec* find(const std::vector<MapSpec>& maps, const std::string& name) {
  for (const MapSpec& m : maps)
    if (m.name == name) return &m;
  ADD_FAILURE() << "no map " << name;
  return nullptr;
}

}  // namespace bpfload::test
