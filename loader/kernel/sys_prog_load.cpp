// Why BPF_PROG_LOAD bypasses libbpf: libbpf 1.1's bpf_prog_load() builds its own
// union bpf_attr from the 6.1 UAPI headers, which end at core_relo_rec_size, so it can
// neither pass nor read back log_true_size (Linux 6.4+). The loader needs that size to
// grow the log buffer to exactly what the verifier wants in one retry. So this file
// mirrors the kernel's BPF_PROG_LOAD attributes up to log_true_size and calls bpf()
// directly. Older kernels accept the longer struct because the extra field is zero on
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

// The BPF_PROG_LOAD member of union bpf_attr as of Linux 6.4 (include/uapi/linux/bpf.h).
struct ProgLoadAttr {
  uint32_t prog_type;
  uint32_t insn_cnt;
  alignas(8) uint64_t insns;
  alignas(8) uint64_t license;
  uint32_t log_level;
  uint32_t log_size;
  alignas(8) uint64_t log_buf;
  uint32_t kern_version;
  uint32_t prog_flags;
  char prog_name[BPF_OBJ_NAME_LEN];
  uint32_t prog_ifindex;
  uint32_t expected_attach_type;
  uint32_t prog_btf_fd;
  uint32_t func_info_rec_size;
  alignas(8) uint64_t func_info;
  uint32_t func_info_cnt;
  uint32_t line_info_rec_size;
  alignas(8) uint64_t line_info;
  uint32_t line_info_cnt;
  uint32_t attach_btf_id;
  uint32_t attach_prog_fd;  // union with attach_btf_obj_fd
  uint32_t core_relo_cnt;
  alignas(8) uint64_t fd_array;
  alignas(8) uint64_t core_relos;
  uint32_t core_relo_rec_size;
  uint32_t log_true_size;  // output, Linux 6.4+
};

#define BPFLOAD_SAME_OFFSET(field) \
  static_assert(offsetof(ProgLoadAttr, field) == offsetof(union bpf_attr, field), #field)
BPFLOAD_SAME_OFFSET(prog_type);
BPFLOAD_SAME_OFFSET(insn_cnt);
BPFLOAD_SAME_OFFSET(insns);
BPFLOAD_SAME_OFFSET(license);
BPFLOAD_SAME_OFFSET(log_level);
BPFLOAD_SAME_OFFSET(log_size);
BPFLOAD_SAME_OFFSET(log_buf);
BPFLOAD_SAME_OFFSET(kern_version);
BPFLOAD_SAME_OFFSET(prog_flags);
BPFLOAD_SAME_OFFSET(prog_name);
BPFLOAD_SAME_OFFSET(prog_ifindex);
BPFLOAD_SAME_OFFSET(expected_attach_type);
BPFLOAD_SAME_OFFSET(prog_btf_fd);
BPFLOAD_SAME_OFFSET(func_info_rec_size);
BPFLOAD_SAME_OFFSET(func_info);
BPFLOAD_SAME_OFFSET(func_info_cnt);
BPFLOAD_SAME_OFFSET(line_info_rec_size);
BPFLOAD_SAME_OFFSET(line_info);
BPFLOAD_SAME_OFFSET(line_info_cnt);
BPFLOAD_SAME_OFFSET(attach_btf_id);
BPFLOAD_SAME_OFFSET(attach_prog_fd);
BPFLOAD_SAME_OFFSET(core_relo_cnt);
BPFLOAD_SAME_OFFSET(fd_array);
BPFLOAD_SAME_OFFSET(core_relos);
BPFLOAD_SAME_OFFSET(core_relo_rec_size);
#undef BPFLOAD_SAME_OFFSET
// log_true_size directly follows core_relo_rec_size in 6.4+.
static_assert(offsetof(ProgLoadAttr, log_true_size) ==
              offsetof(union bpf_attr, core_relo_rec_size) + sizeof(uint32_t));
static_assert(offsetof(ProgLoadAttr, log_true_size) == uapi::kProgLoadLogTrueSizeOffset);

// libbpf retries EAGAIN (the verifier gives up when a signal is pending) 5 times.
constexpr int kLoadAttempts = 5;

uint64_t pointer_value(const void* pointer) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer));
}

ProgLoadAttr make_attr(const ProgLoadRequest& request) {
  ProgLoadAttr attr;
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
    ProgLoadAttr attr = make_attr(request);
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
