// Global variables after loading: the section's map, the variable's bytes in its value.
#include "bpfload/globals.hpp"

#include <fmt/format.h>

#include "bpfload/map.hpp"

namespace bpfload {
namespace {

struct SectionMap {
  GlobalVariable variable;
  MapHandle map;
};

Result<SectionMap> section_map(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                               Kernel* kernel) {
  Result<GlobalVariable> variable = find_global(spec, name);
  if (!variable.ok()) return std::move(variable).error();
  Result<MapHandle> map = object.map(variable->section, kernel);
  if (!map.ok())
    return map.error().with_context(fmt::format("global '{}' in '{}'", name, variable->section));
  if (uint64_t{variable->offset} + variable->size > map->value_size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("global '{}' lies past the {} bytes of map '{}'; was the object loaded from "
                                  "another spec?",
                                  name, map->value_size(), variable->section));
  return SectionMap{std::move(variable).value(), std::move(map).value()};
}

}  // namespace

Result<std::vector<std::byte>> read_global(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                                           Kernel* kernel) {
  Result<SectionMap> found = section_map(spec, object, name, kernel);
  if (!found.ok()) return std::move(found).error();
  const uint32_t key = 0;
  std::vector<std::byte> value(found->map.value_buffer_size());
  Result<bool> present = found->map.lookup(std::as_bytes(std::span(&key, 1)), value);
  if (!present.ok()) return present.error().with_context(fmt::format("global '{}'", name));
  if (!*present) return make_error(ErrorKind::NotFound, fmt::format("global '{}': its section has no value", name));
  const auto begin = value.begin() + found->variable.offset;
  return std::vector<std::byte>(begin, begin + found->variable.size);
}

Status write_global(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                    std::span<const std::byte> value, Kernel* kernel) {
  Result<SectionMap> found = section_map(spec, object, name, kernel);
  if (!found.ok()) return std::move(found).error();
  const GlobalVariable& variable = found->variable;
  if (variable.readonly)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("global '{}' is in '{}', frozen when the object was loaded: set it before "
                                  "loading (set_constant, --set {}=VALUE)",
                                  name, variable.section, name));
  if (value.size() != variable.size)
    return make_error(ErrorKind::InvalidArgument, fmt::format("global '{}' is {} bytes, not {}", name, variable.size,
                                                              value.size()));
  Kernel& through = kernel != nullptr ? *kernel : found->map.kernel();
  const Status written = through.map_write_value_bytes(found->map.fd(), found->map.value_size(), variable.offset, value);
  if (!written.ok()) return written.error().with_context(fmt::format("global '{}'", name));
  return {};
}

Status write_global_text(const ObjectSpec& spec, const LoadedObject& object, std::string_view name,
                         std::string_view value, Kernel* kernel) {
  Result<GlobalVariable> variable = find_global(spec, name);
  if (!variable.ok()) return std::move(variable).error();
  Result<std::vector<std::byte>> bytes = encode_global(spec, *variable, value);
  if (!bytes.ok()) return std::move(bytes).error();
  return write_global(spec, object, name, *bytes, kernel);
}

}  // namespace bpfload
