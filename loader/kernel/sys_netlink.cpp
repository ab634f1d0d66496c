// XDP and tc on the real kernel through libbpf's netlink helpers (bpf_xdp_*, bpf_tc_*),
// and the tcx probe.
#include <net/if.h>

#include <unistd.h>

#include <cerrno>
#include <mutex>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>

#include "system_kernel.hpp"

namespace bpfload::sys {
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
  const int link = bpf_link_create(prog, 0, static_cast<bpf_attach_type>(uapi::kAttachTcxIngress), nullptr);
  const int err = errno;
  if (link >= 0) ::close(link);
  ::close(prog);
  return link >= 0 || err == ENODEV;
}

}  // namespace

Status run(op::InterfaceIndex& op) {
  const unsigned index = if_nametoindex(op.name.c_str());
  if (index == 0)
    return make_error(ErrorKind::NotFound,
                      fmt::format("no network interface '{}' in this network namespace (see 'ip link')", op.name),
                      errno);
  op.ifindex = static_cast<uint32_t>(index);
  return {};
}

Status run(op::InterfaceName& op) {
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(op.ifindex, name) == nullptr)
    return make_error(ErrorKind::NotFound,
                      fmt::format("no network interface with index {} in this network namespace", op.ifindex), errno);
  op.name = name;
  return {};
}

Status run(op::XdpAttach& op) {
  bpf_xdp_attach_opts opts {};
  opts.sz = sizeof(opts);
  opts.old_prog_fd = op.expected_prog_fd;
  const bool replace = op.expected_prog_fd >= 0;
  const int ret = bpf_xdp_attach(static_cast<int>(op.ifindex), op.prog_fd,
                                 replace ? op.flags | XDP_FLAGS_REPLACE : op.flags, replace ? &opts : nullptr);
  if (ret < 0) return os_error("netlink(XDP attach)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  return {};
}

Status run(op::XdpDetach& op) {
  bpf_xdp_attach_opts opts {};
  opts.sz = sizeof(opts);
  opts.old_prog_fd = op.expected_prog_fd;
  const bool only_ours = op.expected_prog_fd >= 0;
  const int ret = bpf_xdp_attach(static_cast<int>(op.ifindex), -1, only_ours ? op.flags | XDP_FLAGS_REPLACE : op.flags,
                                 only_ours ? &opts : nullptr);
  if (ret < 0) return os_error("netlink(XDP detach)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  return {};
}

Status run(op::XdpQuery& op) {
  uint32_t id = 0;
  const int ret = bpf_xdp_query_id(static_cast<int>(op.ifindex), static_cast<int>(op.flags), &id);
  if (ret < 0) return os_error("netlink(XDP query)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  op.prog_id = id;
  return {};
}

Status run(op::ClsactCreate& op) {
  bpf_tc_hook hook = hook_for(op.ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int ret = bpf_tc_hook_create(&hook);
  op.created = false;
  if (ret == -EEXIST) return {};
  if (ret < 0)
    return os_error("netlink(add clsact qdisc)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  op.created = true;
  return {};
}

Status run(op::ClsactDestroy& op) {
  bpf_tc_hook hook = hook_for(op.ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int ret = bpf_tc_hook_destroy(&hook);
  if (ret == -ENOENT || ret == -EINVAL)
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", op.ifindex), -ret);
  if (ret < 0)
    return os_error("netlink(delete clsact qdisc)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  return {};
}

Status run(op::TcFiltersFlush& op) {
  // libbpf destroys a single-direction hook by flushing its filters (RTM_DELTFILTER with
  // priority 0), leaving the qdisc.
  bpf_tc_hook hook = hook_for(op.ifindex, point_of(op.direction));
  const int ret = bpf_tc_hook_destroy(&hook);
  if (ret == -ENOENT || ret == -EINVAL)
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", op.ifindex), -ret);
  if (ret < 0)
    return os_error("netlink(flush tc filters)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  return {};
}

Status run(op::TcFilterAttach& op) {
  const bpf_tc_hook hook = hook_for(op.ifindex, point_of(op.direction));
  bpf_tc_opts opts {};
  opts.sz = sizeof(opts);
  opts.prog_fd = op.prog_fd;
  opts.handle = op.wanted.handle;
  opts.priority = op.wanted.priority;
  if (op.replace) opts.flags = BPF_TC_F_REPLACE;
  const int ret = bpf_tc_attach(&hook, &opts);
  if (ret < 0) return os_error("netlink(add bpf filter)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  op.attached = TcFilterId{opts.handle, opts.priority};
  return {};
}

Status run(op::TcFilterDetach& op) {
  const bpf_tc_hook hook = hook_for(op.ifindex, point_of(op.direction));
  bpf_tc_opts opts {};
  opts.sz = sizeof(opts);
  opts.handle = op.filter.handle;
  opts.priority = op.filter.priority;
  const int ret = bpf_tc_detach(&hook, &opts);
  if (ret < 0)
    return os_error("netlink(delete bpf filter)", fmt::format("on ifindex {}", op.ifindex), error_number(ret));
  return {};
}

Status run(op::ProbeTcx& op) {
  static std::once_flag once;
  static bool available = false;
  std::call_once(once, [] { available = probe_tcx(); });
  op.available = available;
  return {};
}

}  // namespace bpfload::sys
