// A Kernel decorator that counts every call and makes chosen ones fail: the one way to
// script a failure, for bpfload's own tests and for agents testing their error handling.
// Part of libbpfload_testing (bpfload_testing.pc), not of libbpfload.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/kernel.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Forwards every call to `inner` except the ones scripted to fail, which return errno
/// `err` without reaching it: an error of the kind a real failure of that op has (Io for
/// read_file and possible_cpus, Kernel otherwise) whose message names the call and says
/// "(injected)" (a failed prog_load is a refusal with that errno). Every op
/// counts, cleanup ones (unpin, rmdir, link_detach) included, so a sweep that fails call
/// n for every n reaches every step. Kinds are op names (op_name(), "map_create"); a name
/// that is no op's throws std::invalid_argument. Thread-safe; `inner` must outlive it.
class FaultInjectingKernel final : public Kernel {
 public:
  explicit FaultInjectingKernel(Kernel& inner) : inner_(inner) {}

  Status call(KernelOp& op) override;

  /// A scripted reply: it gets the op (to fill in its reply fields, or a verifier log)
  /// and the inner kernel (to pass the call on, before or after looking at it).
  using Answer = std::function<Status(KernelOp& op, Kernel& inner)>;

  // ---- the script (counted from construction or the last reset()) ----
  /// The n-th call (1-based, of any kind) fails with `err`.
  void fail_nth_call(size_t n, int err);
  /// The n-th call (1-based) of kind `kind` fails with `err`.
  void fail_nth(std::string_view kind, size_t n, int err);
  /// Every call of kind `kind` fails with `err`.
  void fail_every(std::string_view kind, int err);
  /// The n-th call (1-based) of kind `kind`, or every one, is answered by `answer`
  /// instead of going to the inner kernel (a failure above wins over an answer).
  void answer_nth(std::string_view kind, size_t n, Answer answer);
  void answer_every(std::string_view kind, Answer answer);
  /// The n-th call (1-based, of any kind) is answered by `answer` (an answer that throws
  /// stops the caller where it is, as a crash would: tests of recovery use it).
  void answer_nth_call(size_t n, Answer answer);
  /// Forgets the counts, the log and the script.
  void reset();

  // ---- what happened ----
  /// Calls made (failed ones included).
  [[nodiscard]] size_t calls() const;
  /// Calls of kind `kind` made.
  [[nodiscard]] size_t calls_of(std::string_view kind) const;
  /// The kind names of the calls, in order.
  [[nodiscard]] std::vector<std::string> call_names() const;
  /// describe() of every call, in order ("obj_pin /sys/fs/bpf/x").
  [[nodiscard]] std::vector<std::string> call_log() const;
  /// How many calls were made to fail (answered calls are not counted).
  [[nodiscard]] size_t injected() const;

 private:
  Kernel& inner_;
  mutable std::mutex mutex_;
  std::map<size_t, int> nth_call_;
  std::map<std::pair<OpKind, size_t>, int> nth_of_kind_;
  std::map<OpKind, int> every_of_kind_;
  std::map<std::pair<OpKind, size_t>, Answer> nth_answer_;
  std::map<OpKind, Answer> every_answer_;
  std::map<size_t, Answer> nth_call_answer_;
  std::vector<size_t> per_kind_ = std::vector<size_t>(kOpKindCount, 0);
  std::vector<std::string> log_;
  std::vector<OpKind> kinds_;
  size_t injected_ = 0;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
