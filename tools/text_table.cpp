#include "text_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli_output.hpp"

namespace bpfload::cli {
namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void print_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths,
               const std::string& color_code, bool color) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) line += "  ";
    // The last column is not padded, so lines carry no trailing blanks.
    line += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}", cells[i], widths[i]);
  }
  fmt::print("{}\n", color_code.empty() ? line : colored(line, color_code, color));
}

}  // namespace

void print_table(const TextTable& table, bool color) {
  std::vector<size_t> widths(table.headers.size(), 0);
  for (size_t i = 0; i < table.headers.size(); ++i) widths[i] = table.headers[i].size();
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  print_row(table.headers, widths, "1", color);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string code = r < table.row_colors.size() ? table.row_colors[r] : std::string();
    print_row(table.rows[r], widths, code, color);
  }
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
