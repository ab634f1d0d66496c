// Programs and maps of a loaded object, by name: fds, test runs, map info and elements.
// Every pointer and size the caller passes is checked here or by MapHandle before the
// kernel sees it.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include <fmt/format.h>

#include "capi_object.hpp"

using bpfload::Error;
using bpfload::ErrorKind;
using bpfload::Result;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;

namespace bpfload::capi {

Result<const bpfload::LoadedObject*> loaded_object(const bpfload_object& object, const char* function) {
  if (object.loaded) return &*object.loaded;
  if (!object.load_attempted)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: the object is not loaded; call bpfload_object_load first", function));
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("{}: the object's load failed, it has no maps or programs", function));
}

Result<bpfload::MapHandle> map_named(const bpfload_object& object, const char* function, const char* map) {
  if (map == nullptr) return null_argument(function, "map");
  auto loaded = loaded_object(object, function);
  if (!loaded) return std::move(loaded).error();
  return bpfload::map_of(**loaded, map, object.kernel);
}

Result<int> program_fd_named(const bpfload_object& object, const char* function, const char* program) {
  if (program == nullptr) return null_argument(function, "program");
  auto loaded = loaded_object(object, function);
  if (!loaded) return std::move(loaded).error();
  const int fd = (*loaded)->program_fd(program);
  if (fd >= 0) return fd;
  for (const bpfload::ProgramResult& result : object.report.programs)
    if (result.name == program)
      return make_error(ErrorKind::NotFound, fmt::format("program '{}' did not load: {}", program, result.error));
  return make_error(ErrorKind::NotFound, fmt::format("no program named '{}' in the object", program));
}

}  // namespace bpfload::capi

using bpfload::capi::loaded_object;
using bpfload::capi::map_named;
using bpfload::capi::program_fd_named;

namespace {

template <typename T>
std::span<const std::byte> bytes_of(const T* data, size_t size) {
  return {static_cast<const std::byte*>(static_cast<const void*>(data)), size};
}

}  // namespace

extern "C" {

bpfload_status bpfload_object_program_fd(bpfload_object* object, const char* program, int* fd) {
  return call_on_object(object, "bpfload_object_program_fd", [&]() -> Status {
    if (fd == nullptr) return null_argument("bpfload_object_program_fd", "fd");
    auto found = program_fd_named(*object, "bpfload_object_program_fd", program);
    if (!found) return std::move(found).error();
    *fd = *found;
    return {};
  });
}

bpfload_status bpfload_program_test_run(bpfload_object* object, const char* program, const void* data, size_t size,
                                        uint32_t repeat, uint32_t* retval) {
  return call_on_object(object, "bpfload_program_test_run", [&]() -> Status {
    if (data == nullptr) return null_argument("bpfload_program_test_run", "data");
    auto found = program_fd_named(*object, "bpfload_program_test_run", program);
    if (!found) return std::move(found).error();
    auto ran = bpfload::test_run(*object->loaded, program, bytes_of(data, size), std::max<uint32_t>(repeat, 1), object->kernel);
    if (!ran) return std::move(ran).error();
    if (retval != nullptr) *retval = ran->retval;
    return {};
  });
}

bpfload_status bpfload_map_get_info(bpfload_object* object, const char* map, bpfload_map_info* info) {
  return call_on_object(object, "bpfload_map_get_info", [&]() -> Status {
    if (info == nullptr) return null_argument("bpfload_map_get_info", "info");
    auto handle = map_named(*object, "bpfload_map_get_info", map);
    if (!handle) return std::move(handle).error();
    return bpfload::capi::fill_map_info(*handle, "bpfload_map_get_info", info);
  });
}

bpfload_status bpfload_object_map_fd(bpfload_object* object, const char* map, int* fd) {
  return call_on_object(object, "bpfload_object_map_fd", [&]() -> Status {
    if (fd == nullptr) return null_argument("bpfload_object_map_fd", "fd");
    if (map == nullptr) return null_argument("bpfload_object_map_fd", "map");
    auto loaded = loaded_object(*object, "bpfload_object_map_fd");
    if (!loaded) return std::move(loaded).error();
    const int found = (*loaded)->map_fd(map);
    if (found < 0) {
      auto handle = bpfload::map_of(**loaded, map, object->kernel);  // its NotFound message lists the maps
      if (!handle) return std::move(handle).error();
    }
    *fd = found;
    return {};
  });
}

bpfload_status bpfload_map_lookup(bpfload_object* object, const char* map, const void* key, size_t key_size,
                                  void* value, size_t value_size, int* found) {
  return call_on_object(object, "bpfload_map_lookup", [&]() -> Status {
    auto handle = map_named(*object, "bpfload_map_lookup", map);
    if (!handle) return std::move(handle).error();
    return bpfload::capi::lookup_element(*handle, "bpfload_map_lookup", map, key, key_size, value, value_size, found);
  });
}

bpfload_status bpfload_map_update(bpfload_object* object, const char* map, const void* key, size_t key_size,
                                  const void* value, size_t value_size, uint64_t flags) {
  return call_on_object(object, "bpfload_map_update", [&]() -> Status {
    auto handle = map_named(*object, "bpfload_map_update", map);
    if (!handle) return std::move(handle).error();
    return bpfload::capi::update_element(*handle, "bpfload_map_update", key, key_size, value, value_size, flags);
  });
}

bpfload_status bpfload_map_delete(bpfload_object* object, const char* map, const void* key, size_t key_size,
                                  int* found) {
  return call_on_object(object, "bpfload_map_delete", [&]() -> Status {
    auto handle = map_named(*object, "bpfload_map_delete", map);
    if (!handle) return std::move(handle).error();
    return bpfload::capi::delete_element(*handle, "bpfload_map_delete", map, key, key_size, found);
  });
}

bpfload_status bpfload_map_next_key(bpfload_object* object, const char* map, const void* key, void* next_key,
                                    size_t key_size, int* has_next) {
  return call_on_object(object, "bpfload_map_next_key", [&]() -> Status {
    auto handle = map_named(*object, "bpfload_map_next_key", map);
    if (!handle) return std::move(handle).error();
    return bpfload::capi::next_key_of(*handle, "bpfload_map_next_key", map, key, next_key, key_size, has_next);
  });
}

}  // extern "C"
