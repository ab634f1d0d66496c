// /proc/kallsyms, streamed through the Kernel seam: only the symbols an object's untyped
// ksyms name are kept.
#include "bpfload/kallsyms.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernel_errors.hpp"

namespace bpfload {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view printable(std::string_view line) {
  return line.substr(0, 80);  // enough to recognise, never a megabyte in a message
}

// One "ADDRESS TYPE NAME[\t[module]]" line.
Status parse_line(std::string_view line, size_t number, const std::set<std::string>& wanted, KernelSymbols& out) {
  const auto bad = [&](const char* why) {
    return make_error(ErrorKind::Malformed, fmt::format("{} line {}: {} ('{}'); expected 'ADDRESS TYPE NAME'",
                                                        out.origin, number, why, printable(line)));
  };
  if (line.size() > kMaxKallsymsLine) return bad("longer than 4096 bytes");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return {};
  uint64_t address = 0;
  const auto [after_address, error] = std::from_chars(line.data(), line.data() + line.size(), address, 16);
  if (error == std::errc::result_out_of_range) return bad("the address is wider than 64 bits");
  if (error != std::errc() || after_address == line.data()) return bad("no hexadecimal address");
  std::string_view rest = line.substr(static_cast<size_t>(after_address - line.data()));
  if (rest.size() < 3 || !is_blank(rest[0]) || is_blank(rest[1]) || !is_blank(rest[2]))
    return bad("no one-letter symbol type after the address");
  const char type = rest[1];
  rest.remove_prefix(3);
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  size_t end = 0;
  while (end < rest.size() && !is_blank(rest[end])) ++end;
  std::string_view name = rest.substr(0, end);
  if (name.empty()) return bad("no symbol name");
  // clang renames static data it promotes across units "name.llvm.NNN"; libbpf matches them.
  if (type == 'd') {
    const size_t suffix = name.find(".llvm.");
    if (suffix != std::string_view::npos) name = name.substr(0, suffix);
  }
  const auto it = wanted.find(std::string(name));
  if (it == wanted.end()) return {};
  const auto [known, inserted] = out.addresses.emplace(*it, address);
  if (!inserted && known->second != address)
    return make_error(ErrorKind::Malformed,
                      fmt::format("{} line {}: symbol '{}' is listed at 0x{:x} and at 0x{:x}: which one a ksym "
                                  "means is ambiguous",
                                  out.origin, number, *it, known->second, address));
  return {};
}

}  // namespace

Status parse_kallsyms(std::string_view text, const std::set<std::string>& wanted, KernelSymbols& out,
                      size_t first_line) {
  size_t number = first_line;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    BPFLOAD_TRY(parse_line(text.substr(0, end), number, wanted, out));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    ++number;
  }
  return {};
}

Result<KernelSymbols> read_kallsyms(Kernel& kernel, const std::set<std::string>& wanted, const std::string& path,
                                    uint64_t max_bytes) {
  KernelSymbols symbols;
  symbols.origin = path;
  // Chunks split into lines; a line longer than kMaxKallsymsLine is refused, so memory is
  // the chunk, one line and the wanted symbols, whatever the file holds (NULs, no newline).
  std::string line;
  size_t number = 0;
  Status read = kernel.read_file_chunks(path, max_bytes, [&](std::span<const std::byte> bytes) -> Status {
    const char* chunk = reinterpret_cast<const char*>(bytes.data());
    const size_t got = bytes.size();
    for (size_t at = 0; at < got;) {
      const void* newline = std::memchr(chunk + at, '\n', got - at);
      const size_t end = newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - chunk) : got;
      if (line.size() + (end - at) > kMaxKallsymsLine)
        return make_error(ErrorKind::Malformed,
                          fmt::format("{} line {}: longer than {} bytes; not a kallsyms file", path, number + 1,
                                      kMaxKallsymsLine));
      line.append(chunk + at, end - at);
      at = end;
      if (newline == nullptr) break;
      ++at;
      ++number;
      BPFLOAD_TRY(parse_kallsyms(line, wanted, symbols, number));
      line.clear();
    }
    return {};
  });
  if (!read.ok()) {
    Error error = std::move(read).error();
    if (error.kind == ErrorKind::LimitExceeded)
      error.message = fmt::format("'{}' is larger than {} bytes: not a kallsyms file", path, max_bytes);
    else if (error.kind == ErrorKind::Io)
      error = error.with_context("read kallsyms for untyped ksyms");
    return error;
  }
  if (!line.empty()) BPFLOAD_TRY(parse_kallsyms(line, wanted, symbols, number + 1));
  return symbols;
}

}  // namespace bpfload
