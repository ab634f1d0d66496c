// BTF-defined maps in `.maps`: each map is a variable whose struct type encodes the
// attributes (`__uint(x, N)` is `int (*x)[N]`, `__type(key, T)` is `T *key`), with
// initial `values` of prog arrays and map-in-maps given by relocations in `.rel.maps`.
#include <elf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "btf_util.hpp"
#include "maps_decode.hpp"

namespace bpfload {
namespace {

constexpr uint64_t kPointerSize = 8;  // BPF pointers, hence each `values` slot
constexpr uint32_t kLibbpfPinByName = 1;

/// A decoded definition plus where its `values` member sits (when it has one).
struct Definition {
  MapSpec spec;
  std::optional<uint64_t> values_offset;  ///< byte offset of `values` within the struct
};

/// One map of the section with the extent of its variable.
struct Placed {
  Definition definition;
  uint64_t size = 0;  ///< bytes of the variable, including its `values` initializer
};

Error malformed(std::string_view map, std::string_view member, const std::string& what) {
  return make_error(ErrorKind::Malformed, fmt::format("section '.maps': map '{}' member '{}': {}", map, member, what));
}

bool is_map_in_map(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/// `__uint(name, N)`: a pointer to an array of N elements; or libbpf 1.2+'s
/// `__ulong(name, N)` for 64-bit attributes (map_extra): an enum whose one value is N
/// (ENUM64 when N needs 64 bits).
Result<uint64_t> ulong_member(const struct btf* btf, std::string_view map, std::string_view member,
                              uint32_t type_id) {
  const struct btf_type* type = btfu::skip_mods_and_typedefs(btf, type_id);
  if (type != nullptr && btf_is_enum(type) && btf_vlen(type) == 1)
    return uint64_t{static_cast<uint32_t>(btf_enum(type)->val)};
  if (type != nullptr && btf_is_enum64(type) && btf_vlen(type) == 1) return btf_enum64_value(btf_enum64(type));
  if (type == nullptr || !btf_is_ptr(type))
    return malformed(map, member, "expected a pointer to an array (__uint) or a one-value enum (__ulong)");
  const struct btf_type* array = btf__type_by_id(btf, type->type);
  if (array == nullptr || !btf_is_array(array))
    return malformed(map, member, "expected a pointer to an array (__uint)");
  return uint64_t{btf_array(array)->nelems};
}

/// A 32-bit attribute written with __uint or __ulong.
Result<uint32_t> uint_member(const struct btf* btf, std::string_view map, std::string_view member, uint32_t type_id) {
  auto value = ulong_member(btf, map, member, type_id);
  if (!value) return std::move(value).error();
  if (*value > UINT32_MAX)
    return malformed(map, member, fmt::format("value 0x{:x} does not fit the kernel's 32-bit field", *value));
  return static_cast<uint32_t>(*value);
}

/// `__type(name, T)`: a pointer to T; returns T's id and size.
Result<std::pair<uint32_t, uint32_t>> type_member(const struct btf* btf, std::string_view map,
                                                  std::string_view member, uint32_t type_id) {
  const struct btf_type* pointer = btfu::skip_mods_and_typedefs(btf, type_id);
  if (pointer == nullptr || !btf_is_ptr(pointer)) return malformed(map, member, "expected a pointer (__type)");
  const int64_t size = btf__resolve_size(btf, pointer->type);
  if (size < 0 || size > UINT32_MAX)
    return malformed(map, member, fmt::format("cannot size type [{}]", pointer->type));
  return std::pair{pointer->type, static_cast<uint32_t>(size)};
}

/// Sets `size` from a `key_size`/`key` pair of members, refusing conflicting values.
Status set_size(uint32_t& size, uint32_t value, std::string_view map, std::string_view member) {
  if (size != 0 && size != value)
    return malformed(map, member, fmt::format("conflicting sizes {} and {}", size, value));
  size = value;
  return {};
}

Result<Definition> decode_definition(const struct btf* btf, const struct btf_type* def, const std::string& name,
                                     bool is_inner);

/// `__array(values, T)`: a zero-sized array of pointers to an inner map definition
/// (map-in-map) or to a function prototype (prog array).
Status decode_values(const struct btf* btf, const struct btf_member& member, bool last, bool is_inner,
                     Definition& out) {
  MapSpec& spec = out.spec;
  if (is_inner)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("section '.maps': map '{}' member 'values': multi-level inner maps", spec.name));
  if (!last) return malformed(spec.name, "values", "must be the last member");
  const bool prog_array = spec.type == BPF_MAP_TYPE_PROG_ARRAY;
  if (!prog_array && !is_map_in_map(spec.type))
    return make_error(ErrorKind::Unsupported,
                      fmt::format("section '.maps': map '{}' member 'values': map type {} is neither a map-in-map "
                                  "nor a prog array (or 'type' comes after 'values')",
                                  spec.name, spec.type));
  BPFLOAD_TRY(set_size(spec.value_size, 4, spec.name, "values"));

  const struct btf_type* array = btf__type_by_id(btf, member.type);
  if (array == nullptr || !btf_is_array(array) || btf_array(array)->nelems != 0)
    return malformed(spec.name, "values", "expected a zero-sized array (__array)");
  const struct btf_type* pointer = btfu::skip_mods_and_typedefs(btf, btf_array(array)->type);
  if (pointer == nullptr || !btf_is_ptr(pointer)) return malformed(spec.name, "values", "expected an array of pointers");
  const struct btf_type* pointee = btfu::skip_mods_and_typedefs(btf, pointer->type);
  if (prog_array) {
    if (pointee == nullptr || !btf_is_func_proto(pointee))
      return malformed(spec.name, "values", "a prog array's values must point to functions");
    return {};
  }
  if (pointee == nullptr || !btf_is_struct(pointee))
    return malformed(spec.name, "values", "a map-in-map's values must point to a map definition struct");
  auto inner = decode_definition(btf, pointee, spec.name + ".inner", true);
  if (!inner) return std::move(inner).error();
  inner->spec.section = spec.section;
  inner->spec.offset = spec.offset;
  spec.inner = std::make_shared<const MapSpec>(std::move(inner->spec));
  return {};
}

Result<Definition> decode_definition(const struct btf* btf, const struct btf_type* def, const std::string& name,
                                     bool is_inner) {
  Definition out;
  MapSpec& spec = out.spec;
  spec.name = name;
  spec.layout = MapLayout::Btf;
  spec.section = ".maps";
  std::optional<uint32_t> numa_node;

  const struct btf_member* members = btf_members(def);
  const uint32_t count = btf_vlen(def);
  for (uint32_t i = 0; i < count; ++i) {
    const struct btf_member& member = members[i];
    const std::string_view member_name = btfu::name_at(btf, member.name_off);
    if (member_name.empty()) return malformed(name, fmt::format("#{}", i), "member has no name");

    auto read_uint = [&]() { return uint_member(btf, name, member_name, member.type); };
    if (member_name == "map_extra") {
      auto value = ulong_member(btf, name, member_name, member.type);
      if (!value) return std::move(value).error();
      spec.map_extra = *value;
      continue;
    }
    if (member_name == "type" || member_name == "max_entries" || member_name == "map_flags" ||
        member_name == "numa_node" || member_name == "key_size" || member_name == "value_size" ||
        member_name == "pinning") {
      auto value = read_uint();
      if (!value) return std::move(value).error();
      if (member_name == "type") spec.type = *value;
      if (member_name == "max_entries") spec.max_entries = *value;
      if (member_name == "map_flags") spec.flags = *value;
      if (member_name == "numa_node") numa_node = *value;
      if (member_name == "key_size") BPFLOAD_TRY(set_size(spec.key_size, *value, name, member_name));
      if (member_name == "value_size") BPFLOAD_TRY(set_size(spec.value_size, *value, name, member_name));
      if (member_name == "pinning") {
        if (*value > kLibbpfPinByName)
          return malformed(name, member_name, fmt::format("invalid pinning value {}", *value));
        spec.pinning = *value == kLibbpfPinByName ? Pinning::ByName : Pinning::None;
      }
      continue;
    }
    if (member_name == "key" || member_name == "value") {
      auto typed = type_member(btf, name, member_name, member.type);
      if (!typed) return std::move(typed).error();
      const bool key = member_name == "key";
      BPFLOAD_TRY(set_size(key ? spec.key_size : spec.value_size, typed->second, name, member_name));
      (key ? spec.btf_key_type_id : spec.btf_value_type_id) = typed->first;
      continue;
    }
    if (member_name == "values") {
      if (btf_member_bitfield_size(def, i) != 0 || btf_member_bit_offset(def, i) % 8 != 0)
        return malformed(name, member_name, "is a bitfield");
      BPFLOAD_TRY(decode_values(btf, member, i + 1 == count, is_inner, out));
      out.values_offset = btf_member_bit_offset(def, i) / 8;
      continue;
    }
    // libbpf refuses unknown members too (unless relaxed): they may change the map.
    return make_error(ErrorKind::Unsupported,
                      fmt::format("section '.maps': map '{}' member '{}': unknown member", name, member_name));
  }
  if (numa_node && (*numa_node != 0 || (spec.flags & BPF_F_NUMA_NODE) != 0)) spec.numa_node = *numa_node;
  if (!numa_node && (spec.flags & BPF_F_NUMA_NODE) != 0) spec.numa_node = 0;
  return out;
}

/// The symbol defined in `section` with `name`, preferring data symbols.
const elf::Symbol* find_symbol(const std::vector<const elf::Symbol*>& symbols, std::string_view name) {
  for (const elf::Symbol* symbol : symbols)
    if (symbol->name == name && (symbol->type == STT_OBJECT || symbol->type == STT_NOTYPE)) return symbol;
  return nullptr;
}

const elf::Symbol* symbol_at(const elf::View& view, uint32_t index) {
  const auto& symbols = view.symbols();
  if (index < symbols.size() && symbols[index].index == index) return &symbols[index];
  for (const elf::Symbol& symbol : symbols)
    if (symbol.index == index) return &symbol;
  return nullptr;
}

/// Turns each relocation inside a map's `values` initializer into an initial slot.
Status collect_slots(const elf::View& view, const elf::Section& section, std::vector<Placed>& placed) {
  const elf::Relocations* relocations = view.relocations_for(section.index);
  if (relocations == nullptr) return {};
  for (const elf::Relocation& relocation : relocations->entries) {
    auto owner = std::find_if(placed.begin(), placed.end(), [&](const Placed& p) {
      return relocation.offset >= p.definition.spec.offset &&
             relocation.offset - p.definition.spec.offset < p.size;
    });
    if (owner == placed.end())
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '.maps': relocation at offset 0x{:x} is outside every map",
                                    relocation.offset));
    MapSpec& spec = owner->definition.spec;
    const uint64_t within = relocation.offset - spec.offset;
    const auto& values = owner->definition.values_offset;
    if (!values || within < *values)
      return malformed(spec.name, "values",
                       fmt::format("relocation at offset 0x{:x} is outside the 'values' member", relocation.offset));
    if ((within - *values) % kPointerSize != 0)
      return malformed(spec.name, "values",
                       fmt::format("relocation at offset 0x{:x} is not on a slot boundary", relocation.offset));
    const uint64_t slot = (within - *values) / kPointerSize;
    if (spec.type != BPF_MAP_TYPE_HASH_OF_MAPS && slot >= spec.max_entries)
      return malformed(spec.name, "values", fmt::format("slot {} is beyond max_entries {}", slot, spec.max_entries));

    const elf::Symbol* target = symbol_at(view, relocation.symbol);
    if (target == nullptr)
      return malformed(spec.name, "values", fmt::format("slot {}: symbol {} not found", slot, relocation.symbol));
    MapSlot entry{MapSlot::Kind::Map, static_cast<uint32_t>(slot), target->name};
    if (spec.type == BPF_MAP_TYPE_PROG_ARRAY) {
      const bool is_program = target->type == STT_FUNC && target->section < view.sections().size() &&
                              view.sections()[target->section].executable();
      if (!is_program)
        return malformed(spec.name, "values", fmt::format("slot {}: '{}' is not a program", slot, target->name));
      entry.kind = MapSlot::Kind::Program;
    } else {
      const bool is_map = target->section == section.index && target->type != STT_SECTION &&
                          std::any_of(placed.begin(), placed.end(),
                                      [&](const Placed& p) { return p.definition.spec.name == target->name; });
      if (!is_map) return malformed(spec.name, "values", fmt::format("slot {}: '{}' is not a map", slot, target->name));
    }
    const bool taken = std::any_of(spec.initial_slots.begin(), spec.initial_slots.end(),
                                   [&](const MapSlot& s) { return s.index == entry.index; });
    if (taken) return malformed(spec.name, "values", fmt::format("slot {} is initialized twice", slot));
    spec.initial_slots.push_back(std::move(entry));
  }
  for (Placed& p : placed) {
    auto& slots = p.definition.spec.initial_slots;
    std::sort(slots.begin(), slots.end(), [](const MapSlot& a, const MapSlot& b) { return a.index < b.index; });
  }
  return {};
}

}  // namespace

Result<std::vector<MapSpec>> decode_btf_maps(const elf::View& view, const elf::Section& section,
                                             const struct btf* btf, const ParseOptions& options) {
  if (btf == nullptr)
    return make_error(ErrorKind::Malformed, "section '.maps': the object has no .BTF to describe its maps");
  const int datasec_id = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
  if (datasec_id <= 0)
    return make_error(ErrorKind::Malformed, "section '.maps': .BTF has no DATASEC '.maps'");
  const struct btf_type* datasec = btf__type_by_id(btf, static_cast<uint32_t>(datasec_id));
  const uint32_t count = btf_vlen(datasec);
  if (count > options.limits.max_maps)
    return make_error(ErrorKind::LimitExceeded, fmt::format("section '.maps': {} maps exceed the limit of {}", count,
                                                            options.limits.max_maps));

  const std::vector<const elf::Symbol*> symbols = view.symbols_in(section.index);
  std::vector<Placed> placed;
  placed.reserve(count);
  const struct btf_var_secinfo* infos = btf_var_secinfos(datasec);
  for (uint32_t i = 0; i < count; ++i) {
    const struct btf_type* var = btf__type_by_id(btf, infos[i].type);
    if (var == nullptr || !btf_is_var(var))
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '.maps': DATASEC entry #{} (type [{}]) is not a variable", i,
                                    infos[i].type));
    const std::string name{btfu::name_at(btf, var->name_off)};
    if (name.empty())
      return make_error(ErrorKind::Malformed, fmt::format("section '.maps': variable #{} has no name", i));
    if (btf_var(var)->linkage == BTF_VAR_GLOBAL_EXTERN)
      return make_error(ErrorKind::Unsupported, fmt::format("section '.maps': map '{}' is extern", name));
    const struct btf_type* def = btfu::skip_mods_and_typedefs(btf, var->type);
    if (def == nullptr || !btf_is_struct(def))
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '.maps': map '{}': definition is not a struct", name));
    // DATASEC offsets are 0 until a linker or loader fixes them; the symbol is reliable.
    const elf::Symbol* symbol = find_symbol(symbols, name);
    if (symbol == nullptr)
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '.maps': map '{}' has no symbol in the section", name));

    auto definition = decode_definition(btf, def, name, false);
    if (!definition) return std::move(definition).error();
    definition->spec.offset = symbol->value;
    if (definition->spec.inner) {
      MapSpec inner = *definition->spec.inner;
      inner.offset = symbol->value;
      definition->spec.inner = std::make_shared<const MapSpec>(std::move(inner));
    }
    uint64_t size = symbol->size;
    if (size == 0) size = def->size;
    if (!elf::range_fits(symbol->value, size, section.size))
      return make_error(ErrorKind::Malformed,
                        fmt::format("section '.maps': map '{}' at offset 0x{:x} ({} bytes) runs past the section "
                                    "end 0x{:x}",
                                    name, symbol->value, size, section.size));
    placed.push_back(Placed{std::move(*definition), size});
  }
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.definition.spec.offset < b.definition.spec.offset; });
  BPFLOAD_TRY(collect_slots(view, section, placed));

  std::vector<MapSpec> maps;
  maps.reserve(placed.size());
  for (Placed& p : placed) maps.push_back(std::move(p.definition.spec));
  return maps;
}

}  // namespace bpfload
