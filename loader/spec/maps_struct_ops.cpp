// struct_ops maps (`.struct_ops`, `.struct_ops.link`): each global variable of the section
// is a map of type BPF_MAP_TYPE_STRUCT_OPS whose value is a kernel struct
// (tcp_congestion_ops, ...). Its BTF says the struct and its members; `.rel<section>` says
// which program each function-pointer member points to. The kernel's own layout of the
// struct is resolved at load time (relocate/struct_ops.cpp).
#include <linux/bpf.h>

#include <algorithm>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "btf_util.hpp"
#include "maps_decode.hpp"

namespace bpfload {
namespace {

constexpr uint32_t kMapFlagLink = 1u << 13;  // BPF_F_LINK, Linux 6.4

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }

bool is_function_pointer(const struct btf* btf, uint32_t type_id) {
  const struct btf_type* pointer = btfu::skip_mods_and_typedefs(btf, type_id);
  if (pointer == nullptr || !btf_is_ptr(pointer)) return false;
  const struct btf_type* pointee = btfu::skip_mods_and_typedefs(btf, pointer->type);
  return pointee != nullptr && btf_is_func_proto(pointee);
}

struct Variable {
  MapSpec map;
  StructOpsSpec ops;
  uint64_t offset = 0;
  uint64_t size = 0;
};

Result<Variable> decode_variable(const struct btf* btf, const elf::Section& section, const struct btf_var_secinfo& info) {
  const struct btf_type* var = btf__type_by_id(btf, info.type);
  if (var == nullptr || !btf_is_var(var))
    return malformed(fmt::format("section '{}': DATASEC entry at 0x{:x} is not a variable", section.name, info.offset));
  Variable out;
  out.map.name = std::string(btfu::name_at(btf, var->name_off));
  const std::string where = fmt::format("section '{}': struct_ops map '{}'", section.name, out.map.name);
  const struct btf_type* type = btfu::skip_mods_and_typedefs(btf, var->type);
  if (type == nullptr || !btf_is_struct(type))
    return malformed(fmt::format("{}: not a struct (a kernel struct_ops type such as tcp_congestion_ops)", where));
  out.ops.type_name = std::string(btfu::name_at(btf, type->name_off));
  if (out.ops.type_name.empty()) return malformed(fmt::format("{}: its struct has no name", where));
  if (!elf::range_fits(info.offset, info.size, section.data.size()) || info.size < type->size)
    return malformed(fmt::format("{}: bytes 0x{:x}+0x{:x} are not inside the section (size 0x{:x})", where,
                                 info.offset, info.size, section.data.size()));
  out.offset = info.offset;
  out.size = info.size;
  const auto bytes = section.data.subspan(info.offset, type->size);
  out.ops.data.assign(bytes.begin(), bytes.end());
  out.ops.link = section.name == ".struct_ops.link";
  const struct btf_member* members = btf_members(type);
  for (uint32_t i = 0; i < btf_vlen(type); ++i) {
    StructOpsMember member;
    member.name = std::string(btfu::name_at(btf, members[i].name_off));
    if (btf_member_bitfield_size(type, i) != 0 || btf_member_bit_offset(type, i) % 8 != 0)
      return malformed(fmt::format("{}: member '{}' is a bitfield", where, member.name));
    member.offset = btf_member_bit_offset(type, i) / 8;
    const int64_t size = btf__resolve_size(btf, members[i].type);
    if (size < 0 || member.offset + static_cast<uint64_t>(size) > type->size)
      return malformed(fmt::format("{}: member '{}' cannot be sized inside its struct", where, member.name));
    member.size = static_cast<uint32_t>(size);
    member.function = is_function_pointer(btf, members[i].type);
    out.ops.members.push_back(std::move(member));
  }
  MapSpec& map = out.map;
  map.type = BPF_MAP_TYPE_STRUCT_OPS;
  map.key_size = 4;
  map.max_entries = 1;
  map.flags = out.ops.link ? kMapFlagLink : 0;
  map.layout = MapLayout::Btf;
  map.section = section.name;
  map.offset = info.offset;
  return out;
}

}  // namespace

bool is_struct_ops_section(std::string_view name) {
  return name == ".struct_ops" || name == ".struct_ops.link";
}

Result<std::vector<MapSpec>> decode_struct_ops_maps(const elf::View& view, const elf::Section& section,
                                                    const struct btf* btf) {
  if (btf == nullptr)
    return malformed(fmt::format("section '{}': struct_ops maps are described by BTF, and the object has none",
                                 section.name));
  if (section.data.size() != section.size)
    return malformed(fmt::format("section '{}': has no contents in the file", section.name));
  const int datasec_id = btf__find_by_name_kind(btf, section.name.c_str(), BTF_KIND_DATASEC);
  if (datasec_id <= 0) return malformed(fmt::format("section '{}': no BTF DATASEC describes it", section.name));
  const struct btf_type* datasec = btf__type_by_id(btf, static_cast<uint32_t>(datasec_id));
  std::vector<Variable> variables;
  const struct btf_var_secinfo* infos = btf_var_secinfos(datasec);
  for (uint32_t i = 0; i < btf_vlen(datasec); ++i) {
    auto variable = decode_variable(btf, section, infos[i]);
    if (!variable) return std::move(variable).error();
    variables.push_back(std::move(*variable));
  }

  // Each relocation points a function-pointer member at a program.
  if (const elf::Relocations* relocations = view.relocations_for(section.index)) {
    for (size_t n = 0; n < relocations->entries.size(); ++n) {
      const elf::Relocation& entry = relocations->entries[n];
      const std::string where = fmt::format("section '{}': relocation #{} at 0x{:x}", section.name, n, entry.offset);
      const auto holder = std::find_if(variables.begin(), variables.end(), [&](const Variable& v) {
        return entry.offset >= v.offset && entry.offset - v.offset < v.size;
      });
      if (holder == variables.end()) return malformed(fmt::format("{}: in no struct_ops variable", where));
      const uint64_t at = entry.offset - holder->offset;
      const auto member = std::find_if(holder->ops.members.begin(), holder->ops.members.end(),
                                       [&](const StructOpsMember& m) { return m.offset == at; });
      if (member == holder->ops.members.end() || !member->function)
        return malformed(fmt::format("{}: offset 0x{:x} of '{}' is no function-pointer member", where, at,
                                     holder->map.name));
      if (entry.symbol >= view.symbols().size()) return malformed(fmt::format("{}: symbol out of range", where));
      const elf::Symbol& symbol = view.symbols()[entry.symbol];
      if (symbol.name.empty() || symbol.section >= view.sections().size() ||
          !view.sections()[symbol.section].executable())
        return malformed(fmt::format("{}: member '{}' of '{}' points to '{}', which is not a function of the object",
                                     where, member->name, holder->map.name, symbol.name));
      member->program = symbol.name;
      // The pointer's bytes are a link-time address: the kernel gets a program fd there.
      std::fill_n(holder->ops.data.begin() + static_cast<ptrdiff_t>(member->offset), member->size, std::byte{0});
    }
  }
  std::vector<MapSpec> maps;
  for (Variable& variable : variables) {
    variable.map.struct_ops = std::make_shared<const StructOpsSpec>(std::move(variable.ops));
    maps.push_back(std::move(variable.map));
  }
  return maps;
}

Status link_struct_ops_programs(ObjectSpec& spec) {
  std::vector<bool> referenced(spec.programs.size(), false);
  for (const MapSpec& map : spec.maps) {
    if (!map.struct_ops) continue;
    for (const StructOpsMember& member : map.struct_ops->members) {
      if (member.program.empty()) continue;
      bool found = false;
      for (size_t p = 0; p < spec.programs.size(); ++p) {
        ProgramSpec& program = spec.programs[p];
        if (program.name != member.program) continue;
        found = true;
        if (program.type != BPF_PROG_TYPE_STRUCT_OPS)
          return malformed(fmt::format("struct_ops map '{}': member '{}' points to program '{}' in section '{}', which "
                                       "is not a struct_ops program (SEC(\"struct_ops/...\"))",
                                       map.name, member.name, program.name, program.section));
        if (referenced[p] && (program.struct_ops_type != map.struct_ops->type_name ||
                              program.struct_ops_member != member.name))
          return malformed(fmt::format("program '{}' implements both {}.{} and {}.{}: one program per member",
                                       program.name, program.struct_ops_type, program.struct_ops_member,
                                       map.struct_ops->type_name, member.name));
        referenced[p] = true;
        program.struct_ops_type = map.struct_ops->type_name;
        program.struct_ops_member = member.name;
      }
      if (!found)
        return malformed(fmt::format("struct_ops map '{}': member '{}' points to '{}', which is no program of the object",
                                     map.name, member.name, member.program));
    }
  }
  // As libbpf: a struct_ops program no map uses says no member it implements; it is not
  // loaded unless asked for (and then refused, naming the reason).
  for (size_t p = 0; p < spec.programs.size(); ++p)
    if (spec.programs[p].type == BPF_PROG_TYPE_STRUCT_OPS && !referenced[p]) spec.programs[p].autoload = false;
  return {};
}

}  // namespace bpfload
