// Global variables of a loaded object by name (bpfload_object_read_global and friends):
// the C face of globals.hpp.
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "bpfload/globals.hpp"
#include "capi_object.hpp"

using bpfload::ErrorKind;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_on_object;
using bpfload::capi::loaded_object;
using bpfload::capi::null_argument;

extern "C" {

bpfload_status bpfload_object_read_global(bpfload_object* object, const char* name, void* value, size_t size) {
  return call_on_object(object, "bpfload_object_read_global", [&]() -> Status {
    if (name == nullptr) return null_argument("bpfload_object_read_global", "name");
    if (value == nullptr) return null_argument("bpfload_object_read_global", "value");
    auto loaded = loaded_object(*object, "bpfload_object_read_global");
    if (!loaded) return std::move(loaded).error();
    auto bytes = bpfload::read_global(object->spec, **loaded, name, object->kernel);
    if (!bytes) return bytes.error().with_context("bpfload_object_read_global");
    if (bytes->size() != size)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_object_read_global: global '{}' is {} bytes, not {}", name, bytes->size(),
                                    size));
    std::memcpy(value, bytes->data(), size);
    return {};
  });
}

bpfload_status bpfload_object_write_global(bpfload_object* object, const char* name, const void* value,
                                           size_t size) {
  return call_on_object(object, "bpfload_object_write_global", [&]() -> Status {
    if (name == nullptr) return null_argument("bpfload_object_write_global", "name");
    if (value == nullptr) return null_argument("bpfload_object_write_global", "value");
    auto loaded = loaded_object(*object, "bpfload_object_write_global");
    if (!loaded) return std::move(loaded).error();
    const std::span<const std::byte> bytes(static_cast<const std::byte*>(value), size);
    const Status written = bpfload::write_global(object->spec, **loaded, name, bytes, object->kernel);
    if (!written) return written.error().with_context("bpfload_object_write_global");
    return {};
  });
}

bpfload_status bpfload_object_write_global_text(bpfload_object* object, const char* name, const char* value) {
  return call_on_object(object, "bpfload_object_write_global_text", [&]() -> Status {
    if (name == nullptr) return null_argument("bpfload_object_write_global_text", "name");
    if (value == nullptr) return null_argument("bpfload_object_write_global_text", "value");
    auto loaded = loaded_object(*object, "bpfload_object_write_global_text");
    if (!loaded) return std::move(loaded).error();
    const Status written = bpfload::write_global_text(object->spec, **loaded, name, value, object->kernel);
    if (!written) return written.error().with_context("bpfload_object_write_global_text");
    return {};
  });
}

}  // extern "C"
