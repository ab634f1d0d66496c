// XDP on an interface: a BPF link by default, netlink when asked (persistent, replaceable).
#include <cerrno>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

uint32_t mode_flags(XdpMode mode) {
  switch (mode) {
    case XdpMode::Auto: return 0;
    case XdpMode::Native: return XDP_FLAGS_DRV_MODE;
    case XdpMode::Generic: return XDP_FLAGS_SKB_MODE;
    case XdpMode::Offload: return XDP_FLAGS_HW_MODE;
  }
  return 0;
}

std::string_view mode_name(XdpMode mode) {
  switch (mode) {
    case XdpMode::Auto: return "native, or generic when the driver has no XDP";
    case XdpMode::Native: return "native";
    case XdpMode::Generic: return "generic";
    case XdpMode::Offload: return "offload";
  }
  return "?";
}

/// An XDP attach mode and the `ip link` keyword that removes a program attached in it.
struct ModeKeyword {
  uint32_t flag;
  const char* keyword;
};
constexpr ModeKeyword kModeKeywords[] = {
    {XDP_FLAGS_SKB_MODE, "xdpgeneric"}, {XDP_FLAGS_DRV_MODE, "xdpdrv"}, {XDP_FLAGS_HW_MODE, "xdpoffload"}};

Error already_attached(Kernel& kernel, uint32_t ifindex, uint32_t flags, const std::string& device,
                       const Error& cause) {
  // The program there may be in another mode than the one asked for (generic while
  // native was asked: the kernel refuses both at once); `ip link set ... xdp off` does not
  // remove a generic one, so the command names the mode it is in.
  uint32_t id = 0;
  std::string keyword = "xdp";
  if (auto same_mode = kernel.xdp_attached_id(ifindex, flags); same_mode && *same_mode != 0) id = *same_mode;
  for (const ModeKeyword& mode : kModeKeywords) {
    auto attached = kernel.xdp_attached_id(ifindex, mode.flag);
    if (!attached || *attached == 0 || (id != 0 && *attached != id)) continue;
    id = *attached;
    keyword = mode.keyword;
    break;
  }
  const std::string which = id != 0 ? fmt::format(" (program id {})", id) : std::string();
  Error error = make_error(
      ErrorKind::InvalidArgument,
      fmt::format("interface '{}' already has an XDP program{}; detach it first (ip link set dev {} {} off) "
                  "or ask to replace it",
                  device, which, device, keyword),
      cause.sys_errno);
  return error;
}

}  // namespace

Result<Attachment> attach_xdp(Kernel& kernel, int prog_fd, const std::string& program,
                              const std::string& device, const XdpOptions& options) {
  const std::string context = fmt::format("attach XDP program '{}' to '{}'", program, device);
  auto ifindex = kernel.interface_index(device);
  if (!ifindex) return ifindex.error().with_context(context);
  const uint32_t flags = mode_flags(options.mode);
  const std::string target = fmt::format("xdp {} ({})", device, mode_name(options.mode));

  // A link cannot replace a program attached through netlink, so replacing goes there too.
  if (!options.netlink && !options.replace) {
    LinkCreateRequest request;
    request.prog_fd = prog_fd;
    request.target_fd = static_cast<int>(*ifindex);
    request.attach_type = BPF_XDP;
    request.flags = flags;
    auto link = kernel.link_create(request);
    if (!link) {
      const int err = link.error().sys_errno;
      if (err == EBUSY || err == EEXIST) {
        return already_attached(kernel, *ifindex, flags, device, link.error()).with_context(context);
      }
      return link.error().with_context(context);
    }
    return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
  }

  auto prog = kernel.duplicate(prog_fd);
  if (!prog) return prog.error().with_context(context);
  const uint32_t attach_flags = flags | (options.replace ? 0U : XDP_FLAGS_UPDATE_IF_NOEXIST);
  Status status = kernel.xdp_attach(*ifindex, prog_fd, attach_flags);
  if (!status) {
    const int err = status.error().sys_errno;
    if (err == EBUSY || err == EEXIST) {
      return already_attached(kernel, *ifindex, flags, device, status.error()).with_context(context);
    }
    return status.error().with_context(context);
  }
  return Attachment(kernel, XdpNetlinkHandle{*ifindex, flags, std::move(*prog)}, program, target);
}

}  // namespace bpfload
