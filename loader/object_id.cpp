// The iproute2 object id: SHA-1 of the object's bytes, computed by the kernel's crypto
// API through an AF_ALG socket as tc does, so bpfload needs no crypto library.
#include <linux/if_alg.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "bpfload/fd.hpp"
#include "bpfload/loader.hpp"

namespace bpfload {
namespace {

constexpr size_t kSha1Bytes = 20;
constexpr size_t kChunk = 64 * 1024;

Error hash_error(std::string_view step) {
  const int saved = errno;
  return make_error(ErrorKind::Kernel,
                    fmt::format("object id: {} (AF_ALG hash sha1): {}; the kernel's crypto user API "
                                "(CONFIG_CRYPTO_USER_API_HASH) is needed",
                                step, std::strerror(saved)),
                    saved);
}

}  // namespace

Result<std::string> object_id_for(std::span<const std::byte> object_bytes) {
  Fd socket_fd(::socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!socket_fd) return hash_error("socket");
  sockaddr_alg address{};
  address.salg_family = AF_ALG;
  std::strncpy(reinterpret_cast<char*>(address.salg_type), "hash", sizeof(address.salg_type) - 1);
  std::strncpy(reinterpret_cast<char*>(address.salg_name), "sha1", sizeof(address.salg_name) - 1);
  if (::bind(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
    return hash_error("bind");
  Fd op_fd(::accept4(socket_fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!op_fd) return hash_error("accept");

  size_t offset = 0;
  do {
    const size_t length = std::min(kChunk, object_bytes.size() - offset);
    const bool more = offset + length < object_bytes.size();
    const ssize_t sent = ::send(op_fd.get(), object_bytes.data() + offset, length, more ? MSG_MORE : 0);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return hash_error("send");
    }
    offset += static_cast<size_t>(sent);
  } while (offset < object_bytes.size());

  std::array<unsigned char, kSha1Bytes> digest{};
  ssize_t got = -1;
  do {
    got = ::read(op_fd.get(), digest.data(), digest.size());
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(digest.size())) return hash_error("read digest");

  std::string hex;
  for (const unsigned char byte : digest) hex += fmt::format("{:02x}", byte);
  return hex;
}

}  // namespace bpfload
