// The real AttachKernel, declared once and defined in four files by subject: BPF links and
// pins (attach_kernel_links.cpp), netlink XDP and tc (attach_kernel_netlink.cpp), perf
// events, tracefs and cgroups (attach_kernel_perf.cpp).
#pragma once

#include <string_view>

#include "bpfload/attach_kernel.hpp"

namespace bpfload {

/// ErrorKind::Kernel "<call> <subject>: <strerror>", errno kept.
[[nodiscard]] Error os_error(std::string_view call, std::string_view subject, int err);

class SystemAttachKernel final : public AttachKernel {
 public:
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
  Result<TcFilterId> tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd,
                                      TcFilterId wanted, bool replace) override;
  Status tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) override;
  Status tc_filters_flush(uint32_t ifindex, TcDirection direction) override;
  bool has_tcx() override;

  Result<uint32_t> tracepoint_id(const std::string& category, const std::string& name) override;
  Result<uint32_t> pmu_type(const std::string& name) override;
  Result<uint32_t> pmu_retprobe_bit(const std::string& name) override;
  Result<Fd> perf_event_open(const PerfEventRequest& request) override;
  Status perf_event_set_bpf(int perf_fd, int prog_fd) override;
  Result<Fd> raw_tracepoint_open(const std::string& name, int prog_fd) override;
  Result<Fd> open_cgroup(const std::string& path) override;

  Status socket_attach_filter(int socket_fd, int prog_fd) override;
  Status socket_detach_filter(int socket_fd) override;
};

}  // namespace bpfload
