// The iproute2 object id: SHA-1 of the object's bytes, computed by the kernel's crypto
// API through an AF_ALG socket as tc does, so bpfload needs no crypto library. Kernels
// built without the crypto user API (no AF_ALG) get the same digest from a small
// FIPS 180-1 implementation here: the id must not depend on the kernel's config.
#include <linux/if_alg.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "bpfload/fd.hpp"
#include "bpfload/loader.hpp"
#include "object_id.hpp"

namespace bpfload {
namespace {

constexpr size_t kSha1Bytes = 20;
constexpr size_t kChunk = 64 * 1024;

using Digest = std::array<unsigned char, kSha1Bytes>;

uint32_t rotate_left(uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

void sha1_block(std::array<uint32_t, 5>& state, const unsigned char* block) {
  std::array<uint32_t, 80> w{};
  for (int i = 0; i < 16; ++i)
    w[i] = uint32_t{block[4 * i]} << 24 | uint32_t{block[4 * i + 1]} << 16 | uint32_t{block[4 * i + 2]} << 8 |
           uint32_t{block[4 * i + 3]};
  for (int i = 16; i < 80; ++i) w[i] = rotate_left(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f = 0;
    uint32_t k = 0;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const uint32_t next = rotate_left(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotate_left(b, 30);
    b = a;
    a = next;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

Digest software_sha1(std::span<const std::byte> bytes) {
  std::array<uint32_t, 5> state{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t whole = bytes.size() / 64 * 64;
  for (size_t offset = 0; offset < whole; offset += 64) sha1_block(state, data + offset);
  // Padding: 0x80, zeros, then the length in bits as a big-endian u64.
  std::array<unsigned char, 128> tail{};
  const size_t rest = bytes.size() - whole;
  std::copy(data + whole, data + bytes.size(), tail.begin());
  tail[rest] = 0x80;
  const size_t tail_size = rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(bytes.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  for (size_t offset = 0; offset < tail_size; offset += 64) sha1_block(state, tail.data() + offset);
  Digest digest{};
  for (size_t i = 0; i < 5; ++i)
    for (size_t j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<unsigned char>(state[i] >> (24 - 8 * j));
  return digest;
}

std::string to_hex(const Digest& digest) {
  std::string hex;
  for (const unsigned char byte : digest) hex += fmt::format("{:02x}", byte);
  return hex;
}

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
  if (!socket_fd && (errno == EAFNOSUPPORT || errno == ENOENT)) return to_hex(software_sha1(object_bytes));
  if (!socket_fd) return hash_error("socket");
  sockaddr_alg address{};
  address.salg_family = AF_ALG;
  std::strncpy(reinterpret_cast<char*>(address.salg_type), "hash", sizeof(address.salg_type) - 1);
  std::strncpy(reinterpret_cast<char*>(address.salg_name), "sha1", sizeof(address.salg_name) - 1);
  if (::bind(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno == ENOENT) return to_hex(software_sha1(object_bytes));  // no sha1 in the kernel
    return hash_error("bind");
  }
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

  Digest digest{};
  ssize_t got = -1;
  do {
    got = ::read(op_fd.get(), digest.data(), digest.size());
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(digest.size())) return hash_error("read digest");

  return to_hex(digest);
}

/// Exposed for tests: the software digest, whatever the kernel offers.
std::string software_object_id_for(std::span<const std::byte> object_bytes) {
  return to_hex(software_sha1(object_bytes));
}

}  // namespace bpfload
