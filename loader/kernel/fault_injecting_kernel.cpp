#include "fault_injecting_kernel.hpp"

#include <fmt/format.h>

#include "kernel_errors.hpp"

namespace bpfload {
namespace {

Error injected(std::string_view name, int err) {
  return make_error(ErrorKind::Kernel,
                    fmt::format("{}: {} (injected)", name, errno_text(err)), err);
}

}  // namespace

void FaultInjectingKernel::fail_call(size_t n, int err) {
  std::lock_guard lock(mutex_);
  failures_[n] = err;
}

void FaultInjectingKernel::fail_named_call(const std::string& name, size_t n, int err) {
  std::lock_guard lock(mutex_);
  named_failures_[{name, n}] = err;
}

std::vector<std::string> FaultInjectingKernel::call_names() const {
  std::lock_guard lock(mutex_);
  return names_;
}

size_t FaultInjectingKernel::calls_named(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = per_name_.find(name);
  return it == per_name_.end() ? 0 : it->second;
}

void FaultInjectingKernel::reset() {
  std::lock_guard lock(mutex_);
  calls_ = 0;
  failures_.clear();
  named_failures_.clear();
  per_name_.clear();
  names_.clear();
}

int FaultInjectingKernel::count(const char* name) {
  std::lock_guard lock(mutex_);
  // Numbered under the lock so call_names() order matches the numbers.
  const size_t number = ++calls_;
  const size_t per_name = ++per_name_[name];
  names_.emplace_back(name);
  if (const auto it = failures_.find(number); it != failures_.end()) return it->second;
  if (const auto it = named_failures_.find({name, per_name}); it != named_failures_.end()) {
    return it->second;
  }
  return 0;
}

Result<Fd> FaultInjectingKernel::map_create(const MapCreateRequest& request) {
  if (const int err = count("map_create")) {
    return injected(fmt::format("bpf(MAP_CREATE) for map '{}'", request.name), err);
  }
  return inner_.map_create(request);
}

Status FaultInjectingKernel::map_update(int map_fd, std::span<const std::byte> key,
                                        std::span<const std::byte> value, uint64_t flags) {
  if (const int err = count("map_update")) return injected("bpf(MAP_UPDATE_ELEM)", err);
  return inner_.map_update(map_fd, key, value, flags);
}

Status FaultInjectingKernel::map_lookup(int map_fd, std::span<const std::byte> key,
                                        std::span<std::byte> value) {
  if (const int err = count("map_lookup")) return injected("bpf(MAP_LOOKUP_ELEM)", err);
  return inner_.map_lookup(map_fd, key, value);
}

Status FaultInjectingKernel::map_delete(int map_fd, std::span<const std::byte> key) {
  if (const int err = count("map_delete")) return injected("bpf(MAP_DELETE_ELEM)", err);
  return inner_.map_delete(map_fd, key);
}

Result<bool> FaultInjectingKernel::map_next_key(int map_fd, std::span<const std::byte> key,
                                                std::span<std::byte> next_key) {
  if (const int err = count("map_next_key")) return injected("bpf(MAP_GET_NEXT_KEY)", err);
  return inner_.map_next_key(map_fd, key, next_key);
}

Status FaultInjectingKernel::map_freeze(int map_fd) {
  if (const int err = count("map_freeze")) return injected("bpf(MAP_FREEZE)", err);
  return inner_.map_freeze(map_fd);
}

Result<MapInfo> FaultInjectingKernel::map_info(int map_fd) {
  if (const int err = count("map_info")) return injected("bpf(OBJ_GET_INFO_BY_FD)", err);
  return inner_.map_info(map_fd);
}

ProgLoadOutcome FaultInjectingKernel::prog_load(const ProgLoadRequest& request) {
  if (const int err = count("prog_load")) {
    ProgLoadOutcome outcome;
    outcome.sys_errno = err;
    return outcome;
  }
  return inner_.prog_load(request);
}

Result<ProgInfo> FaultInjectingKernel::prog_info(int prog_fd) {
  if (const int err = count("prog_info")) return injected("bpf(OBJ_GET_INFO_BY_FD)", err);
  return inner_.prog_info(prog_fd);
}

Result<TestRunOutcome> FaultInjectingKernel::prog_test_run(const TestRunRequest& request) {
  if (const int err = count("prog_test_run")) return injected("bpf(PROG_TEST_RUN)", err);
  return inner_.prog_test_run(request);
}

Result<Fd> FaultInjectingKernel::btf_load(std::span<const std::byte> btf, std::span<char> log) {
  if (const int err = count("btf_load")) return injected("bpf(BTF_LOAD)", err);
  return inner_.btf_load(btf, log);
}

Status FaultInjectingKernel::obj_pin(int fd, const std::string& path) {
  if (const int err = count("obj_pin")) return injected(fmt::format("bpf(OBJ_PIN) at '{}'", path), err);
  return inner_.obj_pin(fd, path);
}

Result<Fd> FaultInjectingKernel::obj_get(const std::string& path) {
  if (const int err = count("obj_get")) return injected(fmt::format("bpf(OBJ_GET) of '{}'", path), err);
  return inner_.obj_get(path);
}

Status FaultInjectingKernel::unpin(const std::string& path) {
  return inner_.unpin(path);
}

}  // namespace bpfload
