// Socket filters on a socket the caller owns (SO_ATTACH_BPF). The attachment holds its own
// fd of the socket, so detaching works even after the caller closed theirs.
#include <cctype>
#include <string>

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
  // Attached through our duplicate: the caller's fd number could be closed and reused by
  // another thread meanwhile. An error names the fd the caller knows, not our copy.
  Status status = kernel.socket_attach_filter(socket->get(), prog_fd);
  if (!status) {
    Error error = std::move(status).error();
    const std::string ours = fmt::format("fd {}", socket->get());
    const std::string theirs = fmt::format("fd {}", socket_fd);
    for (size_t at = error.message.find(ours); at != std::string::npos; at = error.message.find(ours, at)) {
      const size_t end = at + ours.size();
      if (end < error.message.size() && std::isdigit(static_cast<unsigned char>(error.message[end]))) {
        at = end;
        continue;
      }
      error.message.replace(at, ours.size(), theirs);
      at += theirs.size();
    }
    return std::move(error).with_context(context);
  }
  return Attachment(kernel, SocketFilterHandle{std::move(*socket)}, program, target);
}

}  // namespace bpfload
