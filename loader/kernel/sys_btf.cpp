// BTF objects the kernel holds, on the real kernel: one by id (a map's key and value
// types), and a module's by name, found the way libbpf finds it (walk every BTF object
// id, keep the kernel one whose name is the module's).
#include <cerrno>
#include <cstring>
#include <string>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fmt/format.h>

#include "kernel_errors.hpp"
#include "system_kernel.hpp"

namespace bpfload::sys {

Status run(op::KernelBtf& op) {
  errno = 0;
  struct btf* btf = btf__load_from_kernel_by_id(op.id);
  if (btf == nullptr) {
    const int saved = errno != 0 ? errno : EINVAL;
    return make_error(ErrorKind::Kernel,
                      fmt::format("bpf(BTF_GET_FD_BY_ID): cannot read BTF object {}: {}", op.id, errno_text(saved)),
                      saved);
  }
  op.btf.reset(btf);
  return {};
}

Status run(op::ModuleBtf& op) {
  uint32_t id = 0;
  for (;;) {
    if (bpf_btf_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) break;
      return make_error(ErrorKind::Kernel, fmt::format("bpf(BTF_GET_NEXT_ID): {}", errno_text(errno)), errno);
    }
    Fd fd(bpf_btf_get_fd_by_id(id));
    if (!fd.valid()) {
      if (errno == ENOENT) continue;  // freed meanwhile
      return make_error(ErrorKind::Kernel, fmt::format("bpf(BTF_GET_FD_BY_ID) of BTF {}: {}", id, errno_text(errno)),
                        errno);
    }
    char name[64] = {};
    bpf_btf_info info{};
    info.name = reinterpret_cast<uintptr_t>(name);
    info.name_len = sizeof(name);
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0)
      return make_error(ErrorKind::Kernel, fmt::format("bpf(OBJ_GET_INFO_BY_FD) of BTF {}: {}", id, errno_text(errno)),
                        errno);
    if (info.kernel_btf != 0 && op.module == name) {
      op.fd = std::move(fd);
      return {};
    }
  }
  return make_error(ErrorKind::NotFound, fmt::format("no loaded module '{}' has BTF in this kernel", op.module));
}

}  // namespace bpfload::sys
