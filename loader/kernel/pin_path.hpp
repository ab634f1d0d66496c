// Pin paths resolved without following symlinks inside a bpf filesystem, and the kind
// of BPF object an fd refers to.
#pragma once

#include <string>
#include <string_view>

#include "bpfload/fd.hpp"
#include "bpfload/result.hpp"

namespace bpfload {

/// Opens directory `dir` (O_PATH) one component at a time. A symlink whose directory is
/// on a bpf filesystem is refused (InvalidArgument naming it): a symlink planted in a pin
/// tree must not send pins elsewhere. Symlinks outside bpffs (/sys/fs/bpf -> elsewhere,
/// set up by the administrator) are followed. Other failures are Kernel with errno.
[[nodiscard]] Result<Fd> open_pin_directory(const std::string& dir);

/// "map", "prog", "link", "btf" for a BPF object fd, "" when it is not one or when
/// /proc is unavailable (then callers cannot tell and do not refuse).
[[nodiscard]] std::string bpf_fd_kind(int fd);

/// "a program", "a map", "a BPF link", ... for messages.
[[nodiscard]] std::string_view bpf_kind_phrase(std::string_view kind);

}  // namespace bpfload
