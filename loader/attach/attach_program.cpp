// One program attached as its section says: plan_attach, then the kind's attach function.
#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_program(Kernel& kernel, int prog_fd, const std::string& program,
                                  const std::string& section, uint32_t prog_type,
                                  uint32_t expected_attach_type, const AttachTargets& targets) {
  const AttachPlan plan = plan_attach(section, prog_type, expected_attach_type, targets);
  using Kind = AttachPlan::Kind;
  switch (plan.kind) {
    case Kind::Xdp:
      return attach_xdp(kernel, prog_fd, program, plan.first, targets.xdp);
    case Kind::Tc: {
      TcOptions options = targets.tc;
      options.direction = *plan.direction;
      return attach_tc(kernel, prog_fd, program, plan.first, options);
    }
    case Kind::Tracepoint:
      return attach_tracepoint(kernel, prog_fd, program, plan.first, plan.second);
    case Kind::RawTracepoint:
      return attach_raw_tracepoint(kernel, prog_fd, program, plan.first);
    case Kind::Cgroup:
      return attach_cgroup(kernel, prog_fd, program, plan.first, expected_attach_type);
    case Kind::Kprobe:
      return attach_kprobe(kernel, prog_fd, program, plan.first, plan.offset, plan.retprobe);
    case Kind::Uprobe: {
      uint64_t offset = plan.offset;
      if (!plan.second.empty()) {
        auto found = uprobe_offset(kernel, plan.first, plan.second);
        if (!found) return found.error().with_context(fmt::format("attach program '{}'", program));
        offset = *found;
      }
      return attach_uprobe(kernel, prog_fd, program, plan.first, offset, plan.retprobe);
    }
    case Kind::Tracing:
      return attach_tracing(kernel, prog_fd, program, section, expected_attach_type);
    case Kind::None:
      break;
  }
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("attach program '{}' (section '{}'): {}", program, section, plan.reason));
}

}  // namespace bpfload
