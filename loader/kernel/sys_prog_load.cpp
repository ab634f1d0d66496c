// Why BPF_PROG_LOAD bypasses libbpf: libbpf 1.1's bpf_prog_load() builds its own
// union bpf_attr from the 6.1 UAPI headers, which end at core_relo_rec_size, so it can
// neither pass nor read back log_true_size (Linux 6.4+). The loader needs that size to
// grow the log buffer to exactly what the verifier wants in one retry. So this file
// calls bpf() directly with the attributes up to log_true_size (uapi::ProgLoadAttr, in
// bpfload/uapi.hpp with the other numbers newer than the headers). Older kernels accept the longer struct because the extra field is zero on
// input (the kernel only rejects non-zero bytes past the attributes it knows).
#include "kernel_errors.hpp"
#include "system_kernel.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/uapi.hpp"

namespace bpfload::sys {
namespace {

// libbpf retries EAGAIN (the verifier gives up when a signal is pending) 5 times.
constexpr int kLoadAttempts = 5;

uint64_t pointer_value(const void* pointer) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer));
}

uapi::ProgLoadAttr make_attr(const ProgLoadRequest& request) {
  uapi::ProgLoadAttr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = request.type;
  attr.insn_cnt = static_cast<uint32_t>(request.insns.size());
  attr.insns = pointer_value(request.insns.data());
  attr.license = pointer_value(request.license.c_str());
  attr.kern_version = request.kern_version;
  attr.prog_flags = request.prog_flags;
  attr.expected_attach_type = request.expected_attach_type;
  const size_t name_len = std::min(request.name.size(), size_t{BPF_OBJ_NAME_LEN - 1});
  std::memcpy(attr.prog_name, request.name.data(), name_len);
  if (request.prog_btf_fd >= 0) attr.prog_btf_fd = static_cast<uint32_t>(request.prog_btf_fd);
  attr.attach_btf_id = request.attach_btf_id;
  if (request.attach_btf_obj_fd >= 0) attr.attach_prog_fd = static_cast<uint32_t>(request.attach_btf_obj_fd);
  if (!request.fd_array.empty()) attr.fd_array = pointer_value(request.fd_array.data());
  if (!request.func_info.empty()) {
    attr.func_info_rec_size = sizeof(bpf_func_info);
    attr.func_info = pointer_value(request.func_info.data());
    attr.func_info_cnt = static_cast<uint32_t>(request.func_info.size());
  }
  if (!request.line_info.empty()) {
    attr.line_info_rec_size = sizeof(bpf_line_info);
    attr.line_info = pointer_value(request.line_info.data());
    attr.line_info_cnt = static_cast<uint32_t>(request.line_info.size());
  }
  // A log buffer without a level (or a level without a buffer, before 6.4) is EINVAL,
  // so both are passed only together.
  if (request.log_level != 0 && !request.log_buf.empty()) {
    attr.log_level = request.log_level;
    attr.log_size = static_cast<uint32_t>(std::min<size_t>(request.log_buf.size(), UINT32_MAX >> 2));
    attr.log_buf = pointer_value(request.log_buf.data());
    request.log_buf[0] = '\0';
  }
  return attr;
}

}  // namespace

Status run(op::ProgLoad& op) {
  const ProgLoadRequest& request = op.request;
  int err = 0;
  for (int attempt = 0; attempt < kLoadAttempts; ++attempt) {
    uapi::ProgLoadAttr attr = make_attr(request);
    const long fd = ::syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
    op.log_true_size = attr.log_true_size;
    if (fd >= 0) {
      op.fd = Fd(static_cast<int>(fd));
      return {};
    }
    err = errno;
    if (err != EAGAIN) break;
  }
  return kernel_error(KernelCommand::ProgLoad, fmt::format("of program '{}'", request.name), err);
}

}  // namespace bpfload::sys
