// libbpfload_testing: test doubles for code built on bpfload, behind the one Kernel seam
// (kernel.hpp). FakeKernel is a whole operating system in memory; FaultInjectingKernel
// wraps any Kernel (the fake or system_kernel()) and makes chosen calls fail. Pass either
// as LoadOptions::kernel and to the attach functions. Link with `pkg-config
// bpfload_testing`; never part of libbpfload itself.
#pragma once

#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
