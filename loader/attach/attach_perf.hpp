// Internal: the perf-event attachment shared by tracepoints, kprobes, uprobes and perf_event.
#pragma once

#include <string>

#include "bpfload/attach.hpp"

namespace bpfload {

/// Attaches `prog_fd` to `perf_event` (a perf link, else the ioctl); no context added.
[[nodiscard]] Result<Attachment> attach_to_perf_event(Kernel& kernel, int prog_fd,
                                                      const std::string& program, Fd perf_event,
                                                      const std::string& target);

}  // namespace bpfload
