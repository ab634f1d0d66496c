// Maps, program info, test runs and BTF loads on the real kernel, through libbpf's thin
// bpf() wrappers (BPF_PROG_LOAD has its own file, sys_prog_load.cpp).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <bpf/bpf.h>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/kernel_btf.hpp"
#include "kernel_errors.hpp"
#include "map_spans.hpp"
#include "pin_path.hpp"
#include "system_kernel.hpp"

namespace bpfload::sys {
namespace {

std::string fd_subject(int fd) { return fmt::format("on fd {}", fd); }

Status status_of(int ret, KernelCommand command, int fd) {
  if (ret >= 0) return {};
  return kernel_error(command, fd_subject(fd), errno);
}

const void* key_pointer(std::span<const std::byte> key) {
  return key.empty() ? nullptr : key.data();
}

Result<MapInfo> read_map_info(int map_fd) {
  bpf_map_info info {};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &length) != 0) {
    return kernel_error(KernelCommand::ObjGetInfo, fmt::format("for map fd {}", map_fd), errno);
  }
  MapInfo result;
  result.id = info.id;
  result.type = info.type;
  result.key_size = info.key_size;
  result.value_size = info.value_size;
  result.max_entries = info.max_entries;
  result.flags = info.map_flags;
  result.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
  result.map_extra = info.map_extra;
  result.btf_id = info.btf_id;
  result.btf_key_type_id = info.btf_key_type_id;
  result.btf_value_type_id = info.btf_value_type_id;
  return result;
}

/// The spans of a map call checked against the map the fd refers to (one
/// OBJ_GET_INFO_BY_FD first), so a short span never lets the kernel write past it.
Status check_spans(std::string_view call, int map_fd, size_t key_bytes, KeyUse key_use,
                   std::optional<size_t> value_bytes) {
  Result<MapInfo> info = read_map_info(map_fd);
  if (!info.ok()) return std::move(info).error().with_context(fmt::format("{}: check the span sizes", call));
  unsigned cpus = 1;
  if (value_bytes && is_per_cpu_map(info->type)) {
    op::PossibleCpus possible;
    Status counted = run(possible);
    if (!counted.ok()) return std::move(counted).error().with_context(fmt::format("{} on a per-CPU map", call));
    cpus = possible.count;
  }
  return check_map_spans(call, map_fd, *info, cpus, key_bytes, key_use, value_bytes);
}

/// Writes part of a value by reading, changing and writing back the whole value.
Status write_value_by_update(op::MapWriteValue& op) {
  const uint32_t key = 0;
  std::vector<std::byte> value(op.value_size);
  op::MapLookup lookup{op.map_fd, std::as_bytes(std::span(&key, 1)), value};
  BPFLOAD_TRY(run(lookup));
  std::memcpy(value.data() + op.offset, op.bytes.data(), op.bytes.size());
  op::MapUpdate update{op.map_fd, std::as_bytes(std::span(&key, 1)), value, BPF_ANY};
  return run(update);
}

}  // namespace

Status run(op::MapCreate& op) {
  const MapCreateRequest& request = op.request;
  bpf_map_create_opts opts {};
  opts.sz = sizeof(opts);
  opts.map_flags = request.flags;
  if (request.numa_node) opts.numa_node = *request.numa_node;
  opts.map_extra = request.map_extra;
  opts.btf_vmlinux_value_type_id = request.btf_vmlinux_value_type_id;
  if (request.inner_map_fd >= 0) opts.inner_map_fd = static_cast<uint32_t>(request.inner_map_fd);
  if (request.btf_fd >= 0) {
    opts.btf_fd = static_cast<uint32_t>(request.btf_fd);
    opts.btf_key_type_id = request.btf_key_type_id;
    opts.btf_value_type_id = request.btf_value_type_id;
  }
  const char* name = request.name.empty() ? nullptr : request.name.c_str();
  const int fd = bpf_map_create(static_cast<bpf_map_type>(request.type), name, request.key_size,
                                request.value_size, request.max_entries, &opts);
  if (fd < 0) return kernel_error(KernelCommand::MapCreate, fmt::format("for map '{}'", request.name), errno);
  op.fd = Fd(fd);
  return {};
}

Status run(op::MapUpdate& op) {
  BPFLOAD_TRY(check_spans("map update", op.map_fd, op.key.size(), KeyUse::Exact, op.value.size()));
  return status_of(bpf_map_update_elem(op.map_fd, key_pointer(op.key), op.value.data(), op.flags),
                   KernelCommand::MapUpdate, op.map_fd);
}

Status run(op::MapLookup& op) {
  BPFLOAD_TRY(check_spans("map lookup", op.map_fd, op.key.size(), KeyUse::Exact, op.value.size()));
  return status_of(bpf_map_lookup_elem(op.map_fd, key_pointer(op.key), op.value.data()), KernelCommand::MapLookup,
                   op.map_fd);
}

Status run(op::MapDelete& op) {
  BPFLOAD_TRY(check_spans("map delete", op.map_fd, op.key.size(), KeyUse::Exact, std::nullopt));
  return status_of(bpf_map_delete_elem(op.map_fd, key_pointer(op.key)), KernelCommand::MapDelete, op.map_fd);
}

Status run(op::MapNextKey& op) {
  Result<MapInfo> info = read_map_info(op.map_fd);
  if (!info.ok()) return std::move(info).error().with_context("map next key: check the span sizes");
  BPFLOAD_TRY(check_map_spans("map next key", op.map_fd, *info, 1, op.key.size(), KeyUse::ExactOrEmpty, std::nullopt));
  BPFLOAD_TRY(check_map_spans("map next key (next key)", op.map_fd, *info, 1, op.next_key.size(), KeyUse::Exact,
                              std::nullopt));
  op.found = false;
  if (bpf_map_get_next_key(op.map_fd, key_pointer(op.key), op.next_key.data()) == 0) {
    op.found = true;
    return {};
  }
  if (errno == ENOENT) return {};
  return kernel_error(KernelCommand::MapNextKey, fd_subject(op.map_fd), errno);
}

Status run(op::MapFreeze& op) {
  return status_of(bpf_map_freeze(op.map_fd), KernelCommand::MapFreeze, op.map_fd);
}

Status run(op::MapWriteValue& op) {
  if (op.offset > op.value_size || op.bytes.size() > op.value_size - op.offset)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} bytes at offset {} do not fit in a value of {} bytes", op.bytes.size(),
                                  op.offset, op.value_size));
  const long page = ::sysconf(_SC_PAGESIZE);
  const size_t length = (size_t{op.value_size} + page - 1) / page * page;
  void* mapped =
      length == 0 ? MAP_FAILED : ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, op.map_fd, 0);
  // A map made without BPF_F_MMAPABLE (an older bpfload's pin, a kernel before 5.5)
  // cannot be mapped: write the whole value instead.
  if (mapped == MAP_FAILED) return write_value_by_update(op);
  std::memcpy(static_cast<std::byte*>(mapped) + op.offset, op.bytes.data(), op.bytes.size());
  ::munmap(mapped, length);
  return {};
}

Status run(op::MapGetInfo& op) {
  // OBJ_GET_INFO_BY_FD fills whatever info the fd's object has: a program's info read
  // as a map's gives nonsense sizes. Say what the object is instead.
  if (const std::string kind = bpf_fd_kind(op.map_fd); !kind.empty() && kind != "map")
    return make_error(ErrorKind::InvalidArgument, fmt::format("the object is {}, not a map", bpf_kind_phrase(kind)),
                      EINVAL);
  Result<MapInfo> info = read_map_info(op.map_fd);
  if (!info.ok()) return std::move(info).error();
  op.info = std::move(*info);
  return {};
}

Status run(op::MapById& op) {
  const int fd = bpf_map_get_fd_by_id(op.id);
  if (fd < 0) return os_error("bpf(MAP_GET_FD_BY_ID)", fmt::format("for map {}", op.id), errno);
  op.fd = Fd(fd);
  return {};
}

Status run(op::ProgGetInfo& op) {
  if (const std::string kind = bpf_fd_kind(op.prog_fd); !kind.empty() && kind != "prog")
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("the object is {}, not a program", bpf_kind_phrase(kind)), EINVAL);
  bpf_prog_info info {};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(op.prog_fd, &info, &length) != 0)
    return kernel_error(KernelCommand::ObjGetInfo, fmt::format("for program fd {}", op.prog_fd), errno);
  ProgInfo& result = op.info;
  result.id = info.id;
  result.type = info.type;
  result.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
  result.xlated_size = info.xlated_prog_len;
  result.jited_size = info.jited_prog_len;
  result.verified_insns = info.verified_insns;  // left 0 by kernels before 5.16
  return {};
}

Status run(op::ProgTestRun& op) {
  const TestRunRequest& request = op.request;
  TestRunOutcome& outcome = op.outcome;
  size_t capacity = request.data_out_capacity;
  if (capacity == 0 && !request.data_in.empty()) capacity = request.data_in.size() + 256;
  outcome.data_out.resize(capacity);
  bpf_test_run_opts opts {};
  opts.sz = sizeof(opts);
  if (!request.data_in.empty()) {
    opts.data_in = request.data_in.data();
    opts.data_size_in = static_cast<uint32_t>(request.data_in.size());
  }
  if (capacity != 0) {
    opts.data_out = outcome.data_out.data();
    opts.data_size_out = static_cast<uint32_t>(capacity);
  }
  if (!request.ctx_in.empty()) {
    opts.ctx_in = request.ctx_in.data();
    opts.ctx_size_in = static_cast<uint32_t>(request.ctx_in.size());
  }
  opts.repeat = request.repeat;
  if (bpf_prog_test_run_opts(request.prog_fd, &opts) != 0)
    return kernel_error(KernelCommand::ProgTestRun, fmt::format("on program fd {}", request.prog_fd), errno);
  outcome.retval = opts.retval;
  outcome.duration_ns = opts.duration;
  outcome.data_out.resize(std::min<size_t>(opts.data_size_out, capacity));
  return {};
}

Status run(op::BtfLoad& op) {
  // Without a log first: a level-1 BTF log on valid BTF can overflow a small buffer
  // and turn success into ENOSPC. The log is only wanted to explain a failure.
  const int fd = bpf_btf_load(op.btf.data(), op.btf.size(), nullptr);
  if (fd >= 0) {
    op.fd = Fd(fd);
    return {};
  }
  const int err = errno;
  if (!op.log.empty()) {
    op.log[0] = '\0';
    bpf_btf_load_opts opts {};
    opts.sz = sizeof(opts);
    opts.log_buf = op.log.data();
    opts.log_size = static_cast<uint32_t>(std::min<size_t>(op.log.size(), UINT32_MAX >> 2));
    opts.log_level = 1;
    const int retry_fd = bpf_btf_load(op.btf.data(), op.btf.size(), &opts);
    if (retry_fd >= 0) {  // a transient failure went away
      op.fd = Fd(retry_fd);
      return {};
    }
    op.log[op.log.size() - 1] = '\0';
  }
  return kernel_error(KernelCommand::BtfLoad, fmt::format("of {} bytes", op.btf.size()), err);
}

}  // namespace bpfload::sys
