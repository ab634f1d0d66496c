// A program on a perf event: a perf link (5.15+), else PERF_EVENT_IOC_SET_BPF. Shared by
// tracepoints, kprobes and uprobes, which are perf events of their own PMUs.
#include <cerrno>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "attach_perf.hpp"
#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_to_perf_event(Kernel& kernel, int prog_fd, const std::string& program,
                                        Fd perf_event, const std::string& target) {
  LinkCreateRequest request;
  request.prog_fd = prog_fd;
  request.target_fd = perf_event.get();
  request.attach_type = BPF_PERF_EVENT;
  auto link = kernel.link_create(request);
  if (link) return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
  const int err = link.error().sys_errno;
  if (err != EINVAL && err != EOPNOTSUPP) return std::move(link).error();
  Status status = kernel.perf_event_set_bpf(perf_event.get(), prog_fd);
  if (!status) return std::move(status).error();
  return Attachment(kernel, PerfEventHandle{std::move(perf_event)}, program, target);
}

Result<Attachment> attach_perf_event(Kernel& kernel, int prog_fd, const std::string& program,
                                     Fd perf_event, const std::string& target) {
  auto attachment = attach_to_perf_event(kernel, prog_fd, program, std::move(perf_event), target);
  if (!attachment) {
    return attachment.error().with_context(fmt::format("attach perf_event program '{}' to {}", program, target));
  }
  return attachment;
}

}  // namespace bpfload
