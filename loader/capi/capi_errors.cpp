// Error slots of the C API. Recording an error copies its strings; if that copy fails,
// the slot still says what happened, from static strings, so reporting cannot itself fail.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "capi_object.hpp"

namespace bpfload::capi {

namespace {

bpfload_status status_of(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::Malformed: return BPFLOAD_ERR_MALFORMED;
    case ErrorKind::Unsupported: return BPFLOAD_ERR_UNSUPPORTED;
    case ErrorKind::NotFound: return BPFLOAD_ERR_NOT_FOUND;
    case ErrorKind::InvalidArgument: return BPFLOAD_ERR_INVALID_ARGUMENT;
    case ErrorKind::LimitExceeded: return BPFLOAD_ERR_LIMIT_EXCEEDED;
    case ErrorKind::Kernel: return BPFLOAD_ERR_KERNEL;
    case ErrorKind::Io: return BPFLOAD_ERR_IO;
  }
  return BPFLOAD_ERR_INTERNAL;
}

}  // namespace

CapiErrorSlot& thread_error_slot() noexcept {
  thread_local CapiErrorSlot slot;
  return slot;
}

void clear(CapiErrorSlot& slot) noexcept {
  slot.message.clear();
  slot.verifier_log.clear();
  slot.view = {BPFLOAD_OK, 0, "", ""};
}

bpfload_status record(CapiErrorSlot& slot, const Error& error) noexcept {
  const bpfload_status status = status_of(error.kind);
  try {
    slot.message = error.message;
    slot.verifier_log = error.verifier_log;
    slot.view = {status, error.sys_errno, slot.message.c_str(), slot.verifier_log.c_str()};
  } catch (...) {
    slot.message.clear();
    slot.verifier_log.clear();
    slot.view = {status, error.sys_errno, "out of memory while recording the error", ""};
  }
  return status;
}

bpfload_status record(CapiErrorSlot& slot, bpfload_status status, const char* message) noexcept {
  slot.message.clear();
  slot.verifier_log.clear();
  // `message` is a literal or an exception's what(), which does not outlive the catch:
  // keep a copy when possible, a static text when not.
  try {
    slot.message = message;
    slot.view = {status, 0, slot.message.c_str(), ""};
  } catch (...) {
    slot.view = {status, 0, status == BPFLOAD_ERR_NO_MEMORY ? "out of memory" : "internal error", ""};
  }
  return status;
}

void copy_error(const CapiErrorSlot& slot, bpfload_error_buf* out) noexcept {
  constexpr size_t kMessageAt = offsetof(bpfload_error_buf, message);
  if (out == nullptr || out->sz <= kMessageAt) return;
  out->kind = slot.view.kind;
  out->sys_errno = slot.view.sys_errno;
  const size_t room = std::min(out->sz - kMessageAt, sizeof(out->message));
  const size_t length = std::strlen(slot.view.message);
  if (length < room) {
    std::memcpy(out->message, slot.view.message, length + 1);
    return;
  }
  // Cut, and say so: the end of a long message is usually a context the start repeats.
  constexpr char kCut[] = "...";
  const size_t kept = room >= sizeof(kCut) ? room - sizeof(kCut) : 0;
  std::memcpy(out->message, slot.view.message, kept);
  std::memcpy(out->message + kept, kCut, std::min(room - kept, sizeof(kCut)));
  out->message[room - 1] = '\0';
}

Error null_argument(const char* function, const char* what) {
  return make_error(ErrorKind::InvalidArgument, fmt::format("{}: {} is NULL", function, what));
}

Status check_opts_size(const char* function, const void* opts, size_t sz, size_t known_prefix, size_t known) {
  if (sz < known_prefix)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: options size {} is smaller than the first version of the struct ({} "
                                  "bytes); set sz = sizeof(struct)",
                                  function, sz, known_prefix));
  const auto* bytes = static_cast<const unsigned char*>(opts);
  for (size_t i = known; i < sz; ++i)
    if (bytes[i] != 0)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("{}: options set a field at byte {} that this library ({} bytes of options) "
                                    "does not know; link a newer bpfload",
                                    function, i, known));
  return {};
}

}  // namespace bpfload::capi

#include "capi_testing.hpp"

namespace bpfload::capi {

void use_kernel_for_testing(bpfload_object* object, Kernel* kernel) noexcept {
  if (object != nullptr) object->kernel = kernel;
}


}  // namespace bpfload::capi
