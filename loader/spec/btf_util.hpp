// Small helpers over libbpf's BTF API shared by the map decoders and the BTF fixup.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <string_view>

namespace bpfload::btfu {

/// The string at `offset` of `btf`'s string section, "" when out of range.
[[nodiscard]] inline std::string_view name_at(const struct btf* btf, uint32_t offset) {
  const char* name = btf__name_by_offset(btf, offset);
  return name == nullptr ? std::string_view{} : std::string_view{name};
}

/// The type `id` with const/volatile/restrict/type tags and typedefs peeled off, or
/// nullptr when an id is out of range or the chain is longer than any sane one.
/// `resolved_id` (optional) receives the id of the returned type.
[[nodiscard]] inline const struct btf_type* skip_mods_and_typedefs(const struct btf* btf, uint32_t id,
                                                                   uint32_t* resolved_id = nullptr) {
  // A cycle of modifiers would be malformed BTF; bound the walk instead of trusting it.
  for (int depth = 0; depth < 64; ++depth) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr) return nullptr;
    if (!btf_is_mod(type) && !btf_is_typedef(type)) {
      if (resolved_id != nullptr) *resolved_id = id;
      return type;
    }
    id = type->type;
  }
  return nullptr;
}

/// Bytes of one type record in the .BTF type section (header plus kind-specific
/// trailer), or 0 for a kind this libbpf does not know.
[[nodiscard]] inline uint32_t record_size(const struct btf_type* type) {
  const uint32_t head = sizeof(struct btf_type);
  const uint32_t vlen = btf_vlen(type);
  switch (btf_kind(type)) {
    case BTF_KIND_INT: return head + 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG: return head;
    case BTF_KIND_ARRAY: return head + sizeof(struct btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return head + vlen * sizeof(struct btf_member);
    case BTF_KIND_ENUM: return head + vlen * sizeof(struct btf_enum);
    case BTF_KIND_ENUM64: return head + vlen * 12;
    case BTF_KIND_FUNC_PROTO: return head + vlen * sizeof(struct btf_param);
    case BTF_KIND_VAR: return head + sizeof(struct btf_var);
    case BTF_KIND_DATASEC: return head + vlen * sizeof(struct btf_var_secinfo);
    case BTF_KIND_DECL_TAG: return head + 4;
    default: return 0;
  }
}

}  // namespace bpfload::btfu
