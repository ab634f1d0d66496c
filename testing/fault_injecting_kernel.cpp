#include "bpfload/testing/fault_injecting_kernel.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace bpfload {
namespace {

OpKind kind_named(std::string_view name) {
  const OpKind kind = op_kind_named(name);
  if (kind == kOpKindCount) throw std::invalid_argument(fmt::format("no kernel op is named '{}'", name));
  return kind;
}

/// The kind of error a real failure of `kind` has: reading files and the CPU count fail
/// as Io, everything else as Kernel.
ErrorKind failure_kind(OpKind kind) {
  return kind == op_kind<op::ReadFile>() || kind == op_kind<op::PossibleCpus>() ? ErrorKind::Io : ErrorKind::Kernel;
}

}  // namespace

Status FaultInjectingKernel::call(KernelOp& op) {
  int err = 0;
  std::string described;
  Answer answer;
  {
    std::lock_guard lock(mutex_);
    const OpKind kind = op_kind(op);
    const size_t number = log_.size() + 1;
    const size_t of_kind = ++per_kind_[kind];
    described = describe(op);
    log_.push_back(described);
    kinds_.push_back(kind);
    if (const auto it = nth_call_.find(number); it != nth_call_.end()) err = it->second;
    if (const auto it = nth_of_kind_.find({kind, of_kind}); err == 0 && it != nth_of_kind_.end()) err = it->second;
    if (const auto it = every_of_kind_.find(kind); err == 0 && it != every_of_kind_.end()) err = it->second;
    if (err != 0) ++injected_;
    if (const auto it = nth_call_answer_.find(number); err == 0 && it != nth_call_answer_.end()) answer = it->second;
    if (const auto it = nth_answer_.find({kind, of_kind}); err == 0 && !answer && it != nth_answer_.end())
      answer = it->second;
    if (const auto it = every_answer_.find(kind); err == 0 && !answer && it != every_answer_.end())
      answer = it->second;
  }
  // Answers run outside the lock: they may call the inner kernel, or this one.
  if (err == 0) return answer ? answer(op, inner_) : inner_.call(op);
  return make_error(failure_kind(op_kind(op)), fmt::format("{}: {} (injected)", described, std::strerror(err)), err);
}

void FaultInjectingKernel::fail_nth_call(size_t n, int err) {
  std::lock_guard lock(mutex_);
  nth_call_[n] = err;
}

void FaultInjectingKernel::fail_nth(std::string_view kind, size_t n, int err) {
  const OpKind k = kind_named(kind);
  std::lock_guard lock(mutex_);
  nth_of_kind_[{k, n}] = err;
}

void FaultInjectingKernel::fail_every(std::string_view kind, int err) {
  const OpKind k = kind_named(kind);
  std::lock_guard lock(mutex_);
  every_of_kind_[k] = err;
}

void FaultInjectingKernel::answer_nth_call(size_t n, Answer answer) {
  std::lock_guard lock(mutex_);
  nth_call_answer_[n] = std::move(answer);
}

void FaultInjectingKernel::answer_nth(std::string_view kind, size_t n, Answer answer) {
  const OpKind k = kind_named(kind);
  std::lock_guard lock(mutex_);
  nth_answer_[{k, n}] = std::move(answer);
}

void FaultInjectingKernel::answer_every(std::string_view kind, Answer answer) {
  const OpKind k = kind_named(kind);
  std::lock_guard lock(mutex_);
  every_answer_[k] = std::move(answer);
}

void FaultInjectingKernel::reset() {
  std::lock_guard lock(mutex_);
  nth_answer_.clear();
  nth_call_answer_.clear();
  every_answer_.clear();
  nth_call_.clear();
  nth_of_kind_.clear();
  every_of_kind_.clear();
  per_kind_.assign(kOpKindCount, 0);
  log_.clear();
  kinds_.clear();
  injected_ = 0;
}

size_t FaultInjectingKernel::calls() const {
  std::lock_guard lock(mutex_);
  return log_.size();
}

size_t FaultInjectingKernel::calls_of(std::string_view kind) const {
  const OpKind k = kind_named(kind);
  std::lock_guard lock(mutex_);
  return per_kind_[k];
}

std::vector<std::string> FaultInjectingKernel::call_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const OpKind kind : kinds_) names.emplace_back(op_name(kind));
  return names;
}

std::vector<std::string> FaultInjectingKernel::call_log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

size_t FaultInjectingKernel::injected() const {
  std::lock_guard lock(mutex_);
  return injected_;
}

}  // namespace bpfload
