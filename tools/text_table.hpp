// Aligned plain-text tables and CSV for row-per-item reports.
#pragma once

#include <string>
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
void print_table(const TextTable& table, bool color);

/// Prints `table` as RFC 4180 CSV (quoted where needed), header first.
void print_csv(const TextTable& table);

}  // namespace bpfload::cli
