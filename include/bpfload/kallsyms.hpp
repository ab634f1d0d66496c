// Kernel symbol addresses from /proc/kallsyms, for untyped `.ksyms` externs. The parser
// is pure (text in, addresses out) so tests give it any text; the reader streams a file
// through it, keeping only the names asked for, so memory stays bounded whatever its size.
#pragma once

#include "bpfload/export.h"

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers make no system calls: do not include the kallsyms reader"
#endif

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "bpfload/extern_inputs.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Longest kallsyms line accepted (KSYM_NAME_LEN is 512, plus address, type and module).
inline constexpr size_t kMaxKallsymsLine = 4096;
/// Most bytes read from a kallsyms file (a real one is a few MiB; /dev/zero is not one).
inline constexpr uint64_t kMaxKallsymsBytes = uint64_t{256} << 20;

/// Adds the addresses of the `wanted` symbols listed in `text` ("ADDRESS TYPE NAME" lines,
/// optionally "\t[module]" after, as /proc/kallsyms) to `out`, as libbpf's
/// libbpf_kallsyms_parse and kallsyms_cb: a data symbol ('d') with a ".llvm.N" suffix
/// counts under its name without it. `first_line` numbers the lines in messages. Fails
/// with Malformed naming `origin` and the line for a line that is not of that form or is
/// longer than kMaxKallsymsLine, or when a wanted symbol has two addresses.
[[nodiscard]] Status parse_kallsyms(std::string_view text, const std::set<std::string>& wanted, KernelSymbols& out,
                                    size_t first_line = 1);

/// The addresses of `wanted` in the kallsyms file `path` (/proc/kallsyms), read once
/// through `kernel` in chunks, line by line. Fails with Io when it cannot be opened or
/// read, InvalidArgument when it is not a regular file, LimitExceeded past `max_bytes`,
/// and as parse_kallsyms.
[[nodiscard]] Result<KernelSymbols> read_kallsyms(Kernel& kernel, const std::set<std::string>& wanted,
                                                  const std::string& path = "/proc/kallsyms",
                                                  uint64_t max_bytes = kMaxKallsymsBytes);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
