#include "bpfload/kernel_btf.hpp"

#include <cerrno>
#include <cstring>

#include <bpf/btf.h>
#include <fmt/format.h>

namespace bpfload {

Result<BtfPtr> load_kernel_btf(uint32_t id) {
  errno = 0;
  struct btf* btf = btf__load_from_kernel_by_id(id);
  if (btf == nullptr) {
    const int saved = errno != 0 ? errno : EINVAL;
    return make_error(ErrorKind::Kernel,
                      fmt::format("bpf(BTF_GET_FD_BY_ID): cannot read BTF object {}: {}", id, std::strerror(saved)),
                      saved);
  }
  return BtfPtr(btf);
}

}  // namespace bpfload
