// Map elements and map info through a MapHandle: the checks of the caller's pointers and
// sizes that every C map call shares, whether the map is an object's or its own.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "capi_object.hpp"

namespace bpfload::capi {
namespace {

std::span<const std::byte> bytes_of(const void* data, size_t size) { return {static_cast<const std::byte*>(data), size}; }

std::span<std::byte> writable_bytes_of(void* data, size_t size) { return {static_cast<std::byte*>(data), size}; }

Error absent_key(const char* label) {
  return make_error(ErrorKind::NotFound, fmt::format("map '{}': no element with this key", label), ENOENT);
}

}  // namespace

Status lookup_element(const MapHandle& map, const char* function, const char* label, const void* key,
                      size_t key_size, void* value, size_t value_size, int* found) {
  if (key == nullptr) return null_argument(function, "key");
  if (value == nullptr) return null_argument(function, "value");
  auto present = map.lookup(bytes_of(key, key_size), writable_bytes_of(value, value_size));
  if (!present) return std::move(present).error();
  if (found != nullptr) *found = *present ? 1 : 0;
  if (!*present && found == nullptr) return absent_key(label);
  return {};
}

Status update_element(const MapHandle& map, const char* function, const void* key, size_t key_size,
                      const void* value, size_t value_size, uint64_t flags) {
  if (key == nullptr) return null_argument(function, "key");
  if (value == nullptr) return null_argument(function, "value");
  return map.update(bytes_of(key, key_size), bytes_of(value, value_size), flags);
}

Status delete_element(const MapHandle& map, const char* function, const char* label, const void* key,
                      size_t key_size, int* found) {
  if (key == nullptr) return null_argument(function, "key");
  auto present = map.remove(bytes_of(key, key_size));
  if (!present) return std::move(present).error();
  if (found != nullptr) *found = *present ? 1 : 0;
  if (!*present && found == nullptr) return absent_key(label);
  return {};
}

Status next_key_of(const MapHandle& map, const char* function, const char* label, const void* key, void* next_key,
                   size_t key_size, int* has_next) {
  if (next_key == nullptr) return null_argument(function, "next_key");
  if (has_next == nullptr) return null_argument(function, "has_next");
  const std::span<const std::byte> previous = key == nullptr ? std::span<const std::byte>() : bytes_of(key, key_size);
  if (key == nullptr && key_size != map.key_size())  // the size of next_key alone
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': key_size is {} but the map's keys are {} bytes", label, key_size,
                                  map.key_size()));
  auto more = map.next_key(previous, writable_bytes_of(next_key, key_size));
  if (!more) return std::move(more).error();
  *has_next = *more ? 1 : 0;
  return {};
}

Status fill_map_info(const MapHandle& map, const char* function, bpfload_map_info* info) {
  if (info == nullptr) return null_argument(function, "info");
  if (info->sz == 0)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: info->sz is 0; set it to sizeof(bpfload_map_info)", function));
  bpfload_map_info full{};
  full.sz = info->sz;
  full.type = map.type();
  full.key_size = map.key_size();
  full.value_size = map.value_size();
  full.max_entries = map.max_entries();
  full.id = map.id();
  full.fd = map.fd();
  full.per_cpu = map.per_cpu() ? 1 : 0;
  full.value_count = map.value_count();
  full.value_stride = map.value_stride();
  full.value_buffer_size = map.value_buffer_size();
  std::memcpy(info, &full, std::min(info->sz, sizeof(full)));
  return {};
}

}  // namespace bpfload::capi
