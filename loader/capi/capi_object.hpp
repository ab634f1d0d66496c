// What a bpfload_object is behind the C API, and the one way into it: call_guarded,
// which turns Results and every C++ exception into a status and the object's error.
#pragma once

#include <cstddef>
#include <exception>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <cstddef>
#include <list>
#include <memory>

#include "bpfload/attach.hpp"
#include "bpfload/bpfload.h"
#include "bpfload/loader.hpp"
#include "bpfload/map.hpp"
#include "bpfload/mapped_memory.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/standalone_map.hpp"

/// Its last error: the public view and the strings it points into.
struct CapiErrorSlot {
  bpfload_error view{BPFLOAD_OK, 0, "", ""};
  std::string message;
  std::string verifier_log;
};

/// One attachment made through the C API; owned by its object (bpfload_object::links).
struct bpfload_link {
  bpfload_object* owner = nullptr;
  bpfload::Attachment attachment;
};

struct bpfload_object {
  std::vector<std::byte> bytes;  ///< kept for the iproute2 object id, computed only when a pin needs it
  bpfload::ObjectSpec spec;
  std::map<std::string, bpfload::MapOverride> map_overrides;
  /// bpfload_object_set_program_autoload choices by program name; the others load as
  /// their section says (SEC("?...") ones do not).
  std::map<std::string, bool> autoload;
  bool load_attempted = false;
  std::optional<bpfload::LoadedObject> loaded;
  bpfload::LoadReport report;
  bpfload::Kernel* kernel = nullptr;  ///< nullptr: system_kernel(); replaced by tests only
  /// After `loaded`, so attachments are undone before the programs' fds close.
  std::list<std::unique_ptr<bpfload_link>> links;
  /// bpfload_object_section_data's mappings of the loaded data sections, by section name:
  /// made once each, unmapped when the object is closed.
  std::map<std::string, bpfload::MappedMemory> section_mappings;
  CapiErrorSlot error;
};

/// A map of its own behind the C API (bpfload_map_create, bpfload_map_open_pinned).
struct bpfload_map {
  explicit bpfload_map(bpfload::StandaloneMap opened) : map(std::move(opened)) {}
  bpfload::StandaloneMap map;
  CapiErrorSlot error;
};

namespace bpfload::capi {

/// The slot errors of calls without an object go to: per thread.
CapiErrorSlot& thread_error_slot() noexcept;

/// Records `error` in `slot` and returns its status. Never throws: when the strings
/// cannot be copied, the slot says "out of memory" from static storage.
bpfload_status record(CapiErrorSlot& slot, const Error& error) noexcept;
/// Records a failure that is not a bpfload::Error (allocation, exception).
bpfload_status record(CapiErrorSlot& slot, bpfload_status status, const char* message) noexcept;
/// Marks the slot as holding no error.
void clear(CapiErrorSlot& slot) noexcept;

/// An InvalidArgument error saying `what` must not be NULL.
Error null_argument(const char* function, const char* what);

/// Runs `body` (returning Status) with every exception caught, recording its outcome in
/// `slot`. The only path from the C functions into C++ code.
template <typename Body>
bpfload_status call_guarded(CapiErrorSlot& slot, Body&& body) noexcept {
  try {
    Status status = std::forward<Body>(body)();
    if (status.ok()) {
      clear(slot);
      return BPFLOAD_OK;
    }
    return record(slot, status.error());
  } catch (const std::bad_alloc&) {
    return record(slot, BPFLOAD_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception& exception) {
    return record(slot, BPFLOAD_ERR_INTERNAL, exception.what());
  } catch (...) {
    return record(slot, BPFLOAD_ERR_INTERNAL, "unexpected exception inside bpfload");
  }
}

/// call_guarded on `object`'s slot, or on the thread's slot with an InvalidArgument error
/// when `object` is NULL.
template <typename Body>
bpfload_status call_on_object(bpfload_object* object, const char* function, Body&& body) noexcept {
  if (object == nullptr)
    return call_guarded(thread_error_slot(), [&]() -> Status { return null_argument(function, "object"); });
  return call_guarded(object->error, std::forward<Body>(body));
}

/// Copies the outcome in `slot` into the caller's `out`; nothing when `out` is NULL or
/// its sz does not reach the message. Never fails.
void copy_error(const CapiErrorSlot& slot, bpfload_error_buf* out) noexcept;

/// The caller's error buffer of options struct `opts` (may be NULL), when the caller's sz
/// reaches its `error` field.
template <typename Opts>
bpfload_error_buf* error_buf_of(const Opts* opts) noexcept {
  if (opts == nullptr || opts->sz < offsetof(Opts, error) + sizeof(opts->error)) return nullptr;
  return opts->error;
}

/// call_guarded for calls without an object: the error goes to the thread's slot and
/// into the caller's `out` (may be NULL), which no later call on another thread can clear.
template <typename Body>
bpfload_status call_without_object(bpfload_error_buf* out, Body&& body) noexcept {
  const bpfload_status status = call_guarded(thread_error_slot(), std::forward<Body>(body));
  copy_error(thread_error_slot(), out);
  return status;
}

/// Element access through a MapHandle, shared by the calls on an object's map (by name)
/// and on a map of its own; `label` names the map in errors. Check every pointer and size.
Status lookup_element(const MapHandle& map, const char* function, const char* label, const void* key,
                      size_t key_size, void* value, size_t value_size, int* found);
Status update_element(const MapHandle& map, const char* function, const void* key, size_t key_size,
                      const void* value, size_t value_size, uint64_t flags);
Status delete_element(const MapHandle& map, const char* function, const char* label, const void* key,
                      size_t key_size, int* found);
Status next_key_of(const MapHandle& map, const char* function, const char* label, const void* key, void* next_key,
                   size_t key_size, int* has_next);
/// Fills the caller's *info (its sz checked) from `map`.
Status fill_map_info(const MapHandle& map, const char* function, bpfload_map_info* info);

/// How many records an event reader's poll or consume handed over, into `count` when
/// the caller asked (NULL: not wanted).
inline Status store_count(Result<size_t> read, size_t* count) {
  if (!read.ok()) return std::move(read).error();
  if (count != nullptr) *count = *read;
  return {};
}

/// The loaded object behind `object`; InvalidArgument naming `function` when it was not
/// loaded or its load failed.
Result<const LoadedObject*> loaded_object(const bpfload_object& object, const char* function);
/// The fd of loaded program `program`; NotFound saying whether it is absent or did not load.
Result<int> program_fd_named(const bpfload_object& object, const char* function, const char* program);

/// Checks a size-prefixed options struct: sz at least `known_prefix` (the struct's first
/// version), and any bytes past the `known` size this library has must be zero.
Status check_opts_size(const char* function, const void* opts, size_t sz, size_t known_prefix, size_t known);

}  // namespace bpfload::capi
