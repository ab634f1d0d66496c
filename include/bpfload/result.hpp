// Errors as values: every fallible bpfload call returns Result<T>.
#pragma once

#include "bpfload/export.h"

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// What went wrong, coarse enough for callers and tests to branch on.
enum class ErrorKind {
  Malformed,        ///< the object's bytes contradict themselves (bad offset, size, index)
  Unsupported,      ///< well-formed but not something bpfload handles (ELF32, other machine)
  NotFound,         ///< a named map, program, section or path does not exist
  InvalidArgument,  ///< the caller asked for something impossible (bad option, bad name)
  LimitExceeded,    ///< the object exceeds a sanity bound (too many maps, insns, relocations)
  Kernel,           ///< a bpf() call or a filesystem operation failed; errno is set
  Io,               ///< reading a file failed
};

/// Stable lower-case name of a kind ("malformed", "kernel", ...), used in JSON output.
[[nodiscard]] std::string_view to_string(ErrorKind kind) noexcept;

/// An error with its context. `message` reads as a sentence fragment chain:
/// outermost context first ("load program 'xdp_pass': bpf(PROG_LOAD): Permission denied").
struct Error {
  ErrorKind kind = ErrorKind::Malformed;
  std::string message;
  int sys_errno = 0;          ///< errno of the failing system call, 0 when none
  std::string verifier_log;   ///< the verifier's log when a program load failed

  /// Returns a copy whose message is "context: message"; kind, errno and log are kept.
  [[nodiscard]] Error with_context(std::string_view context) const;
};

/// Builds an Error of `kind` with `message` and an optional errno.
[[nodiscard]] Error make_error(ErrorKind kind, std::string message, int sys_errno = 0);

/// The error an entry point returns instead of letting std::bad_alloc escape: kind
/// LimitExceeded, errno ENOMEM, naming what was being done.
[[nodiscard]] Error out_of_memory_error(std::string_view during) noexcept;

/// Either a T or an Error. Accessing the wrong alternative is a programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { assert(ok()); return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { assert(ok()); return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  [[nodiscard]] const Error& error() const& { assert(!ok()); return std::get<1>(state_); }
  [[nodiscard]] Error&& error() && { assert(!ok()); return std::get<1>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

/// Success or an Error, for calls with nothing to return.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] const Error& error() const& { assert(failed_); return error_; }
  [[nodiscard]] Error&& error() && { assert(failed_); return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace bpfload

/// Propagates an error from a Result-returning expression, adding no context.
#define BPFLOAD_TRY(expr)                                   \
  do {                                                      \
    auto bpfload_try_result_ = (expr);                      \
    if (!bpfload_try_result_.ok())                          \
      return std::move(bpfload_try_result_).error();        \
  } while (0)
BPFLOAD_PUBLIC_END
