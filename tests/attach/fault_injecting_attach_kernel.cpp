#include "fault_injecting_attach_kernel.hpp"

#include <fmt/format.h>

namespace bpfload::test {

bool FaultInjectingAttachKernel::fails(const char* method) {
  calls_.emplace_back(method);
  return fail_at_ > 0 && static_cast<int>(calls_.size()) == fail_at_;
}

Error FaultInjectingAttachKernel::injected_error(const char* method) const {
  return make_error(ErrorKind::Kernel, fmt::format("{}: injected failure (errno {})", method, errno_), errno_);
}

Result<Fd> FaultInjectingAttachKernel::link_create(const LinkCreateRequest& request) {
  if (fails("link_create")) return injected_error("link_create");
  return inner_.link_create(request);
}

Status FaultInjectingAttachKernel::link_detach(int link_fd) {
  if (fails("link_detach")) return injected_error("link_detach");
  return inner_.link_detach(link_fd);
}

Result<LinkInfo> FaultInjectingAttachKernel::link_info(int link_fd) {
  if (fails("link_info")) return injected_error("link_info");
  return inner_.link_info(link_fd);
}

Result<std::vector<uint32_t>> FaultInjectingAttachKernel::link_ids() {
  if (fails("link_ids")) return injected_error("link_ids");
  return inner_.link_ids();
}

Result<Fd> FaultInjectingAttachKernel::link_by_id(uint32_t id) {
  if (fails("link_by_id")) return injected_error("link_by_id");
  return inner_.link_by_id(id);
}

Result<uint32_t> FaultInjectingAttachKernel::prog_id(int prog_fd) {
  if (fails("prog_id")) return injected_error("prog_id");
  return inner_.prog_id(prog_fd);
}

Result<Fd> FaultInjectingAttachKernel::duplicate(int fd) {
  if (fails("duplicate")) return injected_error("duplicate");
  return inner_.duplicate(fd);
}

Status FaultInjectingAttachKernel::pin(int fd, const std::string& path) {
  if (fails("pin")) return injected_error("pin");
  return inner_.pin(fd, path);
}

Result<Fd> FaultInjectingAttachKernel::pinned(const std::string& path) {
  if (fails("pinned")) return injected_error("pinned");
  return inner_.pinned(path);
}

Status FaultInjectingAttachKernel::unpin(const std::string& path) {
  if (fails("unpin")) return injected_error("unpin");
  return inner_.unpin(path);
}

Result<bool> FaultInjectingAttachKernel::make_directory(const std::string& path) {
  if (fails("make_directory")) return injected_error("make_directory");
  return inner_.make_directory(path);
}

Status FaultInjectingAttachKernel::remove_directory(const std::string& path) {
  if (fails("remove_directory")) return injected_error("remove_directory");
  return inner_.remove_directory(path);
}

Status FaultInjectingAttachKernel::prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags) {
  if (fails("prog_attach")) return injected_error("prog_attach");
  return inner_.prog_attach(prog_fd, target_fd, attach_type, flags);
}

Status FaultInjectingAttachKernel::prog_detach(int prog_fd, int target_fd, uint32_t attach_type) {
  if (fails("prog_detach")) return injected_error("prog_detach");
  return inner_.prog_detach(prog_fd, target_fd, attach_type);
}

Result<std::vector<uint32_t>> FaultInjectingAttachKernel::query_prog_ids(int target, uint32_t attach_type) {
  if (fails("query_prog_ids")) return injected_error("query_prog_ids");
  return inner_.query_prog_ids(target, attach_type);
}

Result<uint32_t> FaultInjectingAttachKernel::interface_index(const std::string& name) {
  if (fails("interface_index")) return injected_error("interface_index");
  return inner_.interface_index(name);
}

Status FaultInjectingAttachKernel::xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) {
  if (fails("xdp_attach")) return injected_error("xdp_attach");
  return inner_.xdp_attach(ifindex, prog_fd, flags);
}

Status FaultInjectingAttachKernel::xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) {
  if (fails("xdp_detach")) return injected_error("xdp_detach");
  return inner_.xdp_detach(ifindex, expected_prog_fd, flags);
}

Result<uint32_t> FaultInjectingAttachKernel::xdp_attached_id(uint32_t ifindex, uint32_t flags) {
  if (fails("xdp_attached_id")) return injected_error("xdp_attached_id");
  return inner_.xdp_attached_id(ifindex, flags);
}

Result<bool> FaultInjectingAttachKernel::clsact_create(uint32_t ifindex) {
  if (fails("clsact_create")) return injected_error("clsact_create");
  return inner_.clsact_create(ifindex);
}

Status FaultInjectingAttachKernel::clsact_destroy(uint32_t ifindex) {
  if (fails("clsact_destroy")) return injected_error("clsact_destroy");
  return inner_.clsact_destroy(ifindex);
}

Result<TcFilterId> FaultInjectingAttachKernel::tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd, TcFilterId wanted, bool replace) {
  if (fails("tc_filter_attach")) return injected_error("tc_filter_attach");
  return inner_.tc_filter_attach(ifindex, direction, prog_fd, wanted, replace);
}

Status FaultInjectingAttachKernel::tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) {
  if (fails("tc_filter_detach")) return injected_error("tc_filter_detach");
  return inner_.tc_filter_detach(ifindex, direction, filter);
}

Status FaultInjectingAttachKernel::tc_filters_flush(uint32_t ifindex, TcDirection direction) {
  if (fails("tc_filters_flush")) return injected_error("tc_filters_flush");
  return inner_.tc_filters_flush(ifindex, direction);
}

Result<uint32_t> FaultInjectingAttachKernel::tracepoint_id(const std::string& category, const std::string& name) {
  if (fails("tracepoint_id")) return injected_error("tracepoint_id");
  return inner_.tracepoint_id(category, name);
}

Result<uint32_t> FaultInjectingAttachKernel::pmu_type(const std::string& name) {
  if (fails("pmu_type")) return injected_error("pmu_type");
  return inner_.pmu_type(name);
}

Result<uint32_t> FaultInjectingAttachKernel::pmu_retprobe_bit(const std::string& name) {
  if (fails("pmu_retprobe_bit")) return injected_error("pmu_retprobe_bit");
  return inner_.pmu_retprobe_bit(name);
}

Result<Fd> FaultInjectingAttachKernel::perf_event_open(const PerfEventRequest& request) {
  if (fails("perf_event_open")) return injected_error("perf_event_open");
  return inner_.perf_event_open(request);
}

Status FaultInjectingAttachKernel::perf_event_set_bpf(int perf_fd, int prog_fd) {
  if (fails("perf_event_set_bpf")) return injected_error("perf_event_set_bpf");
  return inner_.perf_event_set_bpf(perf_fd, prog_fd);
}

Result<Fd> FaultInjectingAttachKernel::raw_tracepoint_open(const std::string& name, int prog_fd) {
  if (fails("raw_tracepoint_open")) return injected_error("raw_tracepoint_open");
  return inner_.raw_tracepoint_open(name, prog_fd);
}

Result<Fd> FaultInjectingAttachKernel::open_cgroup(const std::string& path) {
  if (fails("open_cgroup")) return injected_error("open_cgroup");
  return inner_.open_cgroup(path);
}

Status FaultInjectingAttachKernel::socket_attach_filter(int socket_fd, int prog_fd) {
  if (fails("socket_attach_filter")) return injected_error("socket_attach_filter");
  return inner_.socket_attach_filter(socket_fd, prog_fd);
}

Status FaultInjectingAttachKernel::socket_detach_filter(int socket_fd) {
  if (fails("socket_detach_filter")) return injected_error("socket_detach_filter");
  return inner_.socket_detach_filter(socket_fd);
}

}  // namespace bpfload::test
