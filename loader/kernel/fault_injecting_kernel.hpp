// A Kernel decorator that makes chosen calls fail, for testing rollback and error paths
// (bpfload's own tests, and users testing agents built on bpfload).
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bpfload/kernel.hpp"

namespace bpfload {

/// Forwards every call to `inner` except the ones chosen to fail, which return errno
/// `err` without reaching `inner`: prog_load as an outcome with an invalid fd, every
/// other method as an ErrorKind::Kernel error whose message says "(injected)".
/// Every method except unpin is counted (unpin is not a bpf() call, and cleanup
/// must always proceed). Thread-safe; `inner` must outlive this object.
class FaultInjectingKernel final : public Kernel {
 public:
  explicit FaultInjectingKernel(Kernel& inner) : inner_(inner) {}

  /// Makes the n-th counted call (1-based, across all methods) fail with `err`.
  void fail_call(size_t n, int err);
  /// Makes the n-th call (1-based) of the method named `name` ("map_create",
  /// "prog_load", "obj_pin", ...) fail with `err`.
  void fail_named_call(const std::string& name, size_t n, int err);
  /// Number of counted calls made so far (failed ones included).
  [[nodiscard]] size_t calls() const noexcept { return calls_.load(); }
  /// Names of the counted calls, in the order they were made.
  [[nodiscard]] std::vector<std::string> call_names() const;
  /// Number of counted calls of the method named `name`.
  [[nodiscard]] size_t calls_named(const std::string& name) const;
  /// Forgets every count, name and planned failure.
  void reset();

  Result<Fd> map_create(const MapCreateRequest& request) override;
  Status map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                    uint64_t flags) override;
  Status map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value) override;
  Status map_delete(int map_fd, std::span<const std::byte> key) override;
  Result<bool> map_next_key(int map_fd, std::span<const std::byte> key,
                            std::span<std::byte> next_key) override;
  Status map_freeze(int map_fd) override;
  Result<MapInfo> map_info(int map_fd) override;
  ProgLoadOutcome prog_load(const ProgLoadRequest& request) override;
  Result<ProgInfo> prog_info(int prog_fd) override;
  Result<TestRunOutcome> prog_test_run(const TestRunRequest& request) override;
  Result<Fd> btf_load(std::span<const std::byte> btf, std::span<char> log) override;
  Status obj_pin(int fd, const std::string& path) override;
  Result<Fd> obj_get(const std::string& path) override;
  Status unpin(const std::string& path) override;
  /// The inner kernel's System, not counted: faults are injected into kernel calls only.
  System& system() override { return inner_.system(); }

 private:
  /// Counts a call and returns the errno to inject, or 0 to pass it through.
  int count(const char* name);

  Kernel& inner_;
  std::atomic<size_t> calls_{0};
  mutable std::mutex mutex_;
  std::map<size_t, int> failures_;                                  // by global call number
  std::map<std::pair<std::string, size_t>, int> named_failures_;    // by (name, per-name number)
  std::map<std::string, size_t> per_name_;
  std::vector<std::string> names_;
};

}  // namespace bpfload
