// The definition a map is created with (the object's, after overrides) and the size
// checks every map passes before the kernel sees it: an object's maps and maps created
// on their own (standalone_map.cpp) go through the same ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"

namespace bpfload {

/// The definition a map is created with: the object's, after overrides.
struct MapDefinition {
  uint32_t type = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
};

/// "type hash key 4 value 8 max 16 flags 0x0", for messages comparing definitions.
[[nodiscard]] std::string describe(const MapDefinition& def);

[[nodiscard]] bool is_map_in_map(uint32_t type);

/// Map types the kernel refuses BTF key/value types for (ENOTSUPP or EINVAL): libbpf
/// creates them with BTF ids 0 (bpf_object__create_map), and so does bpfload.
[[nodiscard]] bool takes_btf_key_value(uint32_t type);

/// Storage attached to kernel objects (sockets, inodes, tasks, cgroups) is sized by those
/// objects: the kernel requires max_entries 0 for these maps, so 0 is no missing size.
[[nodiscard]] bool takes_no_max_entries(uint32_t map_type);

/// `spec` with `override` (may be nullptr) applied, sized as libbpf sizes it: a perf
/// event array of 0 entries gets one per possible CPU, a ring buffer's size is rounded up
/// to a power-of-two number of pages, a map-in-map without a value size gets 4. Fails
/// with Io when the possible CPUs cannot be read.
[[nodiscard]] Result<MapDefinition> definition_of(Kernel& kernel, const MapSpec& spec, const MapOverride* override);

/// Checks the key and value sizes `def` gives a map of its type, as the kernel will
/// (keys of arrays are 4 bytes, fd-holding maps hold 4-byte values, ring buffers, queues,
/// stacks and bloom filters have no key, a stack trace's value is a whole number of
/// 8-byte frames, ...), so the mistake is named before the kernel answers EINVAL. Fails
/// with InvalidArgument naming map `name`, the size and what it should be. Types this
/// check does not know pass: the kernel decides.
[[nodiscard]] Status check_map_sizes(std::string_view name, const MapDefinition& def);

}  // namespace bpfload
