// BPF_PROG_LOAD through the raw system call (see kernel_prog_load.cpp for why).
#pragma once

#include "bpfload/kernel.hpp"

namespace bpfload {

/// Loads a program, retrying on EAGAIN. Never fails as a Result: refusals come back
/// as an outcome with an invalid fd, errno and the kernel's log_true_size.
[[nodiscard]] ProgLoadOutcome raw_prog_load(const ProgLoadRequest& request);

}  // namespace bpfload
