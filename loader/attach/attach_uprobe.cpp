// uprobes and uretprobes through the uprobe PMU (binary path and file offset).
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "attach_perf.hpp"
#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_uprobe(Kernel& kernel, int prog_fd, const std::string& program,
                                 const std::string& binary, uint64_t offset, bool retprobe, int pid) {
  const std::string target = fmt::format("{} {}+{:#x}{}", retprobe ? "uretprobe" : "uprobe", binary, offset,
                                         pid >= 0 ? fmt::format(" pid {}", pid) : std::string());
  const std::string context = fmt::format("attach program '{}' to {}", program, target);
  auto type = kernel.pmu_type("uprobe");
  if (!type) return type.error().with_context(context);
  PerfEventRequest request;
  request.type = *type;
  if (retprobe) {
    auto bit = kernel.pmu_retprobe_bit("uprobe");
    if (!bit) return bit.error().with_context(context);
    if (*bit >= 64) return make_error(ErrorKind::Malformed, fmt::format("{}: retprobe bit {} out of range", context, *bit));
    request.config = uint64_t{1} << *bit;
  }
  request.config1 = reinterpret_cast<uintptr_t>(binary.c_str());
  request.config2 = offset;
  request.pid = pid;
  request.cpu = pid >= 0 ? -1 : 0;
  auto event = kernel.perf_event_open(request);
  if (!event) {
    if (event.error().sys_errno == ENOENT) {
      return make_error(ErrorKind::NotFound, fmt::format("{}: no file '{}'", context, binary), ENOENT);
    }
    return event.error().with_context(context);
  }
  auto attachment = attach_to_perf_event(kernel, prog_fd, program, std::move(*event), target);
  if (!attachment) return attachment.error().with_context(context);
  return attachment;
}

}  // namespace bpfload
