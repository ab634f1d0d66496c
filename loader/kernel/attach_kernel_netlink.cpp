// XDP and tc through libbpf's netlink helpers (bpf_xdp_*, bpf_tc_*), and the tcx probe.
#include <net/if.h>

#include <unistd.h>

#include <cerrno>
#include <mutex>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>

#include "attach_kernel_system.hpp"

namespace bpfload {
namespace {

// libbpf's netlink helpers return -errno.
int error_number(int ret) { return ret < 0 ? -ret : errno; }

bpf_tc_hook hook_for(uint32_t ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook hook {};
  hook.sz = sizeof(hook);
  hook.ifindex = static_cast<int>(ifindex);
  hook.attach_point = point;
  return hook;
}

bpf_tc_attach_point point_of(TcDirection direction) {
  return direction == TcDirection::Ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

// A tcx link asked for on ifindex 0 fails with ENODEV where the kernel knows tcx (it got as
// far as looking the device up) and EINVAL where the attach type is unknown, so nothing is
// ever attached by the probe.
bool probe_tcx() {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  bpf_prog_load_opts opts {};
  opts.sz = sizeof(opts);
  const int prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "bpfload_tcx", "GPL", insns, 2, &opts);
  if (prog < 0) return false;
  const int link = bpf_link_create(prog, 0, static_cast<bpf_attach_type>(kAttachTcxIngress), nullptr);
  const int err = errno;
  if (link >= 0) ::close(link);
  ::close(prog);
  return link >= 0 || err == ENODEV;
}

}  // namespace

Result<uint32_t> SystemAttachKernel::interface_index(const std::string& name) {
  const unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    return make_error(ErrorKind::NotFound,
                      fmt::format("no network interface '{}' in this network namespace (see 'ip link')",
                                  name),
                      errno);
  }
  return static_cast<uint32_t>(index);
}

Status SystemAttachKernel::xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) {
  const int ret = bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, flags, nullptr);
  if (ret < 0) return os_error("netlink(XDP attach)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return {};
}

Status SystemAttachKernel::xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) {
  bpf_xdp_attach_opts opts {};
  opts.sz = sizeof(opts);
  opts.old_prog_fd = expected_prog_fd;
  const bool only_ours = expected_prog_fd >= 0;
  const int ret = bpf_xdp_attach(static_cast<int>(ifindex), -1, only_ours ? flags | XDP_FLAGS_REPLACE : flags,
                                 only_ours ? &opts : nullptr);
  if (ret < 0) return os_error("netlink(XDP detach)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return {};
}

Result<uint32_t> SystemAttachKernel::xdp_attached_id(uint32_t ifindex, uint32_t flags) {
  uint32_t id = 0;
  const int ret = bpf_xdp_query_id(static_cast<int>(ifindex), static_cast<int>(flags), &id);
  if (ret < 0) return os_error("netlink(XDP query)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return id;
}

Result<bool> SystemAttachKernel::clsact_create(uint32_t ifindex) {
  bpf_tc_hook hook = hook_for(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int ret = bpf_tc_hook_create(&hook);
  if (ret == -EEXIST) return false;
  if (ret < 0) return os_error("netlink(add clsact qdisc)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return true;
}

Status SystemAttachKernel::clsact_destroy(uint32_t ifindex) {
  bpf_tc_hook hook = hook_for(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int ret = bpf_tc_hook_destroy(&hook);
  if (ret == -ENOENT || ret == -EINVAL) {
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", ifindex), -ret);
  }
  if (ret < 0) return os_error("netlink(delete clsact qdisc)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return {};
}

Status SystemAttachKernel::tc_filters_flush(uint32_t ifindex, TcDirection direction) {
  // libbpf destroys a single-direction hook by flushing its filters (RTM_DELTFILTER with
  // priority 0), leaving the qdisc.
  bpf_tc_hook hook = hook_for(ifindex, point_of(direction));
  const int ret = bpf_tc_hook_destroy(&hook);
  if (ret == -ENOENT || ret == -EINVAL) {
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", ifindex), -ret);
  }
  if (ret < 0) return os_error("netlink(flush tc filters)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return {};
}

Result<TcFilterId> SystemAttachKernel::tc_filter_attach(uint32_t ifindex, TcDirection direction,
                                                        int prog_fd, TcFilterId wanted, bool replace) {
  const bpf_tc_hook hook = hook_for(ifindex, point_of(direction));
  bpf_tc_opts opts {};
  opts.sz = sizeof(opts);
  opts.prog_fd = prog_fd;
  opts.handle = wanted.handle;
  opts.priority = wanted.priority;
  if (replace) opts.flags = BPF_TC_F_REPLACE;
  const int ret = bpf_tc_attach(&hook, &opts);
  if (ret < 0) return os_error("netlink(add bpf filter)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return TcFilterId{opts.handle, opts.priority};
}

Status SystemAttachKernel::tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) {
  const bpf_tc_hook hook = hook_for(ifindex, point_of(direction));
  bpf_tc_opts opts {};
  opts.sz = sizeof(opts);
  opts.handle = filter.handle;
  opts.priority = filter.priority;
  const int ret = bpf_tc_detach(&hook, &opts);
  if (ret < 0) return os_error("netlink(delete bpf filter)", fmt::format("on ifindex {}", ifindex), error_number(ret));
  return {};
}

bool SystemAttachKernel::has_tcx() {
  static std::once_flag once;
  static bool available = false;
  std::call_once(once, [] { available = probe_tcx(); });
  return available;
}

}  // namespace bpfload
