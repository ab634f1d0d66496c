// Global variables of a loaded object by name (bpfload_object_read_global and friends):
// the C face of globals.hpp.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "bpfload/globals.hpp"
#include "bpfload/kernel.hpp"
#include "capi_object.hpp"

using bpfload::ErrorKind;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_on_object;
using bpfload::capi::loaded_object;
using bpfload::capi::null_argument;

namespace {

// The section's initial bytes, which the load turns into its map: a zero-filled section
// gets real zero bytes here, so the caller has memory to write into.
bpfload::Result<std::span<std::byte>> initial_bytes(bpfload_object& object, std::string_view section) {
  for (bpfload::DataSectionSpec& data : object.spec.data_sections) {
    if (data.name != section) continue;
    if (data.bytes.empty() && data.zero_size > 0) {
      data.bytes.assign(data.zero_size, std::byte{0});
      data.zero_size = 0;
    }
    return std::span<std::byte>(data.bytes);
  }
  std::string names;
  for (const bpfload::DataSectionSpec& data : object.spec.data_sections)
    names += fmt::format("{}'{}'", names.empty() ? "" : ", ", data.name);
  return make_error(ErrorKind::NotFound, fmt::format("no global-data section '{}' in the object (it has: {})", section,
                                                     names.empty() ? "none" : names));
}

// The loaded section's map value, mapped once: read-only for a frozen section.
bpfload::Result<std::span<std::byte>> mapped_bytes(bpfload_object& object, const bpfload::LoadedObject& loaded,
                                                   const std::string& section) {
  const bpfload::DataSectionSpec* data = nullptr;
  for (const bpfload::DataSectionSpec& candidate : object.spec.data_sections)
    if (candidate.name == section) data = &candidate;
  if (data == nullptr) return initial_bytes(object, section).error();
  const size_t size = data->size();
  if (auto found = object.section_mappings.find(section); found != object.section_mappings.end())
    return std::span<std::byte>(found->second.data(), size);
  const int fd = loaded.map_fd(section);
  if (fd < 0)
    return make_error(ErrorKind::NotFound, fmt::format("global-data section '{}' has no map in the loaded object", section));
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t length = std::max<size_t>(1, (size + page - 1) / page) * page;
  bpfload::Kernel& kernel = object.kernel != nullptr ? *object.kernel : bpfload::system_kernel();
  auto mapped = kernel.run(bpfload::op::MemoryMap{fd, length, 0, !data->readonly, {}});
  if (!mapped) return std::move(mapped).error().with_context(fmt::format("map of section '{}'", section));
  auto [entry, inserted] = object.section_mappings.emplace(section, std::move(mapped->memory));
  return std::span<std::byte>(entry->second.data(), size);
}

}  // namespace

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

bpfload_status bpfload_object_section_data(bpfload_object* object, const char* section, void** data, size_t* size) {
  return call_on_object(object, "bpfload_object_section_data", [&]() -> Status {
    if (section == nullptr) return null_argument("bpfload_object_section_data", "section");
    if (data == nullptr) return null_argument("bpfload_object_section_data", "data");
    if (size == nullptr) return null_argument("bpfload_object_section_data", "size");
    bpfload::Result<std::span<std::byte>> bytes = [&]() -> bpfload::Result<std::span<std::byte>> {
      if (!object->load_attempted) return initial_bytes(*object, section);
      auto loaded = loaded_object(*object, "bpfload_object_section_data");
      if (!loaded) return std::move(loaded).error();
      return mapped_bytes(*object, **loaded, section);
    }();
    if (!bytes) return bytes.error().with_context("bpfload_object_section_data");
    *data = bytes->data();
    *size = bytes->size();
    return {};
  });
}

}  // extern "C"
