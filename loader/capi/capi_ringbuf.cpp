// Ring buffer readers behind the C API: a RingBufferReader and its own error slot; C
// callbacks wrapped as the reader's callbacks.
#include <optional>
#include <string>

#include "bpfload/ring_buffer.hpp"
#include "capi_object.hpp"

using bpfload::Result;
using bpfload::RingBufferCallback;
using bpfload::RingBufferReader;
using bpfload::Status;
using bpfload::capi::call_guarded;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;

struct bpfload_ringbuf {
  std::optional<RingBufferReader> reader;
  CapiErrorSlot error;
};

namespace {

RingBufferCallback wrap(bpfload_ringbuf_callback callback, void* ctx) {
  return [callback, ctx](std::span<const std::byte> record) { return callback(ctx, record.data(), record.size()) == 0; };
}

Status add_object_map(RingBufferReader& reader, bpfload_object& object, const char* function, const char* map,
                      bpfload_ringbuf_callback callback, void* ctx) {
  if (map == nullptr) return null_argument(function, "map");
  if (callback == nullptr) return null_argument(function, "callback");
  auto loaded = bpfload::capi::loaded_object(object, function);
  if (!loaded) return std::move(loaded).error();
  return reader.add(**loaded, map, wrap(callback, ctx));
}

Status add_pin(RingBufferReader& reader, const char* function, const char* path, bpfload_ringbuf_callback callback,
               void* ctx) {
  if (path == nullptr) return null_argument(function, "path");
  if (callback == nullptr) return null_argument(function, "callback");
  return reader.add_pinned(path, wrap(callback, ctx));
}

/// A new reader over `kernel`, or the error; freed on failure.
Result<bpfload_ringbuf*> new_reader(bpfload::Kernel& kernel) {
  Result<RingBufferReader> made = RingBufferReader::create(kernel);
  if (!made.ok()) return std::move(made).error();
  auto* handle = new bpfload_ringbuf;
  handle->reader.emplace(std::move(*made));
  return handle;
}

template <typename Body>
bpfload_status call_on_reader(bpfload_ringbuf* reader, const char* function, Body&& body) noexcept {
  if (reader == nullptr)
    return call_guarded(bpfload::capi::thread_error_slot(),
                        [&]() -> Status { return null_argument(function, "reader"); });
  return call_guarded(reader->error, std::forward<Body>(body));
}

}  // namespace

extern "C" {

bpfload_status bpfload_ringbuf_new(bpfload_object* object, const char* map, bpfload_ringbuf_callback callback,
                                   void* ctx, bpfload_ringbuf** reader) {
  return call_on_object(object, "bpfload_ringbuf_new", [&]() -> Status {
    if (reader == nullptr) return null_argument("bpfload_ringbuf_new", "reader");
    Result<bpfload_ringbuf*> made =
        new_reader(object->kernel != nullptr ? *object->kernel : bpfload::system_kernel());
    if (!made.ok()) return std::move(made).error();
    std::unique_ptr<bpfload_ringbuf> owned(*made);
    BPFLOAD_TRY(add_object_map(*owned->reader, *object, "bpfload_ringbuf_new", map, callback, ctx));
    *reader = owned.release();
    return {};
  });
}

bpfload_status bpfload_ringbuf_new_pinned(const char* path, bpfload_ringbuf_callback callback, void* ctx,
                                          bpfload_ringbuf** reader) {
  return call_guarded(bpfload::capi::thread_error_slot(), [&]() -> Status {
    if (reader == nullptr) return null_argument("bpfload_ringbuf_new_pinned", "reader");
    Result<bpfload_ringbuf*> made = new_reader(bpfload::system_kernel());
    if (!made.ok()) return std::move(made).error();
    std::unique_ptr<bpfload_ringbuf> owned(*made);
    BPFLOAD_TRY(add_pin(*owned->reader, "bpfload_ringbuf_new_pinned", path, callback, ctx));
    *reader = owned.release();
    return {};
  });
}

bpfload_status bpfload_ringbuf_add(bpfload_ringbuf* reader, bpfload_object* object, const char* map,
                                   bpfload_ringbuf_callback callback, void* ctx) {
  return call_on_reader(reader, "bpfload_ringbuf_add", [&]() -> Status {
    if (object == nullptr) return null_argument("bpfload_ringbuf_add", "object");
    return add_object_map(*reader->reader, *object, "bpfload_ringbuf_add", map, callback, ctx);
  });
}

bpfload_status bpfload_ringbuf_add_pinned(bpfload_ringbuf* reader, const char* path,
                                          bpfload_ringbuf_callback callback, void* ctx) {
  return call_on_reader(reader, "bpfload_ringbuf_add_pinned", [&]() -> Status {
    return add_pin(*reader->reader, "bpfload_ringbuf_add_pinned", path, callback, ctx);
  });
}

bpfload_status bpfload_ringbuf_poll(bpfload_ringbuf* reader, int timeout_ms, size_t* records) {
  return call_on_reader(reader, "bpfload_ringbuf_poll", [&]() -> Status {
    return bpfload::capi::store_count(reader->reader->poll(timeout_ms), records);
  });
}

bpfload_status bpfload_ringbuf_consume(bpfload_ringbuf* reader, size_t* records) {
  return call_on_reader(reader, "bpfload_ringbuf_consume", [&]() -> Status {
    return bpfload::capi::store_count(reader->reader->consume(), records);
  });
}

int bpfload_ringbuf_epoll_fd(const bpfload_ringbuf* reader) {
  return reader == nullptr ? -1 : reader->reader->epoll_fd();
}

const bpfload_error* bpfload_ringbuf_error(const bpfload_ringbuf* reader) {
  return reader == nullptr ? &bpfload::capi::thread_error_slot().view : &reader->error.view;
}

void bpfload_ringbuf_free(bpfload_ringbuf* reader) { delete reader; }

}  // extern "C"
