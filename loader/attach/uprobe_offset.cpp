// The file offset of a function in an ELF binary, for uprobes: the binary read through the
// Kernel seam's one file reader, its symbol found and mapped through the PT_LOAD segment
// that holds it by the bounds-checked reader of the elf layer.
#include <cerrno>

#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "elf_binary.hpp"

namespace bpfload {
namespace {

/// Shared libraries and executables worth probing are far smaller; the bound only stops
/// a path that names something else.
constexpr uint64_t kMaxBinaryBytes = uint64_t{1} << 30;

}  // namespace

Result<uint64_t> uprobe_offset(Kernel& kernel, const std::string& binary, const std::string& symbol) {
  Result<std::vector<std::byte>> bytes = kernel.read_file(binary, kMaxBinaryBytes);
  if (!bytes.ok()) {
    Error error = std::move(bytes).error();
    if (error.sys_errno == ENOENT) error.kind = ErrorKind::NotFound;
    return error.with_context(fmt::format("uprobe: cannot read binary '{}'", binary));
  }
  Result<uint64_t> offset = elf::function_file_offset(*bytes, symbol);
  if (offset.ok()) return offset;
  Error error = std::move(offset).error();
  if (error.kind == ErrorKind::NotFound)
    return make_error(ErrorKind::NotFound,
                      fmt::format("uprobe: no function '{}' in '{}' (see 'nm -D {}')", symbol, binary, binary), ENOENT);
  if (error.kind == ErrorKind::Malformed && error.message.starts_with("not an ELF"))
    return make_error(ErrorKind::InvalidArgument, fmt::format("uprobe: '{}' is not an ELF binary", binary));
  return error.with_context(fmt::format("uprobe: '{}'", binary));
}

}  // namespace bpfload
