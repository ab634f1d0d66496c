// Cgroup programs: a cgroup link (5.7+), else BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI.
#include <cerrno>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_cgroup(Kernel& kernel, int prog_fd, const std::string& program,
                                 const std::string& cgroup_path, uint32_t attach_type) {
  const std::string target = fmt::format("cgroup {} (attach type {})", cgroup_path, attach_type);
  const std::string context = fmt::format("attach cgroup program '{}' to '{}'", program, cgroup_path);
  auto cgroup = kernel.open_cgroup(cgroup_path);
  if (!cgroup) return cgroup.error().with_context(context);
  LinkCreateRequest request;
  request.prog_fd = prog_fd;
  request.target_fd = cgroup->get();
  request.attach_type = attach_type;
  auto link = kernel.link_create(request);
  if (link) return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
  if (link.error().sys_errno != EINVAL) return link.error().with_context(context);
  auto prog = kernel.duplicate(prog_fd);
  if (!prog) return prog.error().with_context(context);
  Status status = kernel.prog_attach(prog_fd, cgroup->get(), attach_type, BPF_F_ALLOW_MULTI);
  if (!status) return status.error().with_context(context);
  return Attachment(kernel, ProgAttachHandle{std::move(*cgroup), std::move(*prog), attach_type}, program,
                    target);
}

}  // namespace bpfload
