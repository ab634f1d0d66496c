// BPF links, pins and BPF_PROG_ATTACH through libbpf's bpf() wrappers.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <fmt/format.h>

#include "attach_kernel_system.hpp"
#include "kernel_errors.hpp"

namespace bpfload {

Error os_error(std::string_view call, std::string_view subject, int err) {
  std::string message(call);
  if (!subject.empty()) message += fmt::format(" {}", subject);
  message += fmt::format(": {}", errno_text(err));
  if (err == EPERM) message += " (needs root, or CAP_BPF with CAP_NET_ADMIN/CAP_PERFMON)";
  return make_error(ErrorKind::Kernel, std::move(message), err);
}

Result<Fd> SystemAttachKernel::link_create(const LinkCreateRequest& request) {
  bpf_link_create_opts opts {};
  opts.sz = sizeof(opts);
  opts.flags = request.flags;
  if (request.attach_type == BPF_PERF_EVENT) opts.perf_event.bpf_cookie = request.perf_cookie;
  const int fd = bpf_link_create(request.prog_fd, request.target_fd,
                                 static_cast<bpf_attach_type>(request.attach_type), &opts);
  if (fd < 0) {
    return os_error("bpf(LINK_CREATE)", fmt::format("for attach type {}", request.attach_type), errno);
  }
  return Fd(fd);
}

Status SystemAttachKernel::link_detach(int link_fd) {
  if (bpf_link_detach(link_fd) != 0) return os_error("bpf(LINK_DETACH)", "", errno);
  return {};
}

Result<LinkInfo> SystemAttachKernel::link_info(int link_fd) {
  bpf_link_info info {};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(link_fd, &info, &length) != 0) {
    return os_error("bpf(OBJ_GET_INFO_BY_FD)", fmt::format("for link fd {}", link_fd), errno);
  }
  // The name buffer is a field of the raw-tracepoint member of the union only: asking again
  // with it set, once the type is known, keeps other link types' fields as they are.
  char name[256] = {};
  if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
    info = bpf_link_info {};
    info.raw_tracepoint.tp_name = reinterpret_cast<uint64_t>(name);
    info.raw_tracepoint.tp_name_len = sizeof(name);
    length = sizeof(info);
    if (bpf_obj_get_info_by_fd(link_fd, &info, &length) != 0) {
      return os_error("bpf(OBJ_GET_INFO_BY_FD)", fmt::format("for link fd {}", link_fd), errno);
    }
  }
  LinkInfo result;
  result.id = info.id;
  result.type = info.type;
  result.prog_id = info.prog_id;
  switch (info.type) {
    case BPF_LINK_TYPE_RAW_TRACEPOINT:
      result.tracepoint.assign(name, strnlen(name, sizeof(name)));
      break;
    case BPF_LINK_TYPE_CGROUP:
      result.cgroup_id = info.cgroup.cgroup_id;
      result.attach_type = info.cgroup.attach_type;
      break;
    case BPF_LINK_TYPE_XDP:
      result.ifindex = info.xdp.ifindex;
      break;
    case kLinkTypeTcx:
      // struct tcx { __u32 ifindex; __u32 attach_type; } sits where xdp's ifindex does.
      result.ifindex = info.xdp.ifindex;
      result.attach_type = *(reinterpret_cast<const uint32_t*>(&info.xdp.ifindex) + 1);
      break;
    default:
      break;
  }
  return result;
}

Result<std::vector<uint32_t>> SystemAttachKernel::link_ids() {
  std::vector<uint32_t> ids;
  uint32_t id = 0;
  while (true) {
    if (bpf_link_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) return ids;
      return os_error("bpf(LINK_GET_NEXT_ID)", "", errno);
    }
    ids.push_back(id);
  }
}

Result<Fd> SystemAttachKernel::link_by_id(uint32_t id) {
  const int fd = bpf_link_get_fd_by_id(id);
  if (fd < 0) return os_error("bpf(LINK_GET_FD_BY_ID)", fmt::format("for link {}", id), errno);
  return Fd(fd);
}

Result<uint32_t> SystemAttachKernel::prog_id(int prog_fd) {
  bpf_prog_info info {};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0) {
    return os_error("bpf(OBJ_GET_INFO_BY_FD)", fmt::format("for program fd {}", prog_fd), errno);
  }
  return info.id;
}

Result<Fd> SystemAttachKernel::duplicate(int fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return os_error("fcntl(F_DUPFD_CLOEXEC)", fmt::format("of fd {}", fd), errno);
  return Fd(copy);
}

Status SystemAttachKernel::pin(int fd, const std::string& path) {
  if (bpf_obj_pin(fd, path.c_str()) != 0) {
    return kernel_error(KernelCommand::ObjPin, fmt::format("at '{}'", path), errno, path);
  }
  return {};
}

Result<Fd> SystemAttachKernel::pinned(const std::string& path) {
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return kernel_error(KernelCommand::ObjGet, fmt::format("at '{}'", path), errno, path);
  return Fd(fd);
}

Status SystemAttachKernel::unpin(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", path), errno, path);
  }
  return {};
}

Result<bool> SystemAttachKernel::make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return true;
  if (errno == EEXIST) return false;
  return os_error("mkdir", fmt::format("'{}'", path), errno);
}

Status SystemAttachKernel::remove_directory(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return os_error("rmdir", fmt::format("'{}'", path), errno);
  return {};
}

Status SystemAttachKernel::prog_attach(int prog_fd, int target_fd, uint32_t attach_type,
                                       uint32_t flags) {
  if (bpf_prog_attach(prog_fd, target_fd, static_cast<bpf_attach_type>(attach_type), flags) != 0) {
    return os_error("bpf(PROG_ATTACH)", fmt::format("for attach type {}", attach_type), errno);
  }
  return {};
}

Status SystemAttachKernel::prog_detach(int prog_fd, int target_fd, uint32_t attach_type) {
  if (bpf_prog_detach2(prog_fd, target_fd, static_cast<bpf_attach_type>(attach_type)) != 0) {
    return os_error("bpf(PROG_DETACH)", fmt::format("for attach type {}", attach_type), errno);
  }
  return {};
}

Result<std::vector<uint32_t>> SystemAttachKernel::query_prog_ids(int target, uint32_t attach_type) {
  // Asked twice: first for the count, then with room for that many (plus a few attached
  // in between; the kernel reports ENOSPC when there are still more).
  for (uint32_t room = 8;; room *= 4) {
    std::vector<uint32_t> ids(room);
    uint32_t count = room;
    uint32_t attach_flags = 0;
    if (bpf_prog_query(target, static_cast<bpf_attach_type>(attach_type), 0, &attach_flags, ids.data(), &count) ==
        0) {
      ids.resize(count);
      return ids;
    }
    if (errno != ENOSPC || room > 4096) {
      return os_error("bpf(PROG_QUERY)", fmt::format("for attach type {} on {}", attach_type, target), errno);
    }
  }
}

AttachKernel& system_attach_kernel() {
  static SystemAttachKernel kernel;
  return kernel;
}

}  // namespace bpfload
