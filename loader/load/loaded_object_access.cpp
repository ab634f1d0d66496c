// Named access to what a LoadedObject owns, beyond raw fds: map handles and test runs,
// through the kernel the object was loaded with (a fault-injecting one in tests).
#include <string>

#include <fmt/format.h>

#include "bpfload/loader.hpp"

namespace bpfload {

namespace {

template <typename Map>
std::string names_of(const Map& entries) {
  std::string names;
  for (const auto& [name, fd] : entries) names += (names.empty() ? "'" : ", '") + name + "'";
  return names.empty() ? "none" : names;
}

}  // namespace

Result<MapHandle> LoadedObject::map(std::string_view name) const {
  const auto it = maps_.find(name);
  if (it == maps_.end())
    return make_error(ErrorKind::NotFound,
                      fmt::format("no map named '{}' in the object (its maps: {})", name, names_of(maps_)));
  Kernel& kernel = kernel_ != nullptr ? *kernel_ : system_kernel();
  Result<MapInfo> info = kernel.map_info(it->second.get());
  if (!info) return std::move(info).error().with_context(fmt::format("map '{}'", name));
  unsigned cpus = 1;
  if (is_per_cpu_map_type(info->type)) {
    Result<unsigned> possible = possible_cpu_count();
    if (!possible) return std::move(possible).error().with_context(fmt::format("map '{}'", name));
    cpus = *possible;
  }
  return MapHandle(kernel, it->second.get(), std::string(name), std::move(info).value(), cpus);
}

Result<TestRunOutcome> LoadedObject::test_run(std::string_view program, std::span<const std::byte> data,
                                              uint32_t repeat) const {
  const auto it = programs_.find(program);
  if (it == programs_.end())
    return make_error(ErrorKind::NotFound, fmt::format("no loaded program named '{}' in the object (loaded: {})",
                                                       program, names_of(programs_)));
  Kernel& kernel = kernel_ != nullptr ? *kernel_ : system_kernel();
  TestRunRequest request;
  request.prog_fd = it->second.get();
  request.data_in = data;
  request.repeat = repeat;
  Result<TestRunOutcome> ran = kernel.prog_test_run(request);
  if (!ran) return std::move(ran).error().with_context(fmt::format("program '{}': test run", program));
  return ran;
}

}  // namespace bpfload
