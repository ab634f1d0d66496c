// Which maps hold one value per CPU, and the buffer a value needs.
#include <linux/bpf.h>

#include "bpfload/kernel.hpp"

namespace bpfload {

bool is_per_cpu_map(uint32_t map_type) noexcept {
  switch (map_type) {
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
      return true;
    default:
      return false;
  }
}

size_t map_value_span_size(uint32_t map_type, uint32_t value_size, unsigned possible_cpus) {
  if (!is_per_cpu_map(map_type)) return value_size;
  // The kernel copies each CPU's value into an 8-byte aligned slot.
  return ((size_t{value_size} + 7) / 8 * 8) * possible_cpus;
}

}  // namespace bpfload
