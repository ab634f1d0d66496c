// The Kernel that makes real system calls: libbpf's thin bpf() wrappers for everything
// except BPF_PROG_LOAD (kernel_prog_load.cpp). Stateless, hence thread-safe.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <bpf/bpf.h>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/kernel_btf.hpp"
#include "kernel_errors.hpp"
#include "kernel_prog_load.hpp"
#include "map_spans.hpp"
#include "pin_path.hpp"

namespace bpfload {
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
    Result<unsigned> possible = host_system().possible_cpus();
    if (!possible.ok()) return std::move(possible).error().with_context(fmt::format("{} on a per-CPU map", call));
    cpus = *possible;
  }
  return check_map_spans(call, map_fd, *info, cpus, key_bytes, key_use, value_bytes);
}

class SystemKernel final : public Kernel {
 public:
  System& system() override { return host_system(); }

  Result<Fd> map_create(const MapCreateRequest& request) override {
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
    if (fd < 0) {
      return kernel_error(KernelCommand::MapCreate, fmt::format("for map '{}'", request.name), errno);
    }
    return Fd(fd);
  }

  Status map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                    uint64_t flags) override {
    BPFLOAD_TRY(check_spans("map update", map_fd, key.size(), KeyUse::Exact, value.size()));
    return status_of(bpf_map_update_elem(map_fd, key_pointer(key), value.data(), flags),
                     KernelCommand::MapUpdate, map_fd);
  }

  Status map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value) override {
    BPFLOAD_TRY(check_spans("map lookup", map_fd, key.size(), KeyUse::Exact, value.size()));
    return status_of(bpf_map_lookup_elem(map_fd, key_pointer(key), value.data()),
                     KernelCommand::MapLookup, map_fd);
  }

  Status map_delete(int map_fd, std::span<const std::byte> key) override {
    BPFLOAD_TRY(check_spans("map delete", map_fd, key.size(), KeyUse::Exact, std::nullopt));
    return status_of(bpf_map_delete_elem(map_fd, key_pointer(key)), KernelCommand::MapDelete, map_fd);
  }

  Result<bool> map_next_key(int map_fd, std::span<const std::byte> key,
                            std::span<std::byte> next_key) override {
    Result<MapInfo> info = read_map_info(map_fd);
    if (!info.ok()) return std::move(info).error().with_context("map next key: check the span sizes");
    BPFLOAD_TRY(check_map_spans("map next key", map_fd, *info, 1, key.size(), KeyUse::ExactOrEmpty, std::nullopt));
    BPFLOAD_TRY(check_map_spans("map next key (next key)", map_fd, *info, 1, next_key.size(), KeyUse::Exact,
                                std::nullopt));
    if (bpf_map_get_next_key(map_fd, key_pointer(key), next_key.data()) == 0) return true;
    if (errno == ENOENT) return false;
    return kernel_error(KernelCommand::MapNextKey, fd_subject(map_fd), errno);
  }

  Status map_freeze(int map_fd) override {
    return status_of(bpf_map_freeze(map_fd), KernelCommand::MapFreeze, map_fd);
  }

  Status map_write_value_bytes(int map_fd, uint32_t value_size, uint64_t offset,
                               std::span<const std::byte> bytes) override {
    if (offset > value_size || bytes.size() > value_size - offset) return Kernel::map_write_value_bytes(map_fd, value_size, offset, bytes);
    const long page = ::sysconf(_SC_PAGESIZE);
    const size_t length = (size_t{value_size} + page - 1) / page * page;
    void* mapped = length == 0 ? MAP_FAILED : ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
    // A map made without BPF_F_MMAPABLE (an older bpfload's pin, a kernel before 5.5)
    // cannot be mapped: write the whole value instead.
    if (mapped == MAP_FAILED) return Kernel::map_write_value_bytes(map_fd, value_size, offset, bytes);
    std::memcpy(static_cast<std::byte*>(mapped) + offset, bytes.data(), bytes.size());
    ::munmap(mapped, length);
    return {};
  }

  Result<MapInfo> map_info(int map_fd) override {
    // OBJ_GET_INFO_BY_FD fills whatever info the fd's object has: a program's info read
    // as a map's gives nonsense sizes. Say what the object is instead.
    if (const std::string kind = bpf_fd_kind(map_fd); !kind.empty() && kind != "map")
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("the object is {}, not a map", bpf_kind_phrase(kind)), EINVAL);
    return read_map_info(map_fd);
  }

  ProgLoadOutcome prog_load(const ProgLoadRequest& request) override {
    return raw_prog_load(request);
  }

  Result<ProgInfo> prog_info(int prog_fd) override {
    if (const std::string kind = bpf_fd_kind(prog_fd); !kind.empty() && kind != "prog")
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("the object is {}, not a program", bpf_kind_phrase(kind)), EINVAL);
    bpf_prog_info info {};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0) {
      return kernel_error(KernelCommand::ObjGetInfo, fmt::format("for program fd {}", prog_fd), errno);
    }
    ProgInfo result;
    result.id = info.id;
    result.type = info.type;
    result.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
    result.xlated_size = info.xlated_prog_len;
    result.jited_size = info.jited_prog_len;
    result.verified_insns = info.verified_insns;  // left 0 by kernels before 5.16
    return result;
  }

  Result<TestRunOutcome> prog_test_run(const TestRunRequest& request) override {
    TestRunOutcome outcome;
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
    if (bpf_prog_test_run_opts(request.prog_fd, &opts) != 0) {
      return kernel_error(KernelCommand::ProgTestRun, fmt::format("on program fd {}", request.prog_fd),
                          errno);
    }
    outcome.retval = opts.retval;
    outcome.duration_ns = opts.duration;
    outcome.data_out.resize(std::min<size_t>(opts.data_size_out, capacity));
    return outcome;
  }

  Result<Fd> module_btf_fd(const std::string& module) override { return open_module_btf(module); }

  Result<Fd> btf_load(std::span<const std::byte> btf, std::span<char> log) override {
    // Without a log first: a level-1 BTF log on valid BTF can overflow a small buffer
    // and turn success into ENOSPC. The log is only wanted to explain a failure.
    const int fd = bpf_btf_load(btf.data(), btf.size(), nullptr);
    if (fd >= 0) return Fd(fd);
    const int err = errno;
    if (!log.empty()) {
      log[0] = '\0';
      bpf_btf_load_opts opts {};
      opts.sz = sizeof(opts);
      opts.log_buf = log.data();
      opts.log_size = static_cast<uint32_t>(std::min<size_t>(log.size(), UINT32_MAX >> 2));
      opts.log_level = 1;
      const int retry_fd = bpf_btf_load(btf.data(), btf.size(), &opts);
      if (retry_fd >= 0) return Fd(retry_fd);  // a transient failure went away
      log[log.size() - 1] = '\0';
    }
    return kernel_error(KernelCommand::BtfLoad, fmt::format("of {} bytes", btf.size()), err);
  }

  Status obj_pin(int fd, const std::string& path) override {
    // Pinned relative to a directory opened without following symlinks on bpffs, so a
    // symlink planted in the pin tree cannot move the pin (the magic /proc link names
    // exactly the directory that was opened, on any kernel).
    const size_t slash = path.find_last_of('/');
    const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    Result<Fd> dir = open_pin_directory(parent);
    if (!dir.ok() && dir.error().kind != ErrorKind::Kernel)
      return dir.error().with_context(fmt::format("pin at '{}'", path));
    const std::string target =
        dir.ok() ? fmt::format("/proc/self/fd/{}/{}", dir->get(), base) : path;  // missing parent: let the kernel say
    if (bpf_obj_pin(fd, target.c_str()) == 0) return {};
    const int err = errno;
    return kernel_error(KernelCommand::ObjPin, fmt::format("of fd {} at '{}'", fd, path), err, path,
                        &host_system());
  }

  Result<Fd> obj_get(const std::string& path) override {
    const int fd = bpf_obj_get(path.c_str());
    if (fd >= 0) return Fd(fd);
    const int err = errno;
    return kernel_error(KernelCommand::ObjGet, fmt::format("of '{}'", path), err, path, &host_system());
  }

  Status unpin(const std::string& path) override {
    if (::unlink(path.c_str()) == 0) return {};
    return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", path), errno);
  }
};

}  // namespace

Kernel& system_kernel() {
  static SystemKernel kernel;
  return kernel;
}

}  // namespace bpfload
