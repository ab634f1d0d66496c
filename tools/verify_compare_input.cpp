#include "verify_compare_input.hpp"

#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "bpfload/parse.hpp"
#include <nlohmann/json.hpp>

namespace bpfload::cli {
namespace {

// RFC 4180: fields separated by commas, quoted fields may hold commas, quotes ("") and
// newlines. A quote that is never closed would swallow the rest of the file into one
// field, so it is refused, naming the line where it opened.
Result<std::vector<std::vector<std::string>>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  size_t line = 1;
  size_t quote_line = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_line = line;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted)
    return make_error(ErrorKind::Malformed,
                      fmt::format("line {}: a quoted field opens here and is never closed", quote_line));
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<uint64_t> csv_number(std::string_view text, size_t line, std::string_view column) {
  // "8+16": a stack depth per subprogram; "-": none.
  if (text.empty() || text == "-") return uint64_t{0};
  uint64_t total = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('+', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = text.substr(start, end - start);
    uint64_t value = 0;
    const auto [stop, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || stop != part.data() + part.size())
      return make_error(ErrorKind::Malformed,
                        fmt::format("line {}: column '{}' is '{}', not a number", line, column, text));
    total += value;
    start = end + 1;
  }
  return total;
}

enum class Column { File, Name, Section, Verdict, Processed, TotalStates, PeakStates, MaxStates, MarkRead,
                    Duration, Stack, Insns, Xlated, Jited, Verified };

const std::map<std::string, Column, std::less<>> kColumns = {
    {"file", Column::File}, {"file_name", Column::File},
    {"program", Column::Name}, {"prog_name", Column::Name}, {"name", Column::Name},
    {"section", Column::Section}, {"verdict", Column::Verdict},
    {"insns_processed", Column::Processed}, {"total_insns", Column::Processed},
    {"total_states", Column::TotalStates}, {"states", Column::TotalStates},
    {"peak_states", Column::PeakStates}, {"max_states_per_insn", Column::MaxStates},
    {"mark_read", Column::MarkRead}, {"verification_time_usec", Column::Duration},
    {"duration", Column::Duration}, {"time_usec", Column::Duration},
    {"stack_depth", Column::Stack}, {"stack", Column::Stack},
    {"insns", Column::Insns}, {"xlated_size", Column::Xlated}, {"jited_size", Column::Jited},
    {"verified_insns", Column::Verified},
};

Status apply_field(Column column, const std::string& value, size_t line, const std::string& header, RunEntry& entry) {
  ProgramResult& r = entry.report.result;
  if (column == Column::File) {
    entry.file = value;
    return {};
  }
  if (column == Column::Name) {
    r.name = value;
    return {};
  }
  if (column == Column::Section) {
    r.section = value;
    return {};
  }
  if (column == Column::Verdict) {
    if (value == "accepted" || value == "success") {
      r.loaded = true;
    } else if (value == "unsupported") {
      r.unsupported = true;
    } else if (value != "rejected" && value != "failure") {
      return make_error(ErrorKind::Malformed,
                        fmt::format("line {}: verdict '{}' is not accepted/rejected/unsupported (or veristat's "
                                    "success/failure)", line, value));
    }
    return {};
  }
  auto number = csv_number(value, line, header);
  if (!number) return std::move(number).error();
  const auto n32 = static_cast<uint32_t>(*number);
  r.stats.present = true;
  switch (column) {
    case Column::Processed: r.stats.insns_processed = n32; break;
    case Column::TotalStates: r.stats.total_states = n32; break;
    case Column::PeakStates: r.stats.peak_states = n32; break;
    case Column::MaxStates: r.stats.max_states_per_insn = n32; break;
    case Column::MarkRead: r.stats.mark_read = n32; break;
    case Column::Duration: r.stats.verification_time_usec = *number; break;
    case Column::Stack: r.stats.stack_depth = {n32}; break;
    case Column::Insns: r.insns = n32; break;
    case Column::Xlated: r.xlated_size = n32; break;
    case Column::Jited: r.jited_size = n32; break;
    case Column::Verified: r.verified_insns = n32; break;
    default: break;
  }
  return {};
}

Result<std::vector<RunEntry>> read_json_run(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return make_error(ErrorKind::Malformed, "not JSON");
  auto reports = reports_from_json(doc);
  if (!reports) return std::move(reports).error();
  const nlohmann::json* programs = doc.is_object() ? &doc["programs"] : &doc;
  std::string default_file;
  if (doc.is_object() && doc.contains("file") && doc["file"].is_string()) default_file = doc["file"];
  std::vector<RunEntry> entries;
  for (size_t i = 0; i < reports->size(); ++i) {
    RunEntry entry{default_file, std::move((*reports)[i])};
    const nlohmann::json& program = (*programs)[i];
    if (program.contains("file") && program["file"].is_string()) entry.file = program["file"];
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

Result<std::vector<RunEntry>> read_verify_csv(std::string_view text) {
  Result<std::vector<std::vector<std::string>>> parsed = csv_rows(text);
  if (!parsed.ok()) return std::move(parsed).error();
  const std::vector<std::vector<std::string>>& rows = *parsed;
  if (rows.empty()) return make_error(ErrorKind::Malformed, "empty CSV: expected a header line");
  std::vector<std::optional<Column>> columns;
  bool has_name = false;
  for (const std::string& header : rows[0]) {
    auto it = kColumns.find(header);
    columns.push_back(it == kColumns.end() ? std::nullopt : std::optional<Column>(it->second));
    has_name |= it != kColumns.end() && it->second == Column::Name;
  }
  if (!has_name)
    return make_error(ErrorKind::Malformed,
                      "CSV header has no 'program' (or veristat's 'prog_name') column");
  std::vector<RunEntry> entries;
  for (size_t r = 1; r < rows.size(); ++r) {
    RunEntry entry;
    for (size_t c = 0; c < rows[r].size() && c < columns.size(); ++c) {
      if (!columns[c]) continue;
      if (auto applied = apply_field(*columns[c], rows[r][c], r + 1, rows[0][c], entry); !applied)
        return std::move(applied).error();
    }
    if (entry.report.result.name.empty())
      return make_error(ErrorKind::Malformed, fmt::format("line {}: no program name", r + 1));
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::vector<RunEntry>> read_verify_run(const std::string& path) {
  // Bounded and non-blocking like an object: /dev/zero or a FIFO is refused, not read.
  // `verify --json` of 4096 programs with full logs stays far below 256 MiB.
  auto bytes = read_input_file(path, size_t{256} << 20);
  if (!bytes) return std::move(bytes).error().with_context("verify --compare");
  const std::string text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool is_json = first != std::string::npos && (text[first] == '{' || text[first] == '[');
  auto entries = is_json ? read_json_run(text) : read_verify_csv(text);
  if (!entries)
    return entries.error().with_context(
        fmt::format("{} (expected `bpfload verify --json` or `--csv` output)", path));
  return entries;
}

}  // namespace bpfload::cli
