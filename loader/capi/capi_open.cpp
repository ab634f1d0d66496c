// Opening and closing objects, and the calls that need no object.
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "bpfload/object_file.hpp"
#include "capi_object.hpp"

using bpfload::Error;
using bpfload::ErrorKind;
using bpfload::Status;
using bpfload::capi::call_guarded;
using bpfload::capi::null_argument;
using bpfload::capi::thread_error_slot;

namespace {

#ifndef BPFLOAD_VERSION
#define BPFLOAD_VERSION "unknown"
#endif

bpfload::Result<bpfload::ParseOptions> parse_options_of(const char* function, const bpfload_open_opts* opts) {
  bpfload::ParseOptions parse;
  if (opts == nullptr) return parse;
  // The first version of the struct ended before `error`.
  BPFLOAD_TRY(bpfload::capi::check_opts_size(function, opts, opts->sz, offsetof(bpfload_open_opts, error),
                                             sizeof(bpfload_open_opts)));
  if (opts->map_layout != nullptr) {
    auto layout = bpfload::map_layout_from_string(opts->map_layout);
    if (!layout) return std::move(layout).error().with_context(function);
    parse.legacy_layout = *layout;
  }
  if (opts->program_type_count > 0 && opts->program_types == nullptr)
    return null_argument(function, "program_types (with program_type_count > 0)");
  for (size_t i = 0; i < opts->program_type_count; ++i) {
    const bpfload_program_type& entry = opts->program_types[i];
    if (entry.name == nullptr || entry.type == nullptr)
      return null_argument(function, fmt::format("program_types[{}].name or .type", i).c_str());
    parse.program_types[entry.name] = entry.type;
  }
  return parse;
}

/// Parses `bytes` into a new object stored in *object; the bytes move into it.
Status open_bytes(const char* function, std::vector<std::byte> bytes, const bpfload_open_opts* opts,
                  bpfload_object** object) {
  auto parse = parse_options_of(function, opts);
  if (!parse) return std::move(parse).error();
  auto spec = bpfload::parse_object(bytes, *parse);
  if (!spec) return std::move(spec).error();
  auto opened = std::make_unique<bpfload_object>();
  opened->bytes = std::move(bytes);
  opened->spec = std::move(spec).value();
  *object = opened.release();
  return {};
}

/// The file through the one hardened reader: regular files only (a FIFO is refused, not
/// waited on), at most the parser's object bound.
bpfload::Result<std::vector<std::byte>> read_whole_file(const char* path) {
  return bpfload::read_input_file(path, bpfload::ParseLimits{}.max_object_bytes);
}

}  // namespace

extern "C" {

const char* bpfload_version(void) { return BPFLOAD_VERSION; }

const char* bpfload_status_name(bpfload_status status) {
  switch (status) {
    case BPFLOAD_OK: return "ok";
    case BPFLOAD_ERR_MALFORMED: return "malformed";
    case BPFLOAD_ERR_UNSUPPORTED: return "unsupported";
    case BPFLOAD_ERR_NOT_FOUND: return "not_found";
    case BPFLOAD_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case BPFLOAD_ERR_LIMIT_EXCEEDED: return "limit_exceeded";
    case BPFLOAD_ERR_KERNEL: return "kernel";
    case BPFLOAD_ERR_IO: return "io";
    case BPFLOAD_ERR_NO_MEMORY: return "no_memory";
    case BPFLOAD_ERR_INTERNAL: return "internal";
  }
  return "unknown";
}

const bpfload_error* bpfload_object_error(const bpfload_object* object) {
  return object != nullptr ? &object->error.view : &thread_error_slot().view;
}

bpfload_status bpfload_object_open_file(const char* path, const bpfload_open_opts* opts, bpfload_object** object) {
  return bpfload::capi::call_without_object(bpfload::capi::error_buf_of(opts), [&]() -> Status {
    if (object == nullptr) return null_argument("bpfload_object_open_file", "object");
    *object = nullptr;
    if (path == nullptr) return null_argument("bpfload_object_open_file", "path");
    auto bytes = read_whole_file(path);
    if (!bytes) return std::move(bytes).error();
    Status opened = open_bytes("bpfload_object_open_file", std::move(bytes).value(), opts, object);
    if (!opened) return std::move(opened).error().with_context(path);
    return {};
  });
}

bpfload_status bpfload_object_open_mem(const void* data, size_t size, const bpfload_open_opts* opts,
                                       bpfload_object** object) {
  return bpfload::capi::call_without_object(bpfload::capi::error_buf_of(opts), [&]() -> Status {
    if (object == nullptr) return null_argument("bpfload_object_open_mem", "object");
    *object = nullptr;
    if (data == nullptr) return null_argument("bpfload_object_open_mem", "data");
    const auto* first = static_cast<const std::byte*>(data);
    return open_bytes("bpfload_object_open_mem", std::vector<std::byte>(first, first + size), opts, object);
  });
}

void bpfload_object_close(bpfload_object* object) {
  // Destructors only close fds and free memory: nothing here can throw.
  delete object;
}

}  // extern "C"
