#include "text_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli_output.hpp"

namespace bpfload::cli {
namespace {

// Cells hold names from objects and compare files: escaped (escape_for_terminal) in both
// formats, so neither can carry terminal control sequences.
std::string csv_field(const std::string& raw) {
  const std::string text = escape_for_terminal(raw);
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

constexpr std::string_view kCut = "...";

void print_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths,
               const std::string& color_code, bool color, size_t width) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) line += "  ";
    // The last column is not padded, so lines carry no trailing blanks.
    const std::string cell = escape_for_terminal(cells[i]);
    line += i + 1 == cells.size() ? cell : fmt::format("{:<{}}", cell, widths[i]);
  }
  if (width > kCut.size() && line.size() > width) line = line.substr(0, width - kCut.size()) + std::string(kCut);
  fmt::print("{}\n", color_code.empty() ? line : colored(line, color_code, color));
}

}  // namespace

void print_table(const TextTable& table, bool color, size_t width) {
  std::vector<size_t> widths(table.headers.size(), 0);
  for (size_t i = 0; i < table.headers.size(); ++i) widths[i] = table.headers[i].size();
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], escape_for_terminal(row[i]).size());
  }
  print_row(table.headers, widths, "1", color, width);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string code = r < table.row_colors.size() ? table.row_colors[r] : std::string();
    print_row(table.rows[r], widths, code, color, width);
  }
}

std::string expand_tabs(std::string_view text) {
  std::string out;
  size_t column = 0;
  for (char c : text) {
    if (c == '\t') {
      const size_t spaces = 8 - column % 8;
      out.append(spaces, ' ');
      column += spaces;
      continue;
    }
    out += c;
    column = c == '\n' ? 0 : column + 1;
  }
  return out;
}

void print_csv(const TextTable& table) {
  auto print_line = [](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i != 0) line += ',';
      line += csv_field(cells[i]);
    }
    fmt::print("{}\n", line);
  };
  print_line(table.headers);
  for (const auto& row : table.rows) print_line(row);
}

}  // namespace bpfload::cli
