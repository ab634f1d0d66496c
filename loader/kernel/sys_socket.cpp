// Socket filters: eBPF programs on a socket through setsockopt, no bpf() call involved.
#include <sys/socket.h>

#include <cerrno>

#include <fmt/format.h>

#include "system_kernel.hpp"

namespace bpfload::sys {

Status run(op::SocketAttachFilter& op) {
  const int socket_fd = op.socket_fd;
  const int prog_fd = op.prog_fd;
  if (::setsockopt(socket_fd, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof(prog_fd)) == 0) return {};
  const int err = errno;
  if (err == ENOTSOCK || err == EBADF) {
    return make_error(ErrorKind::InvalidArgument, fmt::format("fd {} is not an open socket", socket_fd), err);
  }
  if (err == EINVAL) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("setsockopt(SO_ATTACH_BPF) on socket fd {}: program fd {} is not a socket "
                                  "filter program (section \"socket\")",
                                  socket_fd, prog_fd),
                      err);
  }
  return os_error("setsockopt(SO_ATTACH_BPF)", fmt::format("on socket fd {}", socket_fd), err);
}

Status run(op::SocketDetachFilter& op) {
  const int socket_fd = op.socket_fd;
  // SO_DETACH_BPF takes no value; the kernel ignores the option buffer.
  const int unused = 0;
  if (::setsockopt(socket_fd, SOL_SOCKET, SO_DETACH_BPF, &unused, sizeof(unused)) == 0) return {};
  return os_error("setsockopt(SO_DETACH_BPF)", fmt::format("on socket fd {}", socket_fd), errno);
}

}  // namespace bpfload::sys
