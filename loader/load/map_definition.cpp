// Map definitions after overrides, and the size rules of each map type.
#include "map_definition.hpp"

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"

namespace bpfload {
namespace {

constexpr uint32_t kMapTypeUserRingbuf = 31;  // BPF_MAP_TYPE_USER_RINGBUF, 6.1
constexpr uint32_t kMapTypeArena = 33;        // BPF_MAP_TYPE_ARENA, 6.9

/// A ring buffer's size as the kernel wants it, a power-of-two multiple of the page
/// size: `requested` when it is one, else the smallest one above it, as libbpf does
/// (objects write `256 * 1024` or `1 << 24` but also sizes like 4096 * 3). 0 and sizes
/// no such multiple above fits in 32 bits are passed on for the kernel to refuse.
uint32_t ringbuf_size(uint32_t requested, size_t page_size) {
  if (requested == 0 || page_size == 0) return requested;
  const uint64_t pages = requested / page_size;
  if (requested % page_size == 0 && (pages & (pages - 1)) == 0) return requested;
  for (uint64_t size = page_size; size <= UINT32_MAX; size *= 2)
    if (size > requested) return static_cast<uint32_t>(size);
  return requested;
}

/// Maps the kernel creates without a key (key_size must be 0).
bool takes_no_key(uint32_t type) {
  return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK || type == BPF_MAP_TYPE_BLOOM_FILTER ||
         type == BPF_MAP_TYPE_RINGBUF || type == kMapTypeUserRingbuf || type == kMapTypeArena;
}

/// Maps the kernel creates without a value (value_size must be 0).
bool takes_no_value(uint32_t type) {
  return type == BPF_MAP_TYPE_RINGBUF || type == kMapTypeUserRingbuf || type == kMapTypeArena;
}

/// Maps indexed by a 4-byte array index.
bool takes_index_key(uint32_t type) {
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_CGROUP_ARRAY:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP:
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_STACK_TRACE:
      return true;
    default:
      return false;
  }
}

/// Maps whose value is a 4-byte fd (of a program, perf event, cgroup, map or socket).
bool takes_fd_value(uint32_t type) {
  return type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
         type == BPF_MAP_TYPE_CGROUP_ARRAY || is_map_in_map(type) || type == BPF_MAP_TYPE_XSKMAP;
}

Error size_error(std::string_view name, const MapDefinition& def, std::string_view what) {
  return make_error(ErrorKind::InvalidArgument, fmt::format("map '{}' ({}): {}", name, describe(def), what));
}

}  // namespace

std::string describe(const MapDefinition& def) {
  return fmt::format("type {} key {} value {} max {} flags {:#x}", map_type_name(def.type), def.key_size,
                     def.value_size, def.max_entries, def.flags);
}

bool is_map_in_map(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

bool takes_btf_key_value(uint32_t type) {
  switch (type) {
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_CGROUP_ARRAY:
    case BPF_MAP_TYPE_STACK_TRACE:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH:
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP:
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH:
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_STRUCT_OPS:
      return false;
    default:
      return true;
  }
}

bool takes_no_max_entries(uint32_t map_type) {
  constexpr uint32_t kCgroupStorage = 19, kPercpuCgroupStorage = 21, kSkStorage = 24, kInodeStorage = 28,
                     kTaskStorage = 29, kCgrpStorage = 32;  // kCgrpStorage: Linux 6.2, newer than the headers
  switch (map_type) {
    case kCgroupStorage:
    case kPercpuCgroupStorage:
    case kSkStorage:
    case kInodeStorage:
    case kTaskStorage:
    case kCgrpStorage:
      return true;
    default:
      return false;
  }
}

Result<MapDefinition> definition_of(Kernel& kernel, const MapSpec& spec, const MapOverride* override) {
  MapDefinition def{spec.type, spec.key_size, spec.value_size, spec.max_entries, spec.flags};
  // samples/bpf declared maps of maps without a value size; bpf_load.c always created
  // them with 4, the size of the fd user space writes.
  if (def.value_size == 0 && is_map_in_map(def.type)) def.value_size = 4;
  if (override != nullptr && override->max_entries) def.max_entries = *override->max_entries;
  if (override != nullptr && override->value_size) def.value_size = *override->value_size;
  if (override != nullptr && override->flags) def.flags = *override->flags;
  if (def.max_entries == 0 && def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    // libbpf sizes a perf event array by CPU when it asks for 0 entries; do the same so
    // legacy perf-buffer objects load unchanged.
    Result<unsigned> cpus = kernel.possible_cpus();
    if (!cpus.ok()) return std::move(cpus).error().with_context(fmt::format("map '{}': size it by CPU", spec.name));
    def.max_entries = *cpus;
  }
  if (def.type == BPF_MAP_TYPE_RINGBUF || def.type == kMapTypeUserRingbuf)
    def.max_entries = ringbuf_size(def.max_entries, kernel.page_size());
  return def;
}

Status check_map_sizes(std::string_view name, const MapDefinition& def) {
  if (takes_no_key(def.type) && def.key_size != 0)
    return size_error(name, def, fmt::format("a {} has no key: key size must be 0", map_type_name(def.type)));
  if (!takes_no_key(def.type) && def.key_size == 0)
    return size_error(name, def, "key size 0: give the size of the key");
  if (takes_index_key(def.type) && def.key_size != 4)
    return size_error(name, def, fmt::format("a {} is indexed by a 4-byte key: key size must be 4",
                                             map_type_name(def.type)));
  if (takes_no_value(def.type) && def.value_size != 0)
    return size_error(name, def, fmt::format("a {} has no value: value size must be 0", map_type_name(def.type)));
  if (!takes_no_value(def.type) && def.value_size == 0)
    return size_error(name, def, "value size 0: give the size of the value");
  if (takes_fd_value(def.type) && def.value_size != 4)
    return size_error(name, def, fmt::format("a {} holds 4-byte fds: value size must be 4", map_type_name(def.type)));
  if (def.type == BPF_MAP_TYPE_STACK_TRACE) {
    // One u64 address per frame, or one struct bpf_stack_build_id (32 bytes) with build ids.
    const uint32_t frame = (def.flags & BPF_F_STACK_BUILD_ID) != 0 ? 32 : 8;
    if (def.value_size % frame != 0)
      return size_error(name, def, fmt::format("a stack trace's value holds whole frames of {} bytes: value "
                                               "size must be a multiple of {}",
                                               frame, frame));
  }
  if (def.max_entries == 0 && !takes_no_max_entries(def.type))
    return size_error(name, def, "max_entries 0: give it at least 1 entry");
  if (def.max_entries != 0 && takes_no_max_entries(def.type))
    return size_error(name, def, fmt::format("a {} is sized by the objects it is attached to: max_entries must "
                                             "be 0",
                                             map_type_name(def.type)));
  return {};
}

}  // namespace bpfload
