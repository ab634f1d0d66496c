// The CO-RE access path of one relocation record, parsed against the object's BTF and
// matched against a candidate target type: the half of libbpf's relo_core.c that decides
// whether a candidate fits and where the field is in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

struct btf;       // libbpf
struct btf_type;  // linux/btf.h

namespace bpfload::core {

/// The kernel's BPF_CORE_SPEC_MAX_LEN: deeper access paths are refused.
inline constexpr size_t kMaxAccessDepth = 64;

/// One step of an access path: a named member, or an array index (name empty).
struct Accessor {
  uint32_t type_id = 0;  ///< the struct/union holding the member, or the array's element type
  uint32_t index = 0;    ///< member index, or array index
  std::string name;      ///< member (or enumerator) name; empty for an array index
};

/// An access path resolved in one BTF (the object's or a target's).
struct AccessSpec {
  const struct btf* btf = nullptr;
  uint32_t root_type_id = 0;
  uint32_t kind = 0;                ///< CoreKind
  std::vector<Accessor> accessors;  ///< first: the root "array" index; then named members / indices
  std::vector<uint32_t> raw;        ///< every index of the path, anonymous members included
  uint64_t bit_offset = 0;
};

bool is_field_kind(uint32_t kind) noexcept;
bool is_type_kind(uint32_t kind) noexcept;
bool is_enumval_kind(uint32_t kind) noexcept;

/// An access string as messages show it: the object sets its length (20 KB was seen
/// printed whole, twice, in one error), so past 64 bytes only its start and size appear.
std::string shown_access(std::string_view access);

/// Length of `name` without its `___flavour` suffix (libbpf's essential name).
size_t essential_name_length(std::string_view name) noexcept;

/// btf__type_by_id after skipping const/volatile/restrict/typedef/type_tag; `id` is
/// updated to the type found. nullptr for an id out of range or a loop.
const struct btf_type* skip_mods_and_typedefs(const struct btf* btf, uint32_t& id) noexcept;

/// Parses `access` ("0:1:2") from `type_id` in `btf` for relocation kind `kind`.
/// Fails with Malformed saying which part of the path does not exist.
[[nodiscard]] Result<AccessSpec> parse_access(const struct btf* btf, uint32_t type_id, std::string_view access,
                                              uint32_t kind);

/// Whether target type `target_id` of `target` satisfies `local`: 1 and `out` filled
/// when it does, 0 when it does not; an Error only for a BTF libbpf would call broken.
[[nodiscard]] Result<bool> match_access(const AccessSpec& local, const struct btf* target, uint32_t target_id,
                                        AccessSpec& out);

/// `local` spelled as a C access ("task_struct.thread_info.flags", "foo[2].x",
/// "enum bar::BAR_X"), for messages.
[[nodiscard]] std::string describe_access(const AccessSpec& local);

/// "struct task_struct", "union u", "enum e", "typedef t", "int" for messages.
[[nodiscard]] std::string type_label(const struct btf* btf, uint32_t id);

}  // namespace bpfload::core
