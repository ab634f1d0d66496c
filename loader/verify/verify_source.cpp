// Source lines of a linked program's instructions, from the line info the linker
// rebased: the same indices the verifier log prints.
#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "bpfload/link.hpp"
#include "bpfload/verify.hpp"

namespace bpfload {
namespace {

constexpr uint16_t kBtfMagic = 0xeB9F;
// Any positive value: the linker writes it into ld_imm64 and nothing ever loads it.
constexpr int kPlaceholderFd = 0x7ffe;

/// The string section of raw BTF in host byte order; empty when the header is unusable.
std::string_view btf_strings(const std::vector<std::byte>& btf) {
  struct Header {
    uint16_t magic;
    uint8_t version;
    uint8_t flags;
    uint32_t hdr_len;
    uint32_t type_off;
    uint32_t type_len;
    uint32_t str_off;
    uint32_t str_len;
  } header{};
  if (btf.size() < sizeof(header)) return {};
  std::memcpy(&header, btf.data(), sizeof(header));
  if (header.magic != kBtfMagic) return {};
  uint64_t start = uint64_t{header.hdr_len} + header.str_off;
  if (start > btf.size() || header.str_len > btf.size() - start) return {};
  return {reinterpret_cast<const char*>(btf.data()) + start, header.str_len};
}

std::string string_at(std::string_view strings, uint32_t offset) {
  if (offset >= strings.size()) return {};
  std::string_view rest = strings.substr(offset);
  return std::string(rest.substr(0, rest.find('\0')));
}

}  // namespace

const SourceLine* SourceLineTable::find(uint32_t insn) const {
  if (insn >= insn_to_line.size()) return nullptr;
  int32_t index = insn_to_line[insn];
  if (index < 0 || static_cast<size_t>(index) >= lines.size()) return nullptr;
  return &lines[static_cast<size_t>(index)];
}

Result<SourceLineTable> source_line_table(const ObjectSpec& spec, size_t program) {
  if (program >= spec.programs.size())
    return make_error(ErrorKind::NotFound,
                      fmt::format("program index {} out of range ({} programs)", program, spec.programs.size()));
  SourceLineTable table;
  std::string_view strings = btf_strings(spec.btf);
  if (strings.empty()) return table;

  MapHandles handles;
  handles.maps.assign(spec.maps.size(), kPlaceholderFd);
  handles.data_sections.assign(spec.data_sections.size(), kPlaceholderFd);
  auto linked = link_program(spec, program, handles);
  if (!linked.ok())
    return std::move(linked).error().with_context(
        fmt::format("source lines of program '{}'", spec.programs[program].name));

  std::vector<bpf_line_info> records = linked->line_info;
  std::stable_sort(records.begin(), records.end(),
                   [](const bpf_line_info& a, const bpf_line_info& b) { return a.insn_off < b.insn_off; });

  // clang marks compiler-made instructions with line 0 ("no source line"); they belong
  // to the statement before them, as a debugger would show it.
  const std::vector<uint32_t>& owner = linked->insn_function;
  bool owners_known = owner.size() == linked->insns.size();
  auto same_function = [&](uint32_t a, uint32_t b) {
    return !owners_known || (a < owner.size() && b < owner.size() && owner[a] == owner[b]);
  };
  std::vector<bpf_line_info> meaningful;
  for (const bpf_line_info& record : records) {
    bool no_line = (record.line_col >> 10) == 0;
    if (no_line && !meaningful.empty() && same_function(meaningful.back().insn_off, record.insn_off)) continue;
    meaningful.push_back(record);
  }
  records = std::move(meaningful);

  // Each record covers its instruction up to the next record.
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, int32_t> seen;
  table.insn_to_line.assign(linked->insns.size(), -1);
  for (size_t i = 0; i < records.size(); ++i) {
    const bpf_line_info& record = records[i];
    if (record.insn_off >= linked->insns.size()) continue;
    auto key = std::make_tuple(record.file_name_off, record.line_off, record.line_col);
    auto [it, inserted] = seen.try_emplace(key, static_cast<int32_t>(table.lines.size()));
    if (inserted) {
      SourceLine line;
      line.file = string_at(strings, record.file_name_off);
      line.text = string_at(strings, record.line_off);
      line.line = record.line_col >> 10;
      line.column = record.line_col & 0x3ff;
      table.lines.push_back(std::move(line));
    }
    size_t end = i + 1 < records.size() ? std::min<size_t>(records[i + 1].insn_off, linked->insns.size())
                                        : linked->insns.size();
    // Nor past its function: a subprogram without a record of its own stays unknown.
    for (size_t insn = record.insn_off; insn < end; ++insn) {
      if (owners_known && owner[insn] != owner[record.insn_off]) break;
      table.insn_to_line[insn] = it->second;
    }
  }
  return table;
}

std::optional<SourceLine> source_line_for(const ObjectSpec& spec, size_t program, uint32_t insn) {
  auto table = source_line_table(spec, program);
  if (!table.ok()) return std::nullopt;
  const SourceLine* line = table->find(insn);
  if (line == nullptr) return std::nullopt;
  return *line;
}

}  // namespace bpfload
