// For bpfload's own tests only (not installed): route an object's kernel calls through
// another Kernel, e.g. a FaultInjectingKernel, as LoadOptions::kernel does in C++.
#pragma once

#include "bpfload/bpfload.h"
#include "bpfload/kernel.hpp"

namespace bpfload::capi {

/// Makes `object`'s load, map and attach operations use `kernel` (which must outlive it).
void use_kernel_for_testing(bpfload_object* object, Kernel* kernel) noexcept;

}  // namespace bpfload::capi
