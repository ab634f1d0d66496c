// User ring buffer writers behind the C API: a UserRingBufferWriter and its own error
// slot.
#include <memory>
#include <optional>
#include <string>

#include "bpfload/user_ring_buffer.hpp"
#include "capi_object.hpp"

using bpfload::Result;
using bpfload::Status;
using bpfload::UserRingBufferWriter;
using bpfload::capi::call_guarded;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;

struct bpfload_user_ringbuf {
  std::optional<UserRingBufferWriter> writer;
  CapiErrorSlot error;
};

namespace {

Status store(Result<UserRingBufferWriter> made, bpfload_user_ringbuf** writer) {
  if (!made.ok()) return std::move(made).error();
  auto handle = std::make_unique<bpfload_user_ringbuf>();
  handle->writer.emplace(std::move(*made));
  *writer = handle.release();
  return {};
}

template <typename Body>
bpfload_status call_on_writer(bpfload_user_ringbuf* writer, const char* function, Body&& body) noexcept {
  if (writer == nullptr)
    return call_guarded(bpfload::capi::thread_error_slot(),
                        [&]() -> Status { return null_argument(function, "writer"); });
  return call_guarded(writer->error, std::forward<Body>(body));
}

}  // namespace

extern "C" {

bpfload_status bpfload_user_ringbuf_new(bpfload_object* object, const char* map, bpfload_user_ringbuf** writer) {
  return call_on_object(object, "bpfload_user_ringbuf_new", [&]() -> Status {
    if (writer == nullptr) return null_argument("bpfload_user_ringbuf_new", "writer");
    if (map == nullptr) return null_argument("bpfload_user_ringbuf_new", "map");
    auto loaded = bpfload::capi::loaded_object(*object, "bpfload_user_ringbuf_new");
    if (!loaded) return std::move(loaded).error();
    return store(UserRingBufferWriter::open(**loaded, map, object->kernel), writer);
  });
}

bpfload_status bpfload_user_ringbuf_new_pinned(const char* path, bpfload_user_ringbuf** writer) {
  return call_guarded(bpfload::capi::thread_error_slot(), [&]() -> Status {
    if (writer == nullptr) return null_argument("bpfload_user_ringbuf_new_pinned", "writer");
    if (path == nullptr) return null_argument("bpfload_user_ringbuf_new_pinned", "path");
    return store(UserRingBufferWriter::open_pinned(path), writer);
  });
}

bpfload_status bpfload_user_ringbuf_reserve(bpfload_user_ringbuf* writer, size_t size, void** record) {
  return call_on_writer(writer, "bpfload_user_ringbuf_reserve", [&]() -> Status {
    if (record == nullptr) return null_argument("bpfload_user_ringbuf_reserve", "record");
    *record = nullptr;
    Result<std::span<std::byte>> reserved = writer->writer->reserve(size);
    if (!reserved.ok()) return std::move(reserved).error();
    *record = reserved->data();
    return {};
  });
}

bpfload_status bpfload_user_ringbuf_submit(bpfload_user_ringbuf* writer, void* record) {
  return call_on_writer(writer, "bpfload_user_ringbuf_submit", [&]() -> Status {
    if (record == nullptr) return null_argument("bpfload_user_ringbuf_submit", "record");
    return writer->writer->submit(record);
  });
}

bpfload_status bpfload_user_ringbuf_discard(bpfload_user_ringbuf* writer, void* record) {
  return call_on_writer(writer, "bpfload_user_ringbuf_discard", [&]() -> Status {
    if (record == nullptr) return null_argument("bpfload_user_ringbuf_discard", "record");
    return writer->writer->discard(record);
  });
}

size_t bpfload_user_ringbuf_max_record_size(const bpfload_user_ringbuf* writer) {
  return writer == nullptr ? 0 : writer->writer->max_record_size();
}

const bpfload_error* bpfload_user_ringbuf_error(const bpfload_user_ringbuf* writer) {
  return writer == nullptr ? &bpfload::capi::thread_error_slot().view : &writer->error.view;
}

void bpfload_user_ringbuf_free(bpfload_user_ringbuf* writer) { delete writer; }

}  // extern "C"
