// Maps on their own through the C API: created, opened from a pin, pinned, read and
// written, each call checked as the C++ StandaloneMap and MapHandle check it.
#include <cstddef>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "capi_object.hpp"

using bpfload::ErrorKind;
using bpfload::Result;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_guarded;
using bpfload::capi::call_without_object;
using bpfload::capi::error_buf_of;
using bpfload::capi::null_argument;
using bpfload::capi::thread_error_slot;

namespace {

/// call_guarded on `map`'s slot, or on the thread's with an InvalidArgument error for NULL.
template <typename Body>
bpfload_status call_on_map(bpfload_map* map, const char* function, Body&& body) noexcept {
  if (map == nullptr)
    return call_guarded(thread_error_slot(), [&]() -> Status { return null_argument(function, "map"); });
  return call_guarded(map->error, std::forward<Body>(body));
}

/// Stores `opened` in a new bpfload_map at *out.
Status store(Result<bpfload::StandaloneMap> opened, bpfload_map** out) {
  if (!opened) return std::move(opened).error();
  *out = std::make_unique<bpfload_map>(std::move(opened).value()).release();
  return {};
}

/// The name a map of its own goes by in errors.
const char* label_of(const bpfload_map& map) { return map.map.info().name.c_str(); }

}  // namespace

extern "C" {

bpfload_status bpfload_map_create(const bpfload_map_create_opts* opts, bpfload_map** map) {
  return call_without_object(error_buf_of(opts), [&]() -> Status {
    if (map == nullptr) return null_argument("bpfload_map_create", "map");
    *map = nullptr;
    if (opts == nullptr) return null_argument("bpfload_map_create", "opts");
    BPFLOAD_TRY(bpfload::capi::check_opts_size("bpfload_map_create", opts, opts->sz, sizeof(bpfload_map_create_opts),
                                               sizeof(bpfload_map_create_opts)));
    bpfload::MapCreateOptions options;
    options.type = opts->type;
    options.key_size = opts->key_size;
    options.value_size = opts->value_size;
    options.max_entries = opts->max_entries;
    options.flags = opts->flags;
    if (opts->name != nullptr) options.name = opts->name;
    Status created = store(bpfload::create_map(options), map);
    if (!created) return created.error().with_context("bpfload_map_create");
    return {};
  });
}

bpfload_status bpfload_map_open_pinned(const char* path, const bpfload_map_open_opts* opts, bpfload_map** map) {
  return call_without_object(error_buf_of(opts), [&]() -> Status {
    if (map == nullptr) return null_argument("bpfload_map_open_pinned", "map");
    *map = nullptr;
    if (path == nullptr) return null_argument("bpfload_map_open_pinned", "path");
    if (opts != nullptr)
      BPFLOAD_TRY(bpfload::capi::check_opts_size("bpfload_map_open_pinned", opts, opts->sz,
                                                 sizeof(bpfload_map_open_opts), sizeof(bpfload_map_open_opts)));
    return store(bpfload::open_pinned_map(path), map);
  });
}

bpfload_status bpfload_map_open_id(uint32_t id, const bpfload_map_open_opts* opts, bpfload_map** map) {
  return call_without_object(error_buf_of(opts), [&]() -> Status {
    if (map == nullptr) return null_argument("bpfload_map_open_id", "map");
    *map = nullptr;
    if (opts != nullptr)
      BPFLOAD_TRY(bpfload::capi::check_opts_size("bpfload_map_open_id", opts, opts->sz, sizeof(bpfload_map_open_opts),
                                                 sizeof(bpfload_map_open_opts)));
    return store(bpfload::open_map_by_id(id), map);
  });
}

bpfload_status bpfload_map_pin(bpfload_map* map, const char* path) {
  return call_on_map(map, "bpfload_map_pin", [&]() -> Status {
    if (path == nullptr) return null_argument("bpfload_map_pin", "path");
    return map->map.pin(path);
  });
}

int bpfload_map_fd(const bpfload_map* map) { return map != nullptr ? map->map.fd() : -1; }

void bpfload_map_close(bpfload_map* map) {
  // Destructors only close the fd and free memory: nothing here can throw.
  delete map;
}

const bpfload_error* bpfload_map_error(const bpfload_map* map) {
  return map != nullptr ? &map->error.view : &thread_error_slot().view;
}

bpfload_status bpfload_map_query_info(bpfload_map* map, bpfload_map_info* info) {
  return call_on_map(map, "bpfload_map_query_info", [&]() -> Status {
    return bpfload::capi::fill_map_info(map->map.handle(), "bpfload_map_query_info", info);
  });
}

bpfload_status bpfload_map_lookup_elem(bpfload_map* map, const void* key, size_t key_size, void* value,
                                       size_t value_size, int* found) {
  return call_on_map(map, "bpfload_map_lookup_elem", [&]() -> Status {
    return bpfload::capi::lookup_element(map->map.handle(), "bpfload_map_lookup_elem", label_of(*map), key, key_size,
                                         value, value_size, found);
  });
}

bpfload_status bpfload_map_update_elem(bpfload_map* map, const void* key, size_t key_size, const void* value,
                                       size_t value_size, uint64_t flags) {
  return call_on_map(map, "bpfload_map_update_elem", [&]() -> Status {
    return bpfload::capi::update_element(map->map.handle(), "bpfload_map_update_elem", key, key_size, value,
                                         value_size, flags);
  });
}

bpfload_status bpfload_map_delete_elem(bpfload_map* map, const void* key, size_t key_size, int* found) {
  return call_on_map(map, "bpfload_map_delete_elem", [&]() -> Status {
    return bpfload::capi::delete_element(map->map.handle(), "bpfload_map_delete_elem", label_of(*map), key, key_size,
                                         found);
  });
}

bpfload_status bpfload_map_get_next_key(bpfload_map* map, const void* key, void* next_key, size_t key_size,
                                        int* has_next) {
  return call_on_map(map, "bpfload_map_get_next_key", [&]() -> Status {
    return bpfload::capi::next_key_of(map->map.handle(), "bpfload_map_get_next_key", label_of(*map), key, next_key,
                                      key_size, has_next);
  });
}

}  // extern "C"
