// A bounds-checked view of a BPF ELF object through libelf. No syscalls.
// Everything read from the file is checked before use: offset + size overflow first,
// then the end of the data, then entry sizes. Errors name the section and raw values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bpfload/parse_limits.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload::elf {

/// One section header with its validated contents.
struct Section {
  size_t index = 0;
  std::string name;
  uint32_t type = 0;      ///< SHT_*
  uint64_t flags = 0;     ///< SHF_*
  uint64_t size = 0;      ///< sh_size (for SHT_NOBITS, the size in memory)
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t entsize = 0;
  /// The section's bytes inside the object; empty for SHT_NOBITS. Always within bounds.
  std::span<const std::byte> data;

  [[nodiscard]] bool executable() const noexcept;
};

/// One symbol-table entry.
struct Symbol {
  size_t index = 0;
  std::string name;
  uint8_t bind = 0;     ///< STB_*
  uint8_t type = 0;     ///< STT_*
  uint8_t visibility = 0;  ///< STV_* (st_other's low two bits)
  uint16_t section = 0; ///< st_shndx (may be SHN_UNDEF/SHN_ABS/...)
  uint64_t value = 0;
  uint64_t size = 0;
};

/// One REL entry, applying to the section `Relocations::target_section`.
struct Relocation {
  uint64_t offset = 0;  ///< byte offset within the target section
  uint32_t symbol = 0;  ///< index into the symbol table (checked to be in range)
  uint32_t type = 0;    ///< R_BPF_*
};

/// All relocations for one section, from the SHT_REL section whose sh_info names it.
struct Relocations {
  size_t rel_section = 0;      ///< index of the .rel* section
  size_t target_section = 0;
  std::vector<Relocation> entries;
};

/// An opened object. Owns the bytes (one buffer, which libelf reads too); move-only.
class View {
 public:
  /// Validates the ELF header (ELF64, EM_BPF, REL), every section header, the symbol
  /// table and every REL section (offsets within their target, symbol indices in range).
  /// Copies `bytes` once. Fails with Malformed / Unsupported / LimitExceeded; never
  /// crashes on any input.
  [[nodiscard]] static Result<View> open(std::span<const std::byte> bytes, const ParseLimits& limits);
  /// As above, taking over `bytes` instead of copying them.
  [[nodiscard]] static Result<View> open(std::vector<std::byte>&& bytes, const ParseLimits& limits);

  View(View&&) noexcept;
  View& operator=(View&&) noexcept;
  ~View();

  [[nodiscard]] ByteOrder byte_order() const noexcept { return byte_order_; }
  [[nodiscard]] const std::vector<Section>& sections() const noexcept { return sections_; }
  /// The first section named `name`, or nullptr.
  [[nodiscard]] const Section* section(std::string_view name) const noexcept;
  [[nodiscard]] const std::vector<Symbol>& symbols() const noexcept { return symbols_; }
  /// Symbols defined in `section_index`, sorted by value then index (indexed once at open).
  [[nodiscard]] const std::vector<const Symbol*>& symbols_in(size_t section_index) const noexcept;
  /// Relocations applying to `section_index`, nullptr when it has none.
  [[nodiscard]] const Relocations* relocations_for(size_t section_index) const noexcept;

  /// Reads integers at `offset` of `data` in the object's byte order; the caller has
  /// checked the bounds (asserted).
  [[nodiscard]] uint16_t read_u16(std::span<const std::byte> data, size_t offset) const noexcept;
  [[nodiscard]] uint32_t read_u32(std::span<const std::byte> data, size_t offset) const noexcept;
  [[nodiscard]] uint64_t read_u64(std::span<const std::byte> data, size_t offset) const noexcept;

 private:
  View() = default;
  void build_indexes();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ByteOrder byte_order_ = ByteOrder::Little;
  std::vector<Section> sections_;
  std::vector<Symbol> symbols_;
  std::vector<Relocations> relocations_;
  std::vector<std::vector<const Symbol*>> symbols_by_section_;  ///< parallel to sections_
  std::vector<int64_t> relocations_by_section_;  ///< index into relocations_ per target section, -1 for none
  /// The first section of each name (views into sections_, whose elements never move).
  std::unordered_map<std::string_view, size_t> section_by_name_;
};

/// True when [offset, offset + size) lies within [0, limit), checking overflow first.
[[nodiscard]] constexpr bool range_fits(uint64_t offset, uint64_t size, uint64_t limit) noexcept {
  return offset <= limit && size <= limit - offset;
}

}  // namespace bpfload::elf
