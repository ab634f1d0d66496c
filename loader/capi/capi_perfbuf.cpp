// Perf buffer readers behind the C API: a PerfBufferReader and its own error slot; C
// callbacks wrapped as the reader's callbacks.
#include <memory>
#include <optional>
#include <string>

#include "bpfload/perf_buffer.hpp"
#include "capi_object.hpp"

using bpfload::PerfBufferOptions;
using bpfload::PerfBufferReader;
using bpfload::Result;
using bpfload::Status;
using bpfload::capi::call_guarded;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;

struct bpfload_perfbuf {
  std::optional<PerfBufferReader> reader;
  CapiErrorSlot error;
};

namespace {

constexpr size_t kDefaultPages = 8;

PerfBufferOptions options_of(size_t pages, bpfload_perfbuf_sample_fn sample, bpfload_perfbuf_lost_fn lost,
                             void* ctx) {
  PerfBufferOptions options;
  options.pages_per_cpu = pages == 0 ? kDefaultPages : pages;
  options.sample = [sample, ctx](unsigned cpu, std::span<const std::byte> data) {
    return sample(ctx, static_cast<int>(cpu), data.data(), data.size()) == 0;
  };
  if (lost != nullptr)
    options.lost = [lost, ctx](unsigned cpu, uint64_t count) { lost(ctx, static_cast<int>(cpu), count); };
  return options;
}

Status store(Result<PerfBufferReader> made, bpfload_perfbuf** reader) {
  if (!made.ok()) return std::move(made).error();
  auto handle = std::make_unique<bpfload_perfbuf>();
  handle->reader.emplace(std::move(*made));
  *reader = handle.release();
  return {};
}

template <typename Body>
bpfload_status call_on_reader(bpfload_perfbuf* reader, const char* function, Body&& body) noexcept {
  if (reader == nullptr)
    return call_guarded(bpfload::capi::thread_error_slot(),
                        [&]() -> Status { return null_argument(function, "reader"); });
  return call_guarded(reader->error, std::forward<Body>(body));
}

}  // namespace

extern "C" {

bpfload_status bpfload_perfbuf_new(bpfload_object* object, const char* map, size_t pages_per_cpu,
                                   bpfload_perfbuf_sample_fn sample, bpfload_perfbuf_lost_fn lost, void* ctx,
                                   bpfload_perfbuf** reader) {
  return call_on_object(object, "bpfload_perfbuf_new", [&]() -> Status {
    if (reader == nullptr) return null_argument("bpfload_perfbuf_new", "reader");
    if (map == nullptr) return null_argument("bpfload_perfbuf_new", "map");
    if (sample == nullptr) return null_argument("bpfload_perfbuf_new", "sample");
    auto loaded = bpfload::capi::loaded_object(*object, "bpfload_perfbuf_new");
    if (!loaded) return std::move(loaded).error();
    return store(PerfBufferReader::open(**loaded, map, options_of(pages_per_cpu, sample, lost, ctx), object->kernel),
                 reader);
  });
}

bpfload_status bpfload_perfbuf_new_pinned(const char* path, size_t pages_per_cpu, bpfload_perfbuf_sample_fn sample,
                                          bpfload_perfbuf_lost_fn lost, void* ctx, bpfload_perfbuf** reader) {
  return call_guarded(bpfload::capi::thread_error_slot(), [&]() -> Status {
    if (reader == nullptr) return null_argument("bpfload_perfbuf_new_pinned", "reader");
    if (path == nullptr) return null_argument("bpfload_perfbuf_new_pinned", "path");
    if (sample == nullptr) return null_argument("bpfload_perfbuf_new_pinned", "sample");
    return store(PerfBufferReader::open_pinned(path, options_of(pages_per_cpu, sample, lost, ctx)), reader);
  });
}

bpfload_status bpfload_perfbuf_poll(bpfload_perfbuf* reader, int timeout_ms, size_t* samples) {
  return call_on_reader(reader, "bpfload_perfbuf_poll", [&]() -> Status {
    return bpfload::capi::store_count(reader->reader->poll(timeout_ms), samples);
  });
}

bpfload_status bpfload_perfbuf_consume(bpfload_perfbuf* reader, size_t* samples) {
  return call_on_reader(reader, "bpfload_perfbuf_consume", [&]() -> Status {
    return bpfload::capi::store_count(reader->reader->consume(), samples);
  });
}

uint64_t bpfload_perfbuf_lost(const bpfload_perfbuf* reader) {
  return reader == nullptr ? 0 : reader->reader->lost_samples();
}

int bpfload_perfbuf_epoll_fd(const bpfload_perfbuf* reader) {
  return reader == nullptr ? -1 : reader->reader->epoll_fd();
}

const bpfload_error* bpfload_perfbuf_error(const bpfload_perfbuf* reader) {
  return reader == nullptr ? &bpfload::capi::thread_error_slot().view : &reader->error.view;
}

void bpfload_perfbuf_free(bpfload_perfbuf* reader) { delete reader; }

}  // extern "C"
