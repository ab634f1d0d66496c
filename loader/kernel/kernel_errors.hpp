// Error values for failed kernel calls, with hints for errnos whose meaning is ambiguous.
// Shared by the kernel layer and the loader (which reports BPF_PROG_LOAD failures itself).
#pragma once

#include <string>
#include <string_view>

#include "bpfload/result.hpp"

namespace bpfload {

class Kernel;

/// Which call failed, so a hint can be specific ("OBJ_PIN" with ENOENT means a missing directory).
enum class KernelCommand {
  MapCreate,
  MapUpdate,
  MapLookup,
  MapDelete,
  MapNextKey,
  MapFreeze,
  ObjGetInfo,
  ProgLoad,
  ProgTestRun,
  BtfLoad,
  ObjPin,
  ObjGet,
  Unpin,
};

/// "bpf(MAP_CREATE)", "bpf(OBJ_PIN)", "unlink", ...
[[nodiscard]] std::string_view command_label(KernelCommand command) noexcept;

/// A hint for `err` from `command`, or "" when the errno speaks for itself.
/// `path` is the pin path for OBJ_PIN / OBJ_GET; with a `kernel`, its directory's
/// filesystem is checked so a pin outside bpffs says how to mount one.
[[nodiscard]] std::string errno_hint(KernelCommand command, int err, std::string_view path = {},
                                     Kernel* kernel = nullptr);

/// ErrorKind::Kernel error reading "<label> <subject>: <strerror>[ (hint)]", with sys_errno set.
/// `subject` may be empty, e.g. "for map 'counters'" or "at '/sys/fs/bpf/x'".
[[nodiscard]] Error kernel_error(KernelCommand command, std::string_view subject, int err,
                                 std::string_view path = {}, Kernel* kernel = nullptr);

/// Why EPERM: the capabilities `needs` ("" for the general ones) and which of them this
/// process lacks, or, when it has them all, the other causes (program type not allowed
/// here, lockdown, RLIMIT_MEMLOCK on old kernels).
[[nodiscard]] std::string privilege_hint(std::string_view needs);

/// strerror without the thread-safety caveats of strerror().
[[nodiscard]] std::string errno_text(int err);

}  // namespace bpfload
