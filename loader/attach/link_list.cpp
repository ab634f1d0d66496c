// Every BPF link in the system, named by type and target, for `bpfload link list`.
#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

std::string link_type_name(uint32_t type) {
  switch (type) {
    case BPF_LINK_TYPE_RAW_TRACEPOINT: return "raw_tracepoint";
    case BPF_LINK_TYPE_TRACING: return "tracing";
    case BPF_LINK_TYPE_CGROUP: return "cgroup";
    case BPF_LINK_TYPE_ITER: return "iter";
    case BPF_LINK_TYPE_NETNS: return "netns";
    case BPF_LINK_TYPE_XDP: return "xdp";
    case BPF_LINK_TYPE_PERF_EVENT: return "perf_event";
    case BPF_LINK_TYPE_KPROBE_MULTI: return "kprobe_multi";
    case BPF_LINK_TYPE_STRUCT_OPS: return "struct_ops";
    case 10: return "netfilter";
    case kLinkTypeTcx: return "tcx";
    case 12: return "uprobe_multi";
    case 13: return "netkit";
    default: return fmt::format("type {}", type);
  }
}

// "veth0 (ifindex 3)"; links are listed system-wide, so a device of another network
// namespace has only its index here.
std::string device(Kernel& kernel, uint32_t ifindex) {
  Result<std::string> name = kernel.interface_name(ifindex);
  if (!name.ok()) return fmt::format("ifindex {} (not in this network namespace)", ifindex);
  return fmt::format("{} (ifindex {})", *name, ifindex);
}

std::string link_target(Kernel& kernel, const LinkInfo& info) {
  switch (info.type) {
    case BPF_LINK_TYPE_RAW_TRACEPOINT: return info.tracepoint;
    case BPF_LINK_TYPE_CGROUP: return fmt::format("cgroup id {} attach type {}", info.cgroup_id, info.attach_type);
    case BPF_LINK_TYPE_XDP: return device(kernel, info.ifindex);
    case kLinkTypeTcx:
      return fmt::format("{} {}", device(kernel, info.ifindex),
                         info.attach_type == kAttachTcxEgress ? "egress" : "ingress");
    default: return "";
  }
}

}  // namespace

Result<std::vector<LinkEntry>> list_links(Kernel& kernel) {
  auto ids = kernel.link_ids();
  if (!ids) return ids.error().with_context("list links");
  std::vector<LinkEntry> entries;
  for (uint32_t id : *ids) {
    auto fd = kernel.link_by_id(id);
    if (!fd) continue;  // detached since the id was listed
    auto info = kernel.link_info(fd->get());
    if (!info) continue;
    LinkEntry entry;
    entry.info = *info;
    entry.type_name = link_type_name(info->type);
    entry.target = link_target(kernel, *info);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace bpfload
