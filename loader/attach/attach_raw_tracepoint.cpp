// Raw tracepoints (and tp_btf/fentry/fexit/fmod_ret/lsm, whose target is fixed at load
// time): BPF_RAW_TRACEPOINT_OPEN returns a link fd.
#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_raw_tracepoint(Kernel& kernel, int prog_fd, const std::string& program,
                                         const std::string& name) {
  const std::string target = name.empty() ? std::string("its load-time BTF target")
                                          : fmt::format("raw tracepoint {}", name);
  auto link = kernel.raw_tracepoint_open(name, prog_fd);
  if (!link) return link.error().with_context(fmt::format("attach program '{}' to {}", program, target));
  return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
}

}  // namespace bpfload
