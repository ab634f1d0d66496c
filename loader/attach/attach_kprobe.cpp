// kprobes and kretprobes through the kprobe PMU (perf_event_open with the function name).
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "attach_perf.hpp"
#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_kprobe(Kernel& kernel, int prog_fd, const std::string& program,
                                 const std::string& function, uint64_t offset, bool retprobe) {
  const std::string target = offset == 0 ? fmt::format("{} {}", retprobe ? "kretprobe" : "kprobe", function)
                                         : fmt::format("{} {}+{:#x}", retprobe ? "kretprobe" : "kprobe",
                                                       function, offset);
  const std::string context = fmt::format("attach program '{}' to {}", program, target);
  auto type = kernel.pmu_type("kprobe");
  if (!type) return type.error().with_context(context);
  PerfEventRequest request;
  request.type = *type;
  if (retprobe) {
    auto bit = kernel.pmu_retprobe_bit("kprobe");
    if (!bit) return bit.error().with_context(context);
    if (*bit >= 64) return make_error(ErrorKind::Malformed, fmt::format("{}: retprobe bit {} out of range", context, *bit));
    request.config = uint64_t{1} << *bit;
  }
  request.config1 = reinterpret_cast<uintptr_t>(function.c_str());
  request.config2 = offset;
  request.pid = -1;
  request.cpu = 0;
  auto event = kernel.perf_event_open(request);
  if (!event) {
    const int err = event.error().sys_errno;
    if (err == ENOENT || err == EINVAL) {
      return make_error(ErrorKind::NotFound,
                        fmt::format("{}: no probeable kernel function '{}' (see /proc/kallsyms and "
                                    "/sys/kernel/tracing/available_filter_functions)",
                                    context, function),
                        err);
    }
    return event.error().with_context(context);
  }
  auto attachment = attach_to_perf_event(kernel, prog_fd, program, std::move(*event), target);
  if (!attachment) return attachment.error().with_context(context);
  return attachment;
}

}  // namespace bpfload
