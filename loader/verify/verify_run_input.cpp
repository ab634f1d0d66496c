#include "verify_run_input.hpp"

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"

namespace bpfload {
namespace {

// A value from the run quoted in a message: a field can be megabytes long, and a
// message names it, it does not repeat it. (The CLI escapes control bytes when it prints.)
std::string shown(std::string_view text) {
  constexpr size_t kShown = 64;
  if (text.size() <= kShown) return std::string(text);
  return fmt::format("{}... ({} bytes)", text.substr(0, kShown), text.size());
}

// RFC 4180, one row at a time: fields separated by commas, quoted fields may hold
// commas, quotes ("") and newlines. A quote that is never closed would swallow the rest
// of the file into one field, so it is refused, naming the line where it opened.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  /// The next non-empty row into `fields`; false at the end.
  Result<bool> next(std::vector<std::string>& fields) {
    fields.clear();
    std::string field;
    bool quoted = false;
    bool any = false;
    size_t quote_line = 0;
    for (; at_ < text_.size(); ++at_) {
      const char c = text_[at_];
      if (c == '\n') ++line_;
      if (quoted) {
        if (c == '"' && at_ + 1 < text_.size() && text_[at_ + 1] == '"') {
          field += '"';
          ++at_;
        } else if (c == '"') {
          quoted = false;
        } else {
          field += c;
        }
        continue;
      }
      if (c == '"') {
        quoted = true;
        quote_line = line_;
        any = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        any = true;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n') ++at_;
        ++at_;
        if (c == '\r') ++line_;
        if (any || !field.empty()) {
          fields.push_back(std::move(field));
          row_line_ = line_ - 1;
          return true;
        }
        fields.clear();
        any = false;
        --at_;  // the loop's ++at_
        continue;
      } else {
        field += c;
        any = true;
      }
    }
    if (quoted)
      return make_error(ErrorKind::Malformed,
                        fmt::format("line {}: a quoted field opens here and is never closed", quote_line));
    if (any || !field.empty()) {
      fields.push_back(std::move(field));
      row_line_ = line_;
      return true;
    }
    return false;
  }

  /// The line the last row ended on.
  [[nodiscard]] size_t line() const { return row_line_; }

 private:
  std::string_view text_;
  size_t at_ = 0;
  size_t line_ = 1;
  size_t row_line_ = 0;
};

// One decimal number without sign, at most `high`; "8+16" (a stack depth per subprogram)
// is summed, "-" and "" are 0.
Result<int64_t> csv_number(std::string_view text, size_t line, std::string_view column, uint64_t high) {
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::Malformed, fmt::format("line {}: column '{}' is '{}', {}", line, column,
                                                        shown(text), why));
  };
  if (text.empty() || text == "-") return int64_t{0};
  uint64_t total = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('+', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = text.substr(start, end - start);
    uint64_t value = 0;
    const auto [stop, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec == std::errc::result_out_of_range) return bad(fmt::format("over {}", high));
    if (part.empty() || ec != std::errc() || stop != part.data() + part.size()) return bad("not a number");
    if (value > high || total > high - value) return bad(fmt::format("over {}", high));
    total += value;
    start = end + 1;
  }
  return static_cast<int64_t>(total);
}

enum class Column { File, Name, Section, Verdict, Stat };

struct ColumnSpec {
  Column column;
  std::string_view stat;  ///< for Column::Stat: one of compared_stat_names()
};

const std::map<std::string, ColumnSpec, std::less<>> kColumns = {
    {"file", {Column::File, {}}}, {"file_name", {Column::File, {}}},
    {"program", {Column::Name, {}}}, {"prog_name", {Column::Name, {}}}, {"name", {Column::Name, {}}},
    {"section", {Column::Section, {}}}, {"verdict", {Column::Verdict, {}}},
    {"insns_processed", {Column::Stat, "insns_processed"}}, {"total_insns", {Column::Stat, "insns_processed"}},
    {"total_states", {Column::Stat, "total_states"}}, {"states", {Column::Stat, "total_states"}},
    {"peak_states", {Column::Stat, "peak_states"}}, {"max_states_per_insn", {Column::Stat, "max_states_per_insn"}},
    {"mark_read", {Column::Stat, "mark_read"}}, {"verification_time_usec", {Column::Stat, "verification_time_usec"}},
    {"duration", {Column::Stat, "verification_time_usec"}}, {"time_usec", {Column::Stat, "verification_time_usec"}},
    {"stack_depth", {Column::Stat, "stack_depth"}}, {"stack", {Column::Stat, "stack_depth"}},
    {"insns", {Column::Stat, "insns"}}, {"xlated_size", {Column::Stat, "xlated_size"}},
    {"jited_size", {Column::Stat, "jited_size"}}, {"verified_insns", {Column::Stat, "verified_insns"}},
};

// What the kernel reports in 32 bits; the rest are 64-bit.
uint64_t column_limit(std::string_view stat) {
  const bool wide = stat == "verification_time_usec" || stat == "stack_depth" || stat == "insns_processed" ||
                    stat == "total_states" || stat == "peak_states" || stat == "max_states_per_insn" ||
                    stat == "mark_read";
  return wide ? static_cast<uint64_t>(INT64_MAX) : UINT32_MAX;
}

Status apply_field(const ColumnSpec& spec, std::string& value, size_t line, const std::string& header,
                   RunEntry& entry) {
  ComparedProgram& program = entry.program;
  switch (spec.column) {
    case Column::File:
      entry.file = std::move(value);
      return {};
    case Column::Name:
      program.name = std::move(value);
      return {};
    case Column::Section:
      return {};
    case Column::Verdict:
      if (value == "accepted" || value == "success") {
        program.verdict = Verdict::Accepted;
      } else if (value == "unsupported") {
        program.verdict = Verdict::Unsupported;
      } else if (value == "rejected" || value == "failure") {
        program.verdict = Verdict::Rejected;
      } else {
        return make_error(ErrorKind::Malformed,
                          fmt::format("line {}: verdict '{}' is not accepted/rejected/unsupported (or veristat's "
                                      "success/failure)",
                                      line, shown(value)));
      }
      return {};
    case Column::Stat:
      break;
  }
  Result<int64_t> number = csv_number(value, line, header, column_limit(spec.stat));
  if (!number) return std::move(number).error();
  program.values[*compared_stat_index(spec.stat)] = *number;
  return {};
}

Error too_many_programs() {
  return make_error(ErrorKind::LimitExceeded,
                    fmt::format("more than {} programs in one run; compare the run in parts (by object)",
                                kMaxRunPrograms));
}

}  // namespace

Result<std::vector<RunEntry>> read_verify_csv(std::string_view text) {
  CsvReader reader(text);
  std::vector<std::string> headers;
  Result<bool> has_header = reader.next(headers);
  if (!has_header.ok()) return std::move(has_header).error();
  if (!*has_header) return make_error(ErrorKind::Malformed, "empty CSV: expected a header line");
  std::vector<std::optional<ColumnSpec>> columns;
  bool has_name = false;
  for (const std::string& header : headers) {
    auto it = kColumns.find(header);
    columns.push_back(it == kColumns.end() ? std::nullopt : std::optional<ColumnSpec>(it->second));
    has_name |= it != kColumns.end() && it->second.column == Column::Name;
  }
  if (!has_name)
    return make_error(ErrorKind::Malformed, "CSV header has no 'program' (or veristat's 'prog_name') column");
  std::vector<RunEntry> entries;
  std::vector<std::string> fields;
  for (;;) {
    Result<bool> row = reader.next(fields);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    if (entries.size() == kMaxRunPrograms) return too_many_programs();
    RunEntry entry;
    for (size_t c = 0; c < fields.size() && c < columns.size(); ++c) {
      if (!columns[c]) continue;
      if (auto applied = apply_field(*columns[c], fields[c], reader.line(), headers[c], entry); !applied)
        return std::move(applied).error();
    }
    if (entry.program.name.empty())
      return make_error(ErrorKind::Malformed, fmt::format("line {}: no program name", reader.line()));
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::vector<RunEntry>> read_verify_json(std::string_view text) {
  // The parser builds the document iteratively; what is dropped here never exists: a
  // level past kMaxRunJsonDepth (walking it would recurse that deep), and the logs and
  // source costs a comparison does not read.
  bool too_deep = false;
  const nlohmann::json::parser_callback_t keep = [&](int depth, nlohmann::json::parse_event_t event,
                                                     nlohmann::json& parsed) {
    if (depth > kMaxRunJsonDepth) {
      too_deep = true;
      return false;
    }
    if (event == nlohmann::json::parse_event_t::key && parsed.is_string()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (depth >= 2 && (key == "log" || key == "costs")) return false;
    }
    return true;
  };
  const nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), keep, false);
  if (too_deep)
    return make_error(ErrorKind::Malformed, fmt::format("JSON nested deeper than {} levels", kMaxRunJsonDepth));
  if (doc.is_discarded()) return make_error(ErrorKind::Malformed, "not JSON");
  const nlohmann::json* programs = &doc;
  std::string default_file;
  if (doc.is_object()) {
    auto it = doc.find("programs");
    if (it == doc.end()) return make_error(ErrorKind::Malformed, "report document has no key 'programs'");
    programs = &*it;
    auto schema = doc.find("schema");
    if (schema != doc.end() && (!schema->is_string() || schema->get<std::string>() != "bpfload-verify/1"))
      return make_error(ErrorKind::Malformed, "unknown report schema (expected \"bpfload-verify/1\")");
    if (auto file = doc.find("file"); file != doc.end() && file->is_string()) default_file = *file;
  }
  if (!programs->is_array()) return make_error(ErrorKind::Malformed, "reports are not a JSON array");
  if (programs->size() > kMaxRunPrograms) return too_many_programs();
  std::vector<RunEntry> entries;
  entries.reserve(programs->size());
  size_t index = 0;
  for (const nlohmann::json& object : *programs) {
    Result<ComparedProgram> program = compared_program_from_json(object);
    if (!program.ok()) return std::move(program).error().with_context(fmt::format("report #{}", index));
    RunEntry entry{default_file, std::move(program).value()};
    if (auto file = object.find("file"); file != object.end() && file->is_string()) entry.file = *file;
    entries.push_back(std::move(entry));
    ++index;
  }
  return entries;
}

Result<std::vector<RunEntry>> read_verify_run(const std::string& path) {
  // Bounded and non-blocking like an object: /dev/zero or a FIFO is refused, not read.
  // `verify --json` of 4096 programs with full logs stays far below 256 MiB.
  auto bytes = read_input_file(path, size_t{256} << 20);
  if (!bytes) return std::move(bytes).error().with_context("verify --compare");
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool is_json = first != std::string::npos && (text[first] == '{' || text[first] == '[');
  auto entries = is_json ? read_verify_json(text) : read_verify_csv(text);
  if (!entries)
    return entries.error().with_context(
        fmt::format("{} (expected `bpfload verify --json` or `--csv` output)", path));
  return entries;
}

}  // namespace bpfload
