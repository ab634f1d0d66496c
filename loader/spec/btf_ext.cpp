#include "btf_ext.hpp"

#include <bpf/btf.h>

#include <unordered_map>

#include <fmt/format.h>

namespace bpfload {
namespace {

constexpr uint16_t kMagic = 0xeB9F;
constexpr uint32_t kMinHeader = 24;  // magic..line_info_len
constexpr uint32_t kFuncRecord = 8;
constexpr uint32_t kLineRecord = 16;
constexpr uint32_t kCoreHeader = 32;  // + core_relo_off, core_relo_len
constexpr uint32_t kCoreRecord = 16;

Error malformed(std::string message) {
  return make_error(ErrorKind::Malformed, fmt::format(".BTF.ext: {}", message));
}

// One info subsection: u32 rec_size, then per ELF section {u32 sec_name_off, u32 num_info,
// num_info records}. `emit(section, record_bytes)` receives each record, `section`
// the index of its name in `sections` (added on first sight).
template <typename Emit>
Status walk_subsection(const elf::View& view, std::span<const std::byte> data, std::string_view what,
                       uint32_t min_record, const struct btf* btf, std::vector<std::string>& sections,
                       std::unordered_map<uint32_t, uint32_t>& section_by_name_off, Emit emit) {
  if (data.empty()) return {};
  if (data.size() < 4) return malformed(fmt::format("{}: {} bytes, too short for rec_size", what, data.size()));
  const uint32_t record_size = view.read_u32(data, 0);
  if (record_size < min_record || record_size % 4 != 0)
    return malformed(fmt::format("{}: record size {} (need at least {})", what, record_size, min_record));
  uint64_t offset = 4;
  while (offset < data.size()) {
    if (!elf::range_fits(offset, 8, data.size()))
      return malformed(fmt::format("{}: truncated section header at 0x{:x}", what, offset));
    const uint32_t name_off = view.read_u32(data, offset);
    const uint32_t count = view.read_u32(data, offset + 4);
    offset += 8;
    const char* name = btf__name_by_offset(btf, name_off);
    if (name == nullptr)
      return malformed(fmt::format("{}: section name offset 0x{:x} outside the BTF strings", what, name_off));
    if (!elf::range_fits(offset, uint64_t{count} * record_size, data.size()))
      return malformed(fmt::format("{}: {} records of {} bytes for '{}' at 0x{:x} run past the end (0x{:x})", what,
                                   count, record_size, name, offset, data.size()));
    auto [known, added] = section_by_name_off.try_emplace(name_off, static_cast<uint32_t>(sections.size()));
    if (added) sections.emplace_back(name);
    const uint32_t section = known->second;
    for (uint32_t i = 0; i < count; ++i) {
      emit(section, data.subspan(offset, record_size));
      offset += record_size;
    }
  }
  return {};
}

// The [off, off+len) part after the header, checked.
Result<std::span<const std::byte>> subsection(std::span<const std::byte> after_header, uint32_t off, uint32_t len,
                                              std::string_view what) {
  if (!elf::range_fits(off, len, after_header.size()))
    return malformed(fmt::format("{} at 0x{:x} size 0x{:x} outside the section (0x{:x} bytes after the header)", what,
                                 off, len, after_header.size()));
  return after_header.subspan(off, len);
}

}  // namespace

Result<BtfExt> decode_btf_ext(const elf::View& view, const elf::Section& section, const struct btf* btf) {
  const std::span<const std::byte> data = section.data;
  if (data.size() < kMinHeader) return malformed(fmt::format("{} bytes, too short for the header", data.size()));
  if (view.read_u16(data, 0) != kMagic)
    return malformed(fmt::format("bad magic 0x{:04x}", view.read_u16(data, 0)));
  const uint32_t header_len = view.read_u32(data, 4);
  if (header_len < kMinHeader || header_len > data.size())
    return malformed(fmt::format("header length {} (section is {} bytes)", header_len, data.size()));
  const auto rest = data.subspan(header_len);
  auto funcs = subsection(rest, view.read_u32(data, 8), view.read_u32(data, 12), "func_info");
  if (!funcs) return std::move(funcs).error();
  auto lines = subsection(rest, view.read_u32(data, 16), view.read_u32(data, 20), "line_info");
  if (!lines) return std::move(lines).error();
  std::span<const std::byte> core_relos;
  if (header_len >= kCoreHeader) {
    auto core = subsection(rest, view.read_u32(data, 24), view.read_u32(data, 28), "core_relo");
    if (!core) return std::move(core).error();
    core_relos = *core;
  }

  BtfExt ext;
  std::unordered_map<uint32_t, uint32_t> by_name_off;
  // Two names at different offsets may still be equal strings; the caller indexes by
  // name, so that only costs a duplicate entry in `sections`.
  BPFLOAD_TRY(walk_subsection(view, *funcs, "func_info", kFuncRecord, btf, ext.sections, by_name_off,
                              [&](uint32_t section, std::span<const std::byte> record) {
                                ext.func_info.push_back({section, view.read_u32(record, 0), view.read_u32(record, 4)});
                              }));
  BPFLOAD_TRY(walk_subsection(view, *lines, "line_info", kLineRecord, btf, ext.sections, by_name_off,
                              [&](uint32_t section, std::span<const std::byte> record) {
                                ext.line_info.push_back({section, view.read_u32(record, 0), view.read_u32(record, 4),
                                                         view.read_u32(record, 8), view.read_u32(record, 12)});
                              }));
  BPFLOAD_TRY(walk_subsection(view, core_relos, "core_relo", kCoreRecord, btf, ext.sections, by_name_off,
                              [&](uint32_t section, std::span<const std::byte> record) {
                                ext.core_relos.push_back({section, view.read_u32(record, 0), view.read_u32(record, 4),
                                                          view.read_u32(record, 8), view.read_u32(record, 12)});
                              }));
  return ext;
}

}  // namespace bpfload
