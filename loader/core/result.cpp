#include "bpfload/result.hpp"

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

}  // namespace bpfload
