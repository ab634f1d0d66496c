// An AttachKernel decorator for fault-injection sweeps against the real kernel: forwards
// every call to `inner`, except that the n-th call (1-based, across all methods) fails
// with the chosen errno before reaching it.
#pragma once

#include <string>
#include <vector>

#include "bpfload/attach_kernel.hpp"

namespace bpfload::test {

class FaultInjectingAttachKernel final : public AttachKernel {
 public:
  explicit FaultInjectingAttachKernel(AttachKernel& inner) : inner_(inner) {}

  /// Starts counting again; the n-th call from now fails with `err` (0: none fails).
  void reset(int fail_at = 0, int err = 0) {
    calls_.clear();
    fail_at_ = fail_at;
    errno_ = err;
  }
  /// The calls made since reset(), by method name, the failed one included.
  [[nodiscard]] const std::vector<std::string>& calls() const noexcept { return calls_; }
  [[nodiscard]] bool injected() const noexcept { return fail_at_ > 0 && static_cast<int>(calls_.size()) >= fail_at_; }

  Result<Fd> link_create(const LinkCreateRequest& request) override;
  Status link_detach(int link_fd) override;
  Result<LinkInfo> link_info(int link_fd) override;
  Result<std::vector<uint32_t>> link_ids() override;
  Result<Fd> link_by_id(uint32_t id) override;
  Result<uint32_t> prog_id(int prog_fd) override;
  Result<Fd> duplicate(int fd) override;
  Status pin(int fd, const std::string& path) override;
  Result<Fd> pinned(const std::string& path) override;
  Status unpin(const std::string& path) override;
  Result<bool> make_directory(const std::string& path) override;
  Status remove_directory(const std::string& path) override;
  Status prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags) override;
  Status prog_detach(int prog_fd, int target_fd, uint32_t attach_type) override;
  Result<std::vector<uint32_t>> query_prog_ids(int target, uint32_t attach_type) override;
  Result<uint32_t> interface_index(const std::string& name) override;
  Status xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) override;
  Status xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) override;
  Result<uint32_t> xdp_attached_id(uint32_t ifindex, uint32_t flags) override;
  Result<bool> clsact_create(uint32_t ifindex) override;
  Status clsact_destroy(uint32_t ifindex) override;
  Result<TcFilterId> tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd, TcFilterId wanted,
                                      bool replace) override;
  Status tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) override;
  Status tc_filters_flush(uint32_t ifindex, TcDirection direction) override;
  bool has_tcx() override { return inner_.has_tcx(); }
  Result<uint32_t> tracepoint_id(const std::string& category, const std::string& name) override;
  Result<uint32_t> pmu_type(const std::string& name) override;
  Result<uint32_t> pmu_retprobe_bit(const std::string& name) override;
  Result<Fd> perf_event_open(const PerfEventRequest& request) override;
  Status perf_event_set_bpf(int perf_fd, int prog_fd) override;
  Result<Fd> raw_tracepoint_open(const std::string& name, int prog_fd) override;
  Result<Fd> open_cgroup(const std::string& path) override;
  Status socket_attach_filter(int socket_fd, int prog_fd) override;
  Status socket_detach_filter(int socket_fd) override;

 private:
  /// Counts the call; the injected error when it is the one to fail.
  [[nodiscard]] bool fails(const char* method);
  [[nodiscard]] Error injected_error(const char* method) const;

  AttachKernel& inner_;
  std::vector<std::string> calls_;
  int fail_at_ = 0;
  int errno_ = 0;
};

}  // namespace bpfload::test
