// Maps on their own: created through the same definition and size checks as an
// object's maps (map_definition.hpp), opened from pins, pinned.
#include "bpfload/standalone_map.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "map_definition.hpp"

namespace bpfload {

Result<StandaloneMap> StandaloneMap::adopt(Kernel& kernel, Fd fd, const std::string& where) {
  Result<MapInfo> info = kernel.map_info(fd.get());
  if (!info.ok()) {
    // The kernel layer's map_info refuses a program's or link's fd, saying what it is.
    if (info.error().kind == ErrorKind::InvalidArgument)
      return make_error(ErrorKind::InvalidArgument, fmt::format("{} is not a map: {}", where, info.error().message),
                        EINVAL);
    return std::move(info).error().with_context(fmt::format("{}: read its info", where));
  }
  unsigned cpus = 1;
  if (is_per_cpu_map_type(info->type)) {
    Result<unsigned> possible = possible_cpu_count(&kernel);
    if (!possible.ok()) return std::move(possible).error().with_context(where);
    cpus = *possible;
  }
  return StandaloneMap(kernel, std::move(fd), std::move(info).value(), cpus);
}

MapHandle StandaloneMap::handle() const {
  return MapHandle(*kernel_, fd_.get(), info_.name, info_, cpus_);
}

Status StandaloneMap::pin(const std::string& path) const {
  Status pinned = kernel_->obj_pin(fd_.get(), path);
  if (!pinned.ok()) return pinned.error().with_context(fmt::format("map '{}': pin at {}", info_.name, path));
  return {};
}

Result<StandaloneMap> create_map(const MapCreateOptions& options) {
  Kernel& kernel = options.kernel != nullptr ? *options.kernel : system_kernel();
  const std::string name = options.name.empty() ? std::string("(unnamed)") : options.name;
  if (is_map_in_map(options.type) || options.type == BPF_MAP_TYPE_STRUCT_OPS)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': a {} needs {}: load it from an object", name,
                                  map_type_name(options.type),
                                  is_map_in_map(options.type) ? "an inner map template" : "a kernel struct"));
  MapSpec spec;
  spec.name = options.name;
  spec.type = options.type;
  spec.key_size = options.key_size;
  spec.value_size = options.value_size;
  spec.max_entries = options.max_entries;
  spec.flags = options.flags;
  Result<MapDefinition> def = definition_of(kernel, spec, nullptr);
  if (!def.ok()) return std::move(def).error();
  BPFLOAD_TRY(check_map_sizes(name, *def));
  MapCreateRequest request;
  request.type = def->type;
  request.name = kernel_object_name(options.name);
  request.key_size = def->key_size;
  request.value_size = def->value_size;
  request.max_entries = def->max_entries;
  request.flags = def->flags;
  Result<Fd> created = kernel.map_create(request);
  if (!created.ok()) return std::move(created).error().with_context(fmt::format("create map '{}' ({})", name, describe(*def)));
  return StandaloneMap::adopt(kernel, std::move(created).value(), fmt::format("map '{}'", name));
}

Result<StandaloneMap> open_pinned_map(const std::string& path, Kernel* kernel) {
  Kernel& system = kernel != nullptr ? *kernel : system_kernel();
  Result<Fd> opened = system.obj_get(path);
  if (!opened.ok()) return std::move(opened).error().with_context(fmt::format("open pinned map {}", path));
  return StandaloneMap::adopt(system, std::move(opened).value(), fmt::format("the pin {}", path));
}

Result<StandaloneMap> open_map_by_id(uint32_t id, Kernel* kernel) {
  Kernel& system = kernel != nullptr ? *kernel : system_kernel();
  Result<Fd> opened = system.map_by_id(id);
  if (!opened.ok()) return std::move(opened).error().with_context(fmt::format("open map id {}", id));
  return StandaloneMap::adopt(system, std::move(opened).value(), fmt::format("map id {}", id));
}

}  // namespace bpfload
