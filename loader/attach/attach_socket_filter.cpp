// Socket filters on a socket the caller owns (SO_ATTACH_BPF). The attachment holds its own
// fd of the socket, so detaching works even after the caller closed theirs.
#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach_socket_filter(Kernel& kernel, int prog_fd, const std::string& program,
                                        int socket_fd) {
  const std::string target = fmt::format("socket fd {}", socket_fd);
  const std::string context = fmt::format("attach socket filter '{}' to {}", program, target);
  if (socket_fd < 0) {
    return make_error(ErrorKind::InvalidArgument, fmt::format("{}: not an open socket", context));
  }
  auto socket = kernel.duplicate(socket_fd);
  if (!socket) return socket.error().with_context(context);
  // Attached through the caller's fd (the same socket as our copy), so an error names
  // the fd the caller knows, not our duplicate.
  Status status = kernel.socket_attach_filter(socket_fd, prog_fd);
  if (!status) return status.error().with_context(context);
  return Attachment(kernel, SocketFilterHandle{std::move(*socket)}, program, target);
}

}  // namespace bpfload
