// BTF-targeted programs: the target (function, tracepoint, LSM hook, iterator) was fixed at
// load time through attach_btf_id, so attaching only needs the program.
#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_tracing(Kernel& kernel, int prog_fd, const std::string& program,
                                  const std::string& section, uint32_t expected_attach_type) {
  const std::string context = fmt::format("attach program '{}' of section '{}'", program, section);
  if (expected_attach_type == BPF_TRACE_ITER) {
    LinkCreateRequest request;
    request.prog_fd = prog_fd;
    request.target_fd = 0;
    request.attach_type = BPF_TRACE_ITER;
    auto link = kernel.link_create(request);
    if (!link) return link.error().with_context(context);
    return Attachment(kernel, LinkHandle{std::move(*link)}, program, fmt::format("iterator {}", section));
  }
  auto link = kernel.raw_tracepoint_open("", prog_fd);
  if (!link) return link.error().with_context(context);
  return Attachment(kernel, LinkHandle{std::move(*link)}, program, section);
}

}  // namespace bpfload
