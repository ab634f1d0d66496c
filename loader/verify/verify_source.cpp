// Source lines of a laid-out program's instructions, from the line info the layout
// rebased: the same indices the verifier log prints. Strings come from the spec's
// parsed BTF; nothing here links or parses again.
#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include "bpfload/link.hpp"
#include "bpfload/verify.hpp"

namespace bpfload {

SourceLineTable source_line_table(const ObjectSpec& spec, const ProgramLayout& layout) {
  SourceLineTable table;
  if (spec.btf == nullptr) return table;
  const ParsedBtf& btf = *spec.btf;

  std::vector<bpf_line_info> records = layout.line_info;
  std::stable_sort(records.begin(), records.end(),
                   [](const bpf_line_info& a, const bpf_line_info& b) { return a.insn_off < b.insn_off; });

  // clang marks compiler-made instructions with line 0 ("no source line"); they belong
  // to the statement before them, as a debugger would show it.
  const std::vector<InsnOrigin>& origins = layout.origins;
  const size_t insn_count = layout.insns.size();
  bool owners_known = origins.size() == insn_count;
  auto same_function = [&](uint32_t a, uint32_t b) {
    return !owners_known ||
           (a < origins.size() && b < origins.size() && origins[a].function == origins[b].function);
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
  table.insn_to_line.assign(insn_count, -1);
  for (size_t i = 0; i < records.size(); ++i) {
    const bpf_line_info& record = records[i];
    if (record.insn_off >= insn_count) continue;
    auto key = std::make_tuple(record.file_name_off, record.line_off, record.line_col);
    auto [it, inserted] = seen.try_emplace(key, static_cast<int32_t>(table.lines.size()));
    if (inserted) {
      SourceLine line;
      line.file = std::string(btf.string_at(record.file_name_off));
      line.text = std::string(btf.string_at(record.line_off));
      line.line = record.line_col >> 10;
      line.column = record.line_col & 0x3ff;
      table.lines.push_back(std::move(line));
    }
    size_t end = i + 1 < records.size() ? std::min<size_t>(records[i + 1].insn_off, insn_count)
                                        : insn_count;
    // Nor past its function: a subprogram without a record of its own stays unknown.
    for (size_t insn = record.insn_off; insn < end; ++insn) {
      if (owners_known && origins[insn].function != origins[record.insn_off].function) break;
      table.insn_to_line[insn] = it->second;
    }
  }
  return table;
}

std::optional<SourceLine> source_line_for(const ObjectSpec& spec, const ProgramLayout& layout, uint32_t insn) {
  const SourceLineTable table = source_line_table(spec, layout);
  const SourceLine* line = table.find(insn);
  if (line == nullptr) return std::nullopt;
  return *line;
}

}  // namespace bpfload
