// Named access to what a LoadedObject owns, beyond raw fds: map handles and test runs.
#include <bpf/libbpf.h>

#include <string>

#include <fmt/format.h>

#include "bpfload/map.hpp"

namespace bpfload {

namespace {

std::string map_names(const LoadedObject& object) {
  std::string names;
  for (const MapResult& map : object.report().maps) names += (names.empty() ? "'" : ", '") + map.name + "'";
  return names.empty() ? "none" : names;
}

std::string loaded_program_names(const LoadedObject& object) {
  std::string names;
  for (const ProgramResult& program : object.report().programs)
    if (program.loaded) names += (names.empty() ? "'" : ", '") + program.name + "'";
  return names.empty() ? "none" : names;
}

}  // namespace

Result<unsigned> possible_cpu_count(Kernel* kernel) {
  return (kernel != nullptr ? *kernel : system_kernel()).possible_cpus();
}

Result<MapHandle> map_of(const LoadedObject& object, std::string_view name, Kernel* kernel_or_null) {
  const int fd = object.map_fd(name);
  if (fd < 0)
    return make_error(ErrorKind::NotFound,
                      fmt::format("no map named '{}' in the object (its maps: {})", name, map_names(object)));
  Kernel& kernel = kernel_or_null != nullptr ? *kernel_or_null : system_kernel();
  Result<MapInfo> info = kernel.map_info(fd);
  if (!info) return std::move(info).error().with_context(fmt::format("map '{}'", name));
  unsigned cpus = 1;
  if (is_per_cpu_map_type(info->type)) {
    Result<unsigned> possible = kernel.possible_cpus();
    if (!possible) return std::move(possible).error().with_context(fmt::format("map '{}'", name));
    cpus = *possible;
  }
  return MapHandle(kernel, fd, std::string(name), std::move(info).value(), cpus);
}

Result<MapHandle> LoadedObject::map(std::string_view name, Kernel* kernel) const {
  return map_of(*this, name, kernel != nullptr ? kernel : kernel_);
}

Result<TestRunOutcome> test_run(const LoadedObject& object, std::string_view program, std::span<const std::byte> data,
                                uint32_t repeat, Kernel* kernel_or_null) {
  const int fd = object.program_fd(program);
  if (fd < 0)
    return make_error(ErrorKind::NotFound, fmt::format("no loaded program named '{}' in the object (loaded: {})",
                                                       program, loaded_program_names(object)));
  // The kernel runs all repetitions inside one bpf() call; 2^32 of them hold the caller
  // for minutes. A bound keeps one call short; more runs are more calls.
  if (repeat > kMaxTestRunRepeat)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("program '{}': test run repeat {} is more than {}; run it several times instead",
                                  program, repeat, kMaxTestRunRepeat));
  Kernel& kernel = kernel_or_null != nullptr ? *kernel_or_null : system_kernel();
  TestRunRequest request;
  request.prog_fd = fd;
  request.data_in = data;
  request.repeat = repeat;
  Result<TestRunOutcome> ran = kernel.prog_test_run(request);
  if (!ran) return std::move(ran).error().with_context(fmt::format("program '{}': test run", program));
  return ran;
}

}  // namespace bpfload
