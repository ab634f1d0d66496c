#include "bpfload/result.hpp"

#include <cerrno>

namespace bpfload {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::Malformed: return "malformed";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::NotFound: return "not_found";
    case ErrorKind::InvalidArgument: return "invalid_argument";
    case ErrorKind::LimitExceeded: return "limit_exceeded";
    case ErrorKind::Kernel: return "kernel";
    case ErrorKind::Io: return "io";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const {
  Error copy = *this;
  copy.message = std::string(context) + ": " + message;
  return copy;
}

Error make_error(ErrorKind kind, std::string message, int sys_errno) {
  return Error{kind, std::move(message), sys_errno, {}};
}

Error out_of_memory_error(std::string_view during) noexcept {
  Error error;
  error.kind = ErrorKind::LimitExceeded;
  error.sys_errno = ENOMEM;
  try {
    error.message = std::string("out of memory while ") + std::string(during) +
                    " (the input needs more memory than this process may use; raise `ulimit -v` or "
                    "use a smaller input)";
  } catch (...) {
    error.message = "out of memory";  // fits the small-string buffer: no allocation
  }
  return error;
}

}  // namespace bpfload
