// Module BTF objects by name: the fd a BTF-targeted program in a module is loaded with
// (attach_btf_obj_fd), found the way libbpf finds it (walk every BTF object id, keep the
// kernel one whose name is the module's).
#include <cerrno>
#include <cstring>
#include <string>

#include <bpf/bpf.h>
#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/kernel_btf.hpp"
#include "kernel_errors.hpp"

namespace bpfload {

Result<Fd> Kernel::module_btf_fd(const std::string& module) {
  return make_error(ErrorKind::Unsupported, fmt::format("this kernel interface has no module BTF (module '{}')", module));
}

Result<Fd> open_module_btf(const std::string& module) {
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
    if (info.kernel_btf != 0 && module == name) return fd;
  }
  return make_error(ErrorKind::NotFound, fmt::format("no loaded module '{}' has BTF in this kernel", module));
}

}  // namespace bpfload
