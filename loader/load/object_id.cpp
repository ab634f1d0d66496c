// The iproute2 object id: tc names an object's PIN_OBJECT_NS directory after the hex
// SHA-1 of the object file. The digest comes from OpenSSL's libcrypto, so the id is the
// same whatever crypto the running kernel was built with.
#include <openssl/evp.h>

#include <string>

#include <fmt/format.h>

#include "bpfload/loader.hpp"

namespace bpfload {

Result<std::string> object_id_for(std::span<const std::byte> object_bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(object_bytes.data(), object_bytes.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1)
    return make_error(ErrorKind::Unsupported, "object id: libcrypto could not compute SHA-1");
  std::string hex;
  hex.reserve(2 * digest_size);
  for (unsigned int i = 0; i < digest_size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace bpfload
