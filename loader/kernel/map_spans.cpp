#include "map_spans.hpp"

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"

namespace bpfload {

Status check_map_spans(std::string_view call, int map_fd, const MapInfo& info, unsigned possible_cpus,
                       size_t key_bytes, KeyUse key_use, std::optional<size_t> value_bytes) {
  const std::string map = fmt::format("{} map '{}' (fd {})", map_type_name(info.type), info.name, map_fd);
  const bool key_fits = key_bytes == info.key_size || (key_use == KeyUse::ExactOrEmpty && key_bytes == 0);
  if (!key_fits) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} on {}: the key is {} bytes but the map's key_size is {}", call, map,
                                  key_bytes, info.key_size));
  }
  if (!value_bytes) return {};
  const size_t wanted = map_value_span_size(info.type, info.value_size, possible_cpus);
  if (*value_bytes == wanted) return {};
  if (is_per_cpu_map(info.type)) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} on {}: the value is {} bytes but the map needs {} (value_size {} "
                                  "rounded up to 8, times {} possible CPUs)",
                                  call, map, *value_bytes, wanted, info.value_size, possible_cpus));
  }
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("{} on {}: the value is {} bytes but the map's value_size is {}", call, map,
                                *value_bytes, info.value_size));
}

}  // namespace bpfload
