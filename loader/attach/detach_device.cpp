// `xdp off` and `tc off`: everything attached to a device's XDP or tc hooks, removed.
// Links are found from the programs the device reports (netlink for XDP, BPF_PROG_QUERY
// for tcx), because a link's ifindex alone could be a device of another network namespace.
#include <array>
#include <cerrno>
#include <optional>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

struct FoundLink {
  Fd fd;
  uint32_t id = 0;
};

// The link of `type` that attaches program `prog_id` to `ifindex`, if any. A program id is
// unique in the system, so with the ifindex it names our device's link.
Result<std::optional<FoundLink>> link_of_program(Kernel& kernel, uint32_t type, uint32_t ifindex,
                                                 uint32_t prog_id) {
  auto ids = kernel.link_ids();
  if (!ids) return std::move(ids).error();
  for (uint32_t id : *ids) {
    auto fd = kernel.link_by_id(id);
    if (!fd) continue;  // gone since it was listed
    auto info = kernel.link_info(fd->get());
    if (!info) continue;
    if (info->type == type && info->ifindex == ifindex && info->prog_id == prog_id) {
      return std::optional<FoundLink>(FoundLink{std::move(*fd), id});
    }
  }
  return std::optional<FoundLink>();
}

struct XdpModeFlag {
  const char* hook;
  uint32_t flag;
};
constexpr std::array<XdpModeFlag, 3> kXdpModes = {{
    {"xdp native", XDP_FLAGS_DRV_MODE},
    {"xdp generic", XDP_FLAGS_SKB_MODE},
    {"xdp offload", XDP_FLAGS_HW_MODE},
}};

}  // namespace

Result<std::vector<DeviceDetachment>> detach_xdp_device(Kernel& kernel, const std::string& device) {
  const std::string context = fmt::format("remove XDP from '{}'", device);
  auto ifindex = kernel.interface_index(device);
  if (!ifindex) return ifindex.error().with_context(context);
  std::vector<DeviceDetachment> removed;
  for (const XdpModeFlag& mode : kXdpModes) {
    auto prog_id = kernel.xdp_attached_id(*ifindex, mode.flag);
    if (!prog_id) return prog_id.error().with_context(context);
    if (*prog_id == 0) continue;
    auto link = link_of_program(kernel, BPF_LINK_TYPE_XDP, *ifindex, *prog_id);
    if (!link) return link.error().with_context(context);
    if (*link) {
      // netlink cannot remove a program a link holds (EBUSY): the link is detached instead.
      Status status = kernel.link_detach((*link)->fd.get());
      if (!status) return status.error().with_context(fmt::format("{}: link {}", context, (*link)->id));
      removed.push_back({mode.hook, "link", *prog_id, (*link)->id});
      continue;
    }
    Status status = kernel.xdp_detach(*ifindex, -1, mode.flag);
    if (!status) return status.error().with_context(fmt::format("{} ({})", context, mode.hook));
    removed.push_back({mode.hook, "netlink", *prog_id, 0});
  }
  return removed;
}

namespace {

Status detach_tcx_links(Kernel& kernel, uint32_t ifindex, TcDirection direction, const char* hook,
                        std::vector<DeviceDetachment>& removed) {
  const uint32_t attach_type = direction == TcDirection::Ingress ? kAttachTcxIngress : kAttachTcxEgress;
  auto prog_ids = kernel.query_prog_ids(static_cast<int>(ifindex), attach_type);
  if (!prog_ids) return std::move(prog_ids).error();
  for (uint32_t prog_id : *prog_ids) {
    auto link = link_of_program(kernel, kLinkTypeTcx, ifindex, prog_id);
    if (!link) return std::move(link).error();
    if (!*link) continue;  // a tcx program without a link: not one this can remove
    Status status = kernel.link_detach((*link)->fd.get());
    if (!status) return status.error().with_context(fmt::format("link {}", (*link)->id));
    removed.push_back({hook, "link", prog_id, (*link)->id});
  }
  return {};
}

}  // namespace

Result<std::vector<DeviceDetachment>> detach_tc_device(Kernel& kernel, const std::string& device,
                                                       std::optional<TcDirection> direction) {
  const std::string context = fmt::format("remove tc programs from '{}'", device);
  auto ifindex = kernel.interface_index(device);
  if (!ifindex) return ifindex.error().with_context(context);
  std::vector<DeviceDetachment> removed;
  const std::array<std::pair<TcDirection, const char*>, 2> hooks = {
      {{TcDirection::Ingress, "ingress"}, {TcDirection::Egress, "egress"}}};
  for (const auto& [hook_direction, hook] : hooks) {
    if (direction && *direction != hook_direction) continue;
    if (kernel.has_tcx()) {
      Status status = detach_tcx_links(kernel, *ifindex, hook_direction, hook, removed);
      if (!status) return status.error().with_context(fmt::format("{} ({})", context, hook));
    }
    Status flushed = kernel.tc_filters_flush(*ifindex, hook_direction);
    if (flushed) {
      removed.push_back({hook, "tc-filters", 0, 0});
    } else if (flushed.error().kind != ErrorKind::NotFound) {
      return flushed.error().with_context(fmt::format("{} ({})", context, hook));
    }
  }
  if (!direction) {
    Status qdisc = kernel.clsact_destroy(*ifindex);
    if (qdisc) {
      removed.push_back({"clsact", "qdisc", 0, 0});
    } else if (qdisc.error().kind != ErrorKind::NotFound) {
      return qdisc.error().with_context(context);
    }
  }
  return removed;
}

}  // namespace bpfload
