// BPF links, BPF_PROG_ATTACH/QUERY and raw tracepoints on the real kernel, through
// libbpf's bpf() wrappers.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <fmt/format.h>

#include "kernel_errors.hpp"
#include "system_kernel.hpp"

namespace bpfload::sys {

Error os_error(std::string_view call, std::string_view subject, int err) {
  std::string message(call);
  if (!subject.empty()) message += fmt::format(" {}", subject);
  message += fmt::format(": {}", errno_text(err));
  if (err == EPERM) message += " (needs root, or CAP_BPF with CAP_NET_ADMIN/CAP_PERFMON)";
  return make_error(ErrorKind::Kernel, std::move(message), err);
}

Status run(op::LinkCreate& op) {
  const LinkCreateRequest& request = op.request;
  bpf_link_create_opts opts {};
  opts.sz = sizeof(opts);
  opts.flags = request.flags;
  if (request.attach_type == BPF_PERF_EVENT) opts.perf_event.bpf_cookie = request.perf_cookie;
  const int fd = bpf_link_create(request.prog_fd, request.target_fd,
                                 static_cast<bpf_attach_type>(request.attach_type), &opts);
  if (fd < 0) return os_error("bpf(LINK_CREATE)", fmt::format("for attach type {}", request.attach_type), errno);
  op.fd = Fd(fd);
  return {};
}

Status run(op::LinkDetach& op) {
  if (bpf_link_detach(op.link_fd) != 0) return os_error("bpf(LINK_DETACH)", "", errno);
  return {};
}

Status run(op::LinkUpdate& op) {
  bpf_link_update_opts opts {};
  opts.sz = sizeof(opts);
  if (op.expected_prog_fd >= 0) {
    opts.flags = BPF_F_REPLACE;
    opts.old_prog_fd = op.expected_prog_fd;
  }
  if (bpf_link_update(op.link_fd, op.new_prog_fd, &opts) != 0)
    return os_error("bpf(LINK_UPDATE)", fmt::format("for link fd {}", op.link_fd), errno);
  return {};
}

Status run(op::LinkGetInfo& op) {
  bpf_link_info info {};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(op.link_fd, &info, &length) != 0)
    return os_error("bpf(OBJ_GET_INFO_BY_FD)", fmt::format("for link fd {}", op.link_fd), errno);
  // The name buffer is a field of the raw-tracepoint member of the union only: asking again
  // with it set, once the type is known, keeps other link types' fields as they are.
  char name[256] = {};
  if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
    info = bpf_link_info {};
    info.raw_tracepoint.tp_name = reinterpret_cast<uint64_t>(name);
    info.raw_tracepoint.tp_name_len = sizeof(name);
    length = sizeof(info);
    if (bpf_obj_get_info_by_fd(op.link_fd, &info, &length) != 0)
      return os_error("bpf(OBJ_GET_INFO_BY_FD)", fmt::format("for link fd {}", op.link_fd), errno);
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
    case uapi::kLinkTypeTcx:
      // struct tcx { __u32 ifindex; __u32 attach_type; } sits where xdp's ifindex does.
      result.ifindex = info.xdp.ifindex;
      result.attach_type = *(reinterpret_cast<const uint32_t*>(&info.xdp.ifindex) + 1);
      break;
    default:
      break;
  }
  op.info = std::move(result);
  return {};
}

Status run(op::LinkIds& op) {
  op.ids.clear();
  uint32_t id = 0;
  while (true) {
    if (bpf_link_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) return {};
      return os_error("bpf(LINK_GET_NEXT_ID)", "", errno);
    }
    op.ids.push_back(id);
  }
}

Status run(op::LinkById& op) {
  const int fd = bpf_link_get_fd_by_id(op.id);
  if (fd < 0) return os_error("bpf(LINK_GET_FD_BY_ID)", fmt::format("for link {}", op.id), errno);
  op.fd = Fd(fd);
  return {};
}

Status run(op::ProgAttach& op) {
  if (bpf_prog_attach(op.prog_fd, op.target_fd, static_cast<bpf_attach_type>(op.attach_type), op.flags) != 0)
    return os_error("bpf(PROG_ATTACH)", fmt::format("for attach type {}", op.attach_type), errno);
  return {};
}

Status run(op::ProgDetach& op) {
  if (bpf_prog_detach2(op.prog_fd, op.target_fd, static_cast<bpf_attach_type>(op.attach_type)) != 0)
    return os_error("bpf(PROG_DETACH)", fmt::format("for attach type {}", op.attach_type), errno);
  return {};
}

Status run(op::ProgQuery& op) {
  // Asked twice: first for the count, then with room for that many (plus a few attached
  // in between; the kernel reports ENOSPC when there are still more).
  for (uint32_t room = 8;; room *= 4) {
    std::vector<uint32_t> ids(room);
    uint32_t count = room;
    uint32_t attach_flags = 0;
    if (bpf_prog_query(op.target, static_cast<bpf_attach_type>(op.attach_type), 0, &attach_flags, ids.data(),
                       &count) == 0) {
      ids.resize(count);
      op.prog_ids = std::move(ids);
      return {};
    }
    if (errno != ENOSPC || room > 4096)
      return os_error("bpf(PROG_QUERY)", fmt::format("for attach type {} on {}", op.attach_type, op.target), errno);
  }
}

Status run(op::RawTracepointOpen& op) {
  const int fd = bpf_raw_tracepoint_open(op.name.empty() ? nullptr : op.name.c_str(), op.prog_fd);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      return make_error(ErrorKind::NotFound, fmt::format("no raw tracepoint '{}' in this kernel", op.name), err);
    return os_error("bpf(RAW_TRACEPOINT_OPEN)", fmt::format("for '{}'", op.name), err);
  }
  op.fd = Fd(fd);
  return {};
}

Status run(op::DuplicateFd& op) {
  const int copy = ::fcntl(op.fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return os_error("fcntl(F_DUPFD_CLOEXEC)", fmt::format("of fd {}", op.fd), errno);
  op.copy = Fd(copy);
  return {};
}

}  // namespace bpfload::sys
