// The Kernel that makes real system calls: every op to its sys::run overload. Stateless
// (the few facts it probes are cached per process inside the ops), hence thread-safe.
#include "system_kernel.hpp"

namespace bpfload {
namespace {

class SystemKernel final : public Kernel {
 public:
  Status call(KernelOp& op) override {
    return std::visit([](auto& request) { return sys::run(request); }, op);
  }
};

}  // namespace

Kernel& system_kernel() {
  static SystemKernel kernel;
  return kernel;
}

}  // namespace bpfload
