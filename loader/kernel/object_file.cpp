// Object files read through the Kernel seam, then parsed by the pure spec layer.
#include "bpfload/object_file.hpp"

#include <new>

#include <fmt/format.h>

namespace bpfload {

Result<std::vector<std::byte>> read_input_file(const std::string& path, size_t max_bytes, std::string_view magic,
                                               Kernel& kernel) {
  return kernel.read_file(path, max_bytes, std::string(magic));
}

Result<ObjectSpec> parse_object_file(const std::string& path, const ParseOptions& options, Kernel& kernel) try {
  Result<std::vector<std::byte>> bytes = read_input_file(path, options.limits.max_object_bytes, kElfMagic, kernel);
  if (!bytes) return std::move(bytes).error();
  Result<ObjectSpec> spec = parse_object(std::move(*bytes), options);
  if (!spec) return std::move(spec).error().with_context(path);
  return spec;
} catch (const std::bad_alloc&) {
  return out_of_memory_error(fmt::format("reading {}", path));
}

}  // namespace bpfload
