// Access paths and type compatibility, following libbpf's relo_core.c and the kernel's
// documentation of CO-RE (Documentation/bpf/libbpf/libbpf_naming_convention, btf.rst):
// the same decisions, so an object that loads with libbpf loads the same here.
#include "core_access.hpp"

#include <bpf/btf.h>

#include <charconv>

#include <unordered_set>

#include <fmt/format.h>

#include "bpfload/core_relocate.hpp"

namespace bpfload::core {
namespace {

constexpr int kMaxTypeDepth = 32;  // libbpf's recursion bound for type comparisons

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }

std::string_view name_of(const struct btf* btf, uint32_t name_off) {
  const char* name = btf__name_by_offset(btf, name_off);
  return name == nullptr ? std::string_view{} : std::string_view{name};
}

bool names_essentially_equal(std::string_view a, std::string_view b) {
  const size_t length = essential_name_length(a);
  return length == essential_name_length(b) && a.substr(0, length) == b.substr(0, length);
}

bool kinds_compatible(const struct btf_type* a, const struct btf_type* b) {
  return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

int64_t type_size(const struct btf* btf, uint32_t id) { return btf__resolve_size(btf, id); }

// libbpf's is_flex_arr: an array of 0 elements that is the last member of its struct.
bool is_flexible_array(const struct btf* btf, const Accessor& holder, const struct btf_array* array) {
  if (holder.name.empty() || array->nelems > 0) return false;
  const struct btf_type* outer = btf__type_by_id(btf, holder.type_id);
  return outer != nullptr && btf_is_composite(outer) && holder.index == static_cast<uint32_t>(btf_vlen(outer)) - 1;
}

// Field types that a relocated access may read: composites with composites, pointers with
// pointers, integers (not old bitfield-style ones) with integers, enums and forward
// declarations by essential name, arrays by element.
Result<bool> fields_compatible(const struct btf* local, uint32_t local_id, const struct btf* target,
                               uint32_t target_id) {
  for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
    const struct btf_type* lt = skip_mods_and_typedefs(local, local_id);
    const struct btf_type* tt = skip_mods_and_typedefs(target, target_id);
    if (lt == nullptr || tt == nullptr) return malformed("a field type id is out of range");
    if (btf_is_composite(lt) && btf_is_composite(tt)) return true;
    if (!kinds_compatible(lt, tt)) return false;
    switch (btf_kind(lt)) {
      case BTF_KIND_PTR:
      case BTF_KIND_FLOAT:
        return true;
      case BTF_KIND_FWD:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        const std::string_view ln = name_of(local, lt->name_off);
        const std::string_view tn = name_of(target, tt->name_off);
        return essential_name_length(ln) == 0 || essential_name_length(tn) == 0 || names_essentially_equal(ln, tn);
      }
      case BTF_KIND_INT:
        return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
      case BTF_KIND_ARRAY:
        local_id = btf_array(lt)->type;
        target_id = btf_array(tt)->type;
        continue;
      default:
        return false;
    }
  }
  return malformed("field types nest deeper than 32 levels");
}

// Finds the member named like `local_acc`'s in target composite `target_id`, looking
// through anonymous members; pushes what it passes onto `out`. Whether a type holds a
// compatible member depends on the type alone, so `missed` remembers the anonymous types
// searched in vain: a type reached through many paths (two anonymous members of the same
// type on every level) is searched once, not once per path, which is exponential.
Result<bool> match_member(const struct btf* local, const Accessor& local_acc, const struct btf* target,
                          uint32_t target_id, AccessSpec& out, uint32_t& next_target_id, int depth,
                          std::unordered_set<uint32_t>& missed) {
  if (depth > kMaxTypeDepth) return malformed("anonymous members nest deeper than 32 levels");
  if (missed.contains(target_id)) return false;
  const struct btf_type* tt = skip_mods_and_typedefs(target, target_id);
  if (tt == nullptr) return malformed("a target member type id is out of range");
  if (!btf_is_composite(tt)) return false;
  const struct btf_type* lt = btf__type_by_id(local, local_acc.type_id);
  const struct btf_member* local_member = btf_members(lt) + local_acc.index;
  const std::string_view local_name = name_of(local, local_member->name_off);

  const struct btf_member* members = btf_members(tt);
  const int count = btf_vlen(tt);
  for (int i = 0; i < count; ++i) {
    if (out.raw.size() >= kMaxAccessDepth) return malformed("access path deeper than 64 steps");
    const uint32_t bit_offset = btf_member_bit_offset(tt, static_cast<uint32_t>(i));
    out.bit_offset += bit_offset;
    out.raw.push_back(static_cast<uint32_t>(i));
    const std::string_view target_name = name_of(target, members[i].name_off);
    if (target_name.empty()) {
      Result<bool> found =
          match_member(local, local_acc, target, members[i].type, out, next_target_id, depth + 1, missed);
      if (!found.ok() || *found) return found;
    } else if (target_name == local_name) {
      next_target_id = members[i].type;
      Result<bool> compatible = fields_compatible(local, local_member->type, target, members[i].type);
      if (!compatible.ok()) return compatible;
      if (*compatible) out.accessors.push_back({target_id, static_cast<uint32_t>(i), std::string(target_name)});
      return compatible;
    }
    out.bit_offset -= bit_offset;
    out.raw.pop_back();
  }
  missed.insert(target_id);
  return false;
}

Result<bool> match_enumerator(const AccessSpec& local, const struct btf* target, uint32_t target_id,
                              AccessSpec& out) {
  const struct btf_type* tt = skip_mods_and_typedefs(target, target_id);
  if (tt == nullptr || !btf_is_any_enum(tt)) return false;
  const std::string& wanted = local.accessors.front().name;
  for (int i = 0; i < btf_vlen(tt); ++i) {
    const uint32_t name_off = btf_is_enum(tt) ? btf_enum(tt)[i].name_off : btf_enum64(tt)[i].name_off;
    const std::string_view name = name_of(target, name_off);
    if (!names_essentially_equal(wanted, name)) continue;
    out.accessors.push_back({target_id, static_cast<uint32_t>(i), std::string(name)});
    out.raw.push_back(static_cast<uint32_t>(i));
    return true;
  }
  return false;
}

// libbpf's bpf_core_types_are_compat: the looser check for type-based relocations.
Result<bool> types_compatible(const struct btf* local, uint32_t local_id, const struct btf* target,
                              uint32_t target_id, int level) {
  const struct btf_type* first_local = btf__type_by_id(local, local_id);
  const struct btf_type* first_target = btf__type_by_id(target, target_id);
  if (first_local == nullptr || first_target == nullptr) return malformed("a type id is out of range");
  if (!kinds_compatible(first_local, first_target)) return false;
  for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
    const struct btf_type* lt = skip_mods_and_typedefs(local, local_id);
    const struct btf_type* tt = skip_mods_and_typedefs(target, target_id);
    if (lt == nullptr || tt == nullptr) return malformed("a type id is out of range");
    if (!kinds_compatible(lt, tt)) return false;
    switch (btf_kind(lt)) {
      case BTF_KIND_UNKN:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_FWD:
      case BTF_KIND_ENUM64:
        return true;
      case BTF_KIND_INT:
        return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
      case BTF_KIND_PTR:
        local_id = lt->type;
        target_id = tt->type;
        continue;
      case BTF_KIND_ARRAY:
        local_id = btf_array(lt)->type;
        target_id = btf_array(tt)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        if (btf_vlen(lt) != btf_vlen(tt)) return false;
        const struct btf_param* lp = btf_params(lt);
        const struct btf_param* tp = btf_params(tt);
        for (int i = 0; i < btf_vlen(lt); ++i) {
          if (level <= 0) return malformed("function prototypes nest too deeply");
          uint32_t l = lp[i].type;
          uint32_t t = tp[i].type;
          skip_mods_and_typedefs(local, l);
          skip_mods_and_typedefs(target, t);
          Result<bool> same = types_compatible(local, l, target, t, level - 1);
          if (!same.ok() || !*same) return same;
        }
        local_id = lt->type;
        target_id = tt->type;
        skip_mods_and_typedefs(local, local_id);
        skip_mods_and_typedefs(target, target_id);
        continue;
      }
      default:
        return false;
    }
  }
  return malformed("types nest deeper than 32 levels");
}

bool names_match(const struct btf* local, uint32_t local_off, const struct btf* target, uint32_t target_off) {
  const std::string_view ln = name_of(local, local_off);
  const std::string_view tn = name_of(target, target_off);
  if (tn.empty()) return ln.empty();
  return names_essentially_equal(ln, tn);
}

Result<bool> types_match(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                         bool behind_pointer, int level);

// As libbpf's bpf_core_enums_match: every local enumerator's name exists in the target;
// values are not compared ("by symbolic name (but not numeric value)", bpf_core_read.h).
bool enums_match(const struct btf* local, const struct btf_type* lt, const struct btf* target,
                 const struct btf_type* tt) {
  if (lt->size != tt->size) return false;
  if (btf_vlen(lt) > btf_vlen(tt)) return false;
  const auto name_off_of = [](const struct btf_type* t, int i) -> uint32_t {
    return btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
  };
  for (int i = 0; i < btf_vlen(lt); ++i) {
    bool found = false;
    for (int j = 0; j < btf_vlen(tt) && !found; ++j)
      found = names_match(local, name_off_of(lt, i), target, name_off_of(tt, j));
    if (!found) return false;
  }
  return true;
}

Result<bool> composites_match(const struct btf* local, const struct btf_type* lt, const struct btf* target,
                              const struct btf_type* tt, bool behind_pointer, int level) {
  if (btf_vlen(lt) > btf_vlen(tt)) return false;
  const struct btf_member* lm = btf_members(lt);
  const struct btf_member* tm = btf_members(tt);
  for (int i = 0; i < btf_vlen(lt); ++i) {
    bool found = false;
    for (int j = 0; j < btf_vlen(tt) && !found; ++j) {
      if (!names_match(local, lm[i].name_off, target, tm[j].name_off)) continue;
      Result<bool> same = types_match(local, lm[i].type, target, tm[j].type, behind_pointer, level - 1);
      if (!same.ok()) return same;
      found = *same;
    }
    if (!found) return false;
  }
  return true;
}

// libbpf's __bpf_core_types_match (bpf_core_type_matches): the stricter check.
Result<bool> types_match(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                         bool behind_pointer, int level) {
  if (level <= 0) return malformed("types nest too deeply to match");
  for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
    const struct btf_type* lt = skip_mods_and_typedefs(local, local_id);
    const struct btf_type* tt = skip_mods_and_typedefs(target, target_id);
    if (lt == nullptr || tt == nullptr) return malformed("a type id is out of range");
    if (!names_match(local, lt->name_off, target, tt->name_off)) return false;
    const int lk = btf_kind(lt);
    const int tk = btf_kind(tt);
    switch (lk) {
      case BTF_KIND_UNKN:
        return lk == tk;
      case BTF_KIND_FWD: {
        const bool union_fwd = btf_kflag(lt);
        if (lk == tk) return union_fwd == btf_kflag(tt);
        if (!behind_pointer) return false;
        return (tk == BTF_KIND_STRUCT && !union_fwd) || (tk == BTF_KIND_UNION && union_fwd);
      }
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return btf_is_any_enum(tt) && enums_match(local, lt, target, tt);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        if (behind_pointer) {
          if (lk == tk) return true;
          return tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == btf_kflag(tt);
        }
        if (lk != tk) return false;
        return composites_match(local, lt, target, tt, behind_pointer, level);
      case BTF_KIND_INT:
        return lk == tk && lt->size == tt->size &&
               (btf_int_encoding(lt) & BTF_INT_SIGNED) == (btf_int_encoding(tt) & BTF_INT_SIGNED);
      case BTF_KIND_PTR:
        if (lk != tk) return false;
        behind_pointer = true;
        local_id = lt->type;
        target_id = tt->type;
        continue;
      case BTF_KIND_ARRAY:
        if (lk != tk || btf_array(lt)->nelems != btf_array(tt)->nelems) return false;
        local_id = btf_array(lt)->type;
        target_id = btf_array(tt)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        if (lk != tk || btf_vlen(lt) != btf_vlen(tt)) return false;
        for (int i = 0; i < btf_vlen(lt); ++i) {
          Result<bool> same =
              types_match(local, btf_params(lt)[i].type, target, btf_params(tt)[i].type, behind_pointer, level - 1);
          if (!same.ok() || !*same) return same;
        }
        local_id = lt->type;
        target_id = tt->type;
        continue;
      }
      default:
        return false;
    }
  }
  return malformed("types nest deeper than 32 levels");
}

}  // namespace

bool is_field_kind(uint32_t kind) noexcept { return kind <= static_cast<uint32_t>(CoreKind::FieldRshiftU64); }
bool is_type_kind(uint32_t kind) noexcept {
  return (kind >= static_cast<uint32_t>(CoreKind::TypeIdLocal) && kind <= static_cast<uint32_t>(CoreKind::TypeSize)) ||
         kind == static_cast<uint32_t>(CoreKind::TypeMatches);
}
bool is_enumval_kind(uint32_t kind) noexcept {
  return kind == static_cast<uint32_t>(CoreKind::EnumvalExists) || kind == static_cast<uint32_t>(CoreKind::EnumvalValue);
}

std::string shown_access(std::string_view access) {
  constexpr size_t kShown = 64;
  if (access.size() <= kShown) return std::string(access);
  return fmt::format("{}... ({} bytes)", access.substr(0, kShown), access.size());
}

size_t essential_name_length(std::string_view name) noexcept {
  // The last X___Y, X and Y not underscores.
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
      return i + 1;
  }
  return name.size();
}

const struct btf_type* skip_mods_and_typedefs(const struct btf* btf, uint32_t& id) noexcept {
  for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr) return nullptr;
    if (!btf_is_mod(type) && !btf_is_typedef(type)) return type;
    id = type->type;
  }
  return nullptr;
}

Result<AccessSpec> parse_access(const struct btf* btf, uint32_t type_id, std::string_view access, uint32_t kind) {
  AccessSpec spec;
  spec.btf = btf;
  spec.root_type_id = type_id;
  spec.kind = kind;
  if (access.empty() || access.front() == ':') return malformed(fmt::format("access string '{}' is empty", shown_access(access)));
  if (is_type_kind(kind)) {
    if (access != "0") return malformed(fmt::format("type relocation with access string '{}' (must be \"0\")", shown_access(access)));
    if (btf__type_by_id(btf, type_id) == nullptr || type_id == 0)
      return malformed(fmt::format("type id {} is not in the object's BTF", type_id));
    return spec;
  }
  for (size_t at = 0; at < access.size();) {
    if (access[at] == ':') ++at;
    uint32_t index = 0;
    const auto [end, error] = std::from_chars(access.data() + at, access.data() + access.size(), index);
    if (error != std::errc() || end == access.data() + at)
      return malformed(fmt::format("access string '{}' is not a list of numbers", shown_access(access)));
    if (spec.raw.size() == kMaxAccessDepth) return malformed(fmt::format("access string '{}' is too long", shown_access(access)));
    spec.raw.push_back(index);
    at = static_cast<size_t>(end - access.data());
  }
  uint32_t id = type_id;
  const struct btf_type* type = skip_mods_and_typedefs(btf, id);
  if (type == nullptr || type_id == 0) return malformed(fmt::format("type id {} is not in the object's BTF", type_id));
  spec.accessors.push_back({id, spec.raw[0], {}});

  if (is_enumval_kind(kind)) {
    if (!btf_is_any_enum(type) || spec.raw.size() > 1 || spec.raw[0] >= static_cast<uint32_t>(btf_vlen(type)))
      return malformed(fmt::format("enum value relocation '{}' on {} names no enumerator", shown_access(access),
                                   type_label(btf, type_id)));
    const uint32_t name_off = btf_is_enum(type) ? btf_enum(type)[spec.raw[0]].name_off
                                                : btf_enum64(type)[spec.raw[0]].name_off;
    spec.accessors[0].name = std::string(name_of(btf, name_off));
    return spec;
  }
  if (!is_field_kind(kind)) return make_error(ErrorKind::Unsupported, fmt::format("relocation kind {} is unknown", kind));

  int64_t size = type_size(btf, id);
  if (size < 0) return malformed(fmt::format("{} has no size", type_label(btf, type_id)));
  spec.bit_offset = uint64_t{spec.raw[0]} * static_cast<uint64_t>(size) * 8;
  for (size_t i = 1; i < spec.raw.size(); ++i) {
    type = skip_mods_and_typedefs(btf, id);
    if (type == nullptr) return malformed(fmt::format("access '{}': type id {} out of range", shown_access(access), id));
    const uint32_t index = spec.raw[i];
    if (btf_is_composite(type)) {
      if (index >= static_cast<uint32_t>(btf_vlen(type)))
        return malformed(fmt::format("access '{}': member {} of {} does not exist", shown_access(access), index,
                                     type_label(btf, id)));
      spec.bit_offset += btf_member_bit_offset(type, index);
      const struct btf_member* member = btf_members(type) + index;
      if (member->name_off != 0) {
        const std::string_view name = name_of(btf, member->name_off);
        if (name.empty()) return malformed(fmt::format("access '{}': member {} has a bad name", shown_access(access), index));
        spec.accessors.push_back({id, index, std::string(name)});
      }
      id = member->type;
    } else if (btf_is_array(type)) {
      const struct btf_array* array = btf_array(type);
      uint32_t element = array->type;
      if (skip_mods_and_typedefs(btf, element) == nullptr)
        return malformed(fmt::format("access '{}': array element type out of range", shown_access(access)));
      if (!is_flexible_array(btf, spec.accessors.back(), array) && index >= array->nelems)
        return malformed(fmt::format("access '{}': index {} past an array of {}", shown_access(access), index, array->nelems));
      spec.accessors.push_back({element, index, {}});
      size = type_size(btf, element);
      if (size < 0) return malformed(fmt::format("access '{}': array element has no size", shown_access(access)));
      spec.bit_offset += uint64_t{index} * static_cast<uint64_t>(size) * 8;
      id = element;
    } else {
      return malformed(fmt::format("access '{}': step {} indexes {}, neither a struct, union nor array", shown_access(access), i,
                                   type_label(btf, id)));
    }
  }
  return spec;
}

Result<bool> match_access(const AccessSpec& local, const struct btf* target, uint32_t target_id, AccessSpec& out) {
  out = AccessSpec{};
  out.btf = target;
  out.root_type_id = target_id;
  out.kind = local.kind;
  if (is_type_kind(local.kind)) {
    if (local.kind == static_cast<uint32_t>(CoreKind::TypeMatches))
      return types_match(local.btf, local.root_type_id, target, target_id, false, kMaxTypeDepth);
    return types_compatible(local.btf, local.root_type_id, target, target_id, kMaxTypeDepth);
  }
  if (is_enumval_kind(local.kind)) return match_enumerator(local, target, target_id, out);

  uint32_t id = target_id;
  for (size_t i = 0; i < local.accessors.size(); ++i) {
    const Accessor& step = local.accessors[i];
    const struct btf_type* type = skip_mods_and_typedefs(target, id);
    if (type == nullptr) return malformed("a target type id is out of range");
    if (!step.name.empty()) {
      std::unordered_set<uint32_t> missed;
      Result<bool> found = match_member(local.btf, step, target, id, out, id, 0, missed);
      if (!found.ok() || !*found) return found;
      continue;
    }
    // The first step indexes the root as an array of it; later ones index real arrays.
    if (i > 0) {
      if (!btf_is_array(type)) return false;
      const struct btf_array* array = btf_array(type);
      if (!is_flexible_array(target, out.accessors.back(), array) && step.index >= array->nelems) return false;
      id = array->type;
      if (skip_mods_and_typedefs(target, id) == nullptr) return malformed("a target array element is out of range");
    }
    if (out.raw.size() >= kMaxAccessDepth) return malformed("access path deeper than 64 steps");
    out.accessors.push_back({id, step.index, {}});
    out.raw.push_back(step.index);
    const int64_t size = type_size(target, id);
    if (size < 0) return malformed(fmt::format("target {} has no size", type_label(target, id)));
    out.bit_offset += uint64_t{step.index} * static_cast<uint64_t>(size) * 8;
  }
  return true;
}

std::string type_label(const struct btf* btf, uint32_t id) {
  const struct btf_type* type = btf__type_by_id(btf, id);
  if (type == nullptr) return fmt::format("type {}", id);
  const std::string_view name = name_of(btf, type->name_off);
  const char* prefix = "";
  switch (btf_kind(type)) {
    case BTF_KIND_STRUCT: prefix = "struct "; break;
    case BTF_KIND_UNION: prefix = "union "; break;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: prefix = "enum "; break;
    case BTF_KIND_TYPEDEF: prefix = "typedef "; break;
    case BTF_KIND_FWD: prefix = btf_kflag(type) ? "union " : "struct "; break;
    default: break;
  }
  if (name.empty()) return fmt::format("{}<anonymous {}>", prefix, id);
  return fmt::format("{}{}", prefix, name);
}

std::string describe_access(const AccessSpec& local) {
  const struct btf_type* root = btf__type_by_id(local.btf, local.root_type_id);
  std::string text = root == nullptr ? std::string("?") : std::string(name_of(local.btf, root->name_off));
  if (is_type_kind(local.kind) || local.accessors.empty()) return text;
  if (is_enumval_kind(local.kind)) return fmt::format("{}::{}", text, local.accessors[0].name);
  if (local.accessors[0].index != 0) text += fmt::format("[{}]", local.accessors[0].index);
  for (size_t i = 1; i < local.accessors.size(); ++i) {
    const Accessor& step = local.accessors[i];
    text += step.name.empty() ? fmt::format("[{}]", step.index) : fmt::format(".{}", step.name);
  }
  return text;
}

}  // namespace bpfload::core
