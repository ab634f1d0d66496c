// tc ingress/egress: tcx links where the kernel has them (6.6+), else clsact + `bpf da`.
#include <cerrno>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

std::string_view direction_name(TcDirection direction) {
  return direction == TcDirection::Ingress ? "ingress" : "egress";
}

Result<Attachment> attach_tcx(Kernel& kernel, int prog_fd, const std::string& program,
                              uint32_t ifindex, const std::string& target, TcDirection direction) {
  LinkCreateRequest request;
  request.prog_fd = prog_fd;
  request.target_fd = static_cast<int>(ifindex);
  request.attach_type = direction == TcDirection::Ingress ? kAttachTcxIngress : kAttachTcxEgress;
  auto link = kernel.link_create(request);
  if (!link) return std::move(link).error();
  return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
}

Result<Attachment> attach_filter(Kernel& kernel, int prog_fd, const std::string& program,
                                 uint32_t ifindex, const std::string& device, const TcOptions& options) {
  auto created = kernel.clsact_create(ifindex);
  if (!created) return std::move(created).error();
  const TcFilterId wanted{options.handle, options.priority};
  auto filter = kernel.tc_filter_attach(ifindex, options.direction, prog_fd, wanted, options.replace);
  if (!filter) {
    Error error = std::move(filter).error();
    if (*created) (void)kernel.clsact_destroy(ifindex);  // leave the device as it was
    if (error.sys_errno == EEXIST) {
      error = make_error(ErrorKind::InvalidArgument,
                         fmt::format("a filter with handle {} and priority {} is already on {} {}; "
                                     "remove it (tc filter del dev {} {}) or ask to replace it",
                                     options.handle, options.priority, device,
                                     direction_name(options.direction), device,
                                     direction_name(options.direction)),
                         EEXIST);
    }
    return error;
  }
  const std::string target = fmt::format("tc {} {} (clsact filter handle {:#x} priority {})", device,
                                         direction_name(options.direction), filter->handle,
                                         filter->priority);
  return Attachment(kernel, TcFilterHandle{ifindex, options.direction, *filter, *created}, program, target);
}

}  // namespace

Result<Attachment> attach_tc(Kernel& kernel, int prog_fd, const std::string& program,
                             const std::string& device, const TcOptions& options) {
  const std::string context = fmt::format("attach tc program '{}' to '{}' {}", program, device,
                                          direction_name(options.direction));
  auto ifindex = kernel.interface_index(device);
  if (!ifindex) return ifindex.error().with_context(context);
  const bool wants_filter = options.netlink || options.priority != 0 || options.handle != 0;
  if (!wants_filter && kernel.has_tcx()) {
    const std::string target = fmt::format("tcx {} {}", device, direction_name(options.direction));
    auto attachment = attach_tcx(kernel, prog_fd, program, *ifindex, target, options.direction);
    if (!attachment) return attachment.error().with_context(context);
    return attachment;
  }
  auto attachment = attach_filter(kernel, prog_fd, program, *ifindex, device, options);
  if (!attachment) return attachment.error().with_context(context);
  return attachment;
}

}  // namespace bpfload
