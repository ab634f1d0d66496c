// Writing part of a global-data section's value: through a shared mapping of the map on
// the real kernel (kernel_system.cpp), by read-modify-write for every other Kernel.
#include <cstring>
#include <vector>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"

namespace bpfload {

Status Kernel::map_write_value_bytes(int map_fd, uint32_t value_size, uint64_t offset,
                                     std::span<const std::byte> bytes) {
  if (offset > value_size || bytes.size() > value_size - offset)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} bytes at offset {} do not fit in a value of {} bytes", bytes.size(), offset,
                                  value_size));
  const uint32_t key = 0;
  std::vector<std::byte> value(value_size);
  BPFLOAD_TRY(map_lookup(map_fd, std::as_bytes(std::span(&key, 1)), value));
  std::memcpy(value.data() + offset, bytes.data(), bytes.size());
  return map_update(map_fd, std::as_bytes(std::span(&key, 1)), value, BPF_ANY);
}

}  // namespace bpfload
