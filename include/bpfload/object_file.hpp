// Object files read from disk: the thin layer above the pure parser (parse.hpp takes
// bytes), reading through the Kernel seam's one hardened file reader (op::ReadFile:
// regular files only, opened O_NONBLOCK so a FIFO cannot block, bounded before anything
// is allocated). The CLI, the C API and --btf files all read through it.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The first bytes of every ELF file, for read_input_file.
inline constexpr std::string_view kElfMagic{"\x7f" "ELF", 4};

/// Reads a whole input file of at most `max_bytes` through `kernel`. Fails with
/// InvalidArgument for anything but a regular file (FIFO, device, directory),
/// LimitExceeded when too large, Io when unreadable. With `magic`, a file that does not
/// start with it is refused (Malformed) before the rest is read.
[[nodiscard]] Result<std::vector<std::byte>> read_input_file(const std::string& path, size_t max_bytes,
                                                           std::string_view magic = {},
                                                           Kernel& kernel = system_kernel());

/// Reads `path` through `kernel` (bounded by options.limits.max_object_bytes, ELF magic
/// checked first) and parses it, holding the object in memory once. Fails as
/// read_input_file and parse_object; a parse error names the path.
[[nodiscard]] Result<ObjectSpec> parse_object_file(const std::string& path, const ParseOptions& options = {},
                                                   Kernel& kernel = system_kernel());

}  // namespace bpfload
BPFLOAD_PUBLIC_END
