// Aligned plain-text tables and CSV for row-per-item reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bpfload::cli {

/// A table: a header row and data rows, all cells already formatted.
struct TextTable {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  /// Per row, an SGR colour code applied to the whole row when colouring ("" for none).
  std::vector<std::string> row_colors;
};

/// Prints `table` with columns padded to their widest cell (by bytes outside escape codes).
/// When `width` is not 0 (the terminal's columns) and a row would be wider, it is cut
/// to `width` and ends in "..." (rows only get that wide through their last, text, column).
void print_table(const TextTable& table, bool color, size_t width = 0);

/// `text` with each tab replaced by spaces up to the next multiple of 8 columns, so
/// source lines align in tables and logs.
[[nodiscard]] std::string expand_tabs(std::string_view text);

/// Prints `table` as RFC 4180 CSV (quoted where needed), header first.
void print_csv(const TextTable& table);

}  // namespace bpfload::cli
