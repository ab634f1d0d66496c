// The iproute2 object id: tc names an object's PIN_OBJECT_NS directory after the hex
// SHA-1 of the object file. The digest comes from OpenSSL's libcrypto, so the id is the
// same whatever crypto the running kernel was built with.
//
// libcrypto is opened on first use instead of being linked: its relocations cost every
// bpfload process start several milliseconds, more than loading a small object, and only
// objects with iproute2 PIN_OBJECT_NS maps need a digest.
#include <dlfcn.h>
#include <openssl/evp.h>  // declarations only; the symbols come from dlsym

#include <string>

#include <fmt/format.h>

#include "bpfload/loader.hpp"

namespace bpfload {
namespace {

struct Sha1Functions {
  decltype(&EVP_Digest) digest = nullptr;
  decltype(&EVP_sha1) sha1 = nullptr;
};

const Sha1Functions& sha1_functions() {
  static const Sha1Functions functions = [] {
    Sha1Functions found;
    for (const char* name : {"libcrypto.so.3", "libcrypto.so"}) {
      void* library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (library == nullptr) continue;
      found.digest = reinterpret_cast<decltype(&EVP_Digest)>(dlsym(library, "EVP_Digest"));
      found.sha1 = reinterpret_cast<decltype(&EVP_sha1)>(dlsym(library, "EVP_sha1"));
      if (found.digest != nullptr && found.sha1 != nullptr) break;  // stays open for the process
      found = {};
      dlclose(library);
    }
    return found;
  }();
  return functions;
}

}  // namespace

Result<std::string> object_id_for(std::span<const std::byte> object_bytes) {
  const Sha1Functions& crypto = sha1_functions();
  if (crypto.digest == nullptr)
    return make_error(ErrorKind::Unsupported,
                      "object id: cannot open libcrypto (libssl3) for SHA-1; give the id explicitly");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (crypto.digest(object_bytes.data(), object_bytes.size(), digest, &digest_size, crypto.sha1(), nullptr) != 1)
    return make_error(ErrorKind::Unsupported, "object id: libcrypto could not compute SHA-1");
  std::string hex;
  hex.reserve(2 * digest_size);
  for (unsigned int i = 0; i < digest_size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace bpfload
