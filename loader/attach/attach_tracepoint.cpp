// Tracepoints: a perf event of type PERF_TYPE_TRACEPOINT with the tracefs id.
#include <linux/perf_event.h>

#include <fmt/format.h>

#include "attach_perf.hpp"
#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_tracepoint(Kernel& kernel, int prog_fd, const std::string& program,
                                     const std::string& category, const std::string& name) {
  const std::string target = fmt::format("tracepoint {}:{}", category, name);
  const std::string context = fmt::format("attach tracepoint program '{}' to {}", program, target);
  auto id = kernel.tracepoint_id(category, name);
  if (!id) return id.error().with_context(context);
  PerfEventRequest request;
  request.type = PERF_TYPE_TRACEPOINT;
  request.config = *id;
  request.sample_period = 1;
  // The program runs for the tracepoint on every CPU; the event's cpu only scopes counting.
  request.pid = -1;
  request.cpu = 0;
  auto event = kernel.perf_event_open(request);
  if (!event) return event.error().with_context(context);
  auto attachment = attach_to_perf_event(kernel, prog_fd, program, std::move(*event), target);
  if (!attachment) return attachment.error().with_context(context);
  return attachment;
}

}  // namespace bpfload
