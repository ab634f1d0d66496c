// parse_object: the order in which an object's parts are read, each by its own decoder.
#include "bpfload/parse.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <linux/bpf.h>

#include <algorithm>
#include <limits>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <unordered_map>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "btf_ext.hpp"
#include "btf_fixup.hpp"
#include "elf_view.hpp"
#include "maps_decode.hpp"
#include "programs_decode.hpp"
#include "section_names.hpp"

namespace bpfload {
namespace {

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }


Status read_license_and_version(const elf::View& view, ObjectSpec& spec) {
  if (const elf::Section* license = view.section("license"); license != nullptr) {
    const auto* chars = reinterpret_cast<const char*>(license->data.data());
    const void* nul = license->data.empty() ? nullptr : std::memchr(chars, 0, license->data.size());
    if (nul == nullptr) return malformed("section 'license': not a NUL-terminated string");
    spec.license.assign(chars, static_cast<const char*>(nul));
  }
  if (const elf::Section* version = view.section("version"); version != nullptr) {
    if (version->data.size() != 4)
      return malformed(fmt::format("section 'version': size {} is not 4", version->data.size()));
    spec.kern_version = view.read_u32(version->data, 0);
  }
  return {};
}

Status read_data_sections(const elf::View& view, ObjectSpec& spec) {
  for (const elf::Section& section : view.sections()) {
    if (!is_data_section(section.name)) continue;
    if (section.type != SHT_PROGBITS && section.type != SHT_NOBITS) continue;
    // Checked before anything is allocated: a NOBITS section's size costs no file bytes,
    // and the parser never allocates it (zero_size); the kernel zero-fills the map.
    if (section.size > std::numeric_limits<uint32_t>::max())
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format("section '{}': size 0x{:x} is more than a map value can hold (value_size is "
                                    "32-bit)",
                                    section.name, section.size));
    DataSectionSpec data;
    data.name = section.name;
    data.readonly = is_readonly_data_section(section.name);
    if (section.type == SHT_NOBITS) {
      data.zero_size = section.size;  // zero-filled: no bytes until a map is created
    } else {
      data.bytes.assign(section.data.begin(), section.data.end());
    }
    spec.data_sections.push_back(std::move(data));
  }
  return {};
}

// Globals in the arena (`__arena`, section `.addr_space.1`): kept as bytes (none when all
// zero) for the load to copy into the arena map; the relocations find the map.
Status read_arena_data(const elf::View& view, ObjectSpec& spec) {
  const elf::Section* section = view.section(".addr_space.1");
  if (section == nullptr) return {};
  if (section->size > std::numeric_limits<uint32_t>::max())
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("section '.addr_space.1': size 0x{:x} is more than an arena can hold", section->size));
  spec.arena_data_size = section->size;
  const bool any = std::any_of(section->data.begin(), section->data.end(), [](std::byte b) { return b != std::byte{0}; });
  if (any) spec.arena_data.assign(section->data.begin(), section->data.end());
  return {};
}

// Parses .BTF, the only time the object's BTF is parsed: the fix-up, the map decoders,
// .BTF.ext and every later reader use this one result. A broken .BTF is fatal only when
// `.maps` needs it; otherwise the object loads without BTF, as older loaders did.
Status read_btf(const elf::View& view, ObjectSpec& spec) {
  const elf::Section* section = view.section(".BTF");
  if (section == nullptr || section->data.empty()) return {};
  const bool needed = view.section(".maps") != nullptr;
  auto btf = parse_btf(section->data);
  if (!btf) {
    if (needed) return std::move(btf).error();
    return {};
  }
  auto fixed = fixup_btf_for_kernel(view, section->data, btf->get());
  if (!fixed) {
    if (needed) return std::move(fixed).error().with_context("section '.BTF'");
    return {};
  }
  // One pass over the types, the first DATASEC of each name kept (as a search from id 1
  // finds it): btf__find_by_name_kind per section scans every type, which made objects
  // with tens of thousands of data sections quadratic.
  std::unordered_map<std::string_view, uint32_t> datasec_ids;
  const uint32_t type_count = btf__type_cnt(btf->get());
  for (uint32_t id = 1; id < type_count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf->get(), id);
    if (type == nullptr || btf_kind(type) != BTF_KIND_DATASEC) continue;
    if (const char* name = btf__name_by_offset(btf->get(), type->name_off); name != nullptr)
      datasec_ids.try_emplace(name, id);
  }
  for (DataSectionSpec& data : spec.data_sections) {
    const auto found = datasec_ids.find(data.name);
    data.btf_type_id = found == datasec_ids.end() ? 0 : found->second;
  }
  spec.btf = std::make_shared<const ParsedBtf>(std::move(*btf), std::move(*fixed));
  return {};
}

Status read_maps(const elf::View& view, const struct btf* btf, const ParseOptions& options, ObjectSpec& spec) {
  for (const elf::Section& section : view.sections()) {
    if (!is_legacy_maps_section(section.name)) continue;
    auto maps = decode_legacy_maps(view, section, options);
    if (!maps) return std::move(maps).error();
    std::move(maps->begin(), maps->end(), std::back_inserter(spec.maps));
  }
  if (const elf::Section* section = view.section(".maps"); section != nullptr) {
    if (btf == nullptr) return malformed("section '.maps': BTF-defined maps need a .BTF section");
    auto maps = decode_btf_maps(view, *section, btf, options);
    if (!maps) return std::move(maps).error();
    std::move(maps->begin(), maps->end(), std::back_inserter(spec.maps));
  }
  for (const elf::Section& section : view.sections()) {
    if (!is_struct_ops_section(section.name)) continue;
    auto maps = decode_struct_ops_maps(view, section, btf);
    if (!maps) return std::move(maps).error();
    std::move(maps->begin(), maps->end(), std::back_inserter(spec.maps));
  }
  if (spec.maps.size() > options.limits.max_maps)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("{} maps exceed the limit of {}", spec.maps.size(), options.limits.max_maps));
  BPFLOAD_TRY(resolve_inner_maps(spec.maps));
  if (btf != nullptr) annotate_legacy_map_btf(spec.maps, btf);
  return {};
}

// The functions of each ELF section, in offset order, so a .BTF.ext record finds its
// function by binary search instead of scanning every function comparing names.
class FunctionIndex {
 public:
  FunctionIndex(const ObjectSpec& spec, const std::vector<std::string>& ext_sections) : spec_(spec) {
    std::unordered_map<std::string_view, std::vector<size_t>> by_name;
    for (size_t f = 0; f < spec.functions.size(); ++f) by_name[spec.functions[f].section].push_back(f);
    for (auto& entry : by_name)
      std::stable_sort(entry.second.begin(), entry.second.end(), [&](size_t a, size_t b) {
        return spec.functions[a].section_insn < spec.functions[b].section_insn;
      });
    for (const std::string& name : ext_sections) {
      const auto found = by_name.find(name);
      Functions functions;
      if (found != by_name.end()) functions.in_order = found->second;
      for (size_t i = 1; i < functions.in_order.size(); ++i) {
        const FunctionSpec& before = spec.functions[functions.in_order[i - 1]];
        functions.overlapping |=
            before.section_insn + before.insns.size() > spec.functions[functions.in_order[i]].section_insn;
      }
      by_ext_section_.push_back(std::move(functions));
    }
  }

  // The function of ext section `section` containing byte offset `insn_off`, rebased to it.
  Result<std::pair<size_t, uint32_t>> locate(uint32_t section, const std::string& name, uint32_t insn_off,
                                             std::string_view what) const {
    if (insn_off % 8 != 0)
      return malformed(fmt::format(".BTF.ext: {} for '{}' at insn_off 0x{:x} is not instruction-aligned", what, name,
                                   insn_off));
    const uint32_t insn = insn_off / 8;
    const Functions& functions = by_ext_section_[section];
    const auto contains = [&](size_t f) {
      return insn >= spec_.functions[f].section_insn &&
             insn - spec_.functions[f].section_insn < spec_.functions[f].insns.size();
    };
    if (functions.overlapping) {  // explicit sizes that overlap: the first in offset order wins
      for (size_t f : functions.in_order)
        if (contains(f)) return std::make_pair(f, insn - spec_.functions[f].section_insn);
    } else {  // the last function starting at or before `insn`
      const auto after = std::upper_bound(functions.in_order.begin(), functions.in_order.end(), insn,
                                          [&](uint32_t value, size_t f) { return value < spec_.functions[f].section_insn; });
      if (after != functions.in_order.begin() && contains(*(after - 1)))
        return std::make_pair(*(after - 1), insn - spec_.functions[*(after - 1)].section_insn);
    }
    return malformed(fmt::format(".BTF.ext: {} for '{}' at insn_off 0x{:x} is in no function", what, name, insn_off));
  }

 private:
  struct Functions {
    std::vector<size_t> in_order;  ///< by section_insn
    bool overlapping = false;
  };
  const ObjectSpec& spec_;
  std::vector<Functions> by_ext_section_;  ///< parallel to BtfExt::sections
};

Status read_btf_ext(const elf::View& view, const struct btf* btf, ObjectSpec& spec) {
  const elf::Section* section = view.section(".BTF.ext");
  if (section == nullptr || btf == nullptr) return {};
  auto ext = decode_btf_ext(view, *section, btf);
  if (!ext) return std::move(ext).error();
  const FunctionIndex index(spec, ext->sections);
  for (const BtfExtFuncInfo& record : ext->func_info) {
    auto where = index.locate(record.section, ext->sections[record.section], record.insn_off, "func_info");
    if (!where) return std::move(where).error();
    spec.functions[where->first].func_info.push_back({where->second, record.type_id});
  }
  for (const BtfExtLineInfo& record : ext->line_info) {
    auto where = index.locate(record.section, ext->sections[record.section], record.insn_off, "line_info");
    if (!where) return std::move(where).error();
    spec.functions[where->first].line_info.push_back(
        {where->second, record.file_name_off, record.line_off, record.line_col});
  }
  // Records naming the same string share one copy of it (SharedString).
  std::unordered_map<uint32_t, SharedString> access_by_offset;
  for (const BtfExtCoreRelo& record : ext->core_relos) {
    auto where = index.locate(record.section, ext->sections[record.section], record.insn_off, "core_relo");
    if (!where) return std::move(where).error();
    auto [known, added] = access_by_offset.try_emplace(record.access_str_off);
    if (added) {
      const char* access = btf__name_by_offset(btf, record.access_str_off);
      if (access == nullptr)
        return malformed(fmt::format(".BTF.ext: core_relo for '{}' at insn_off 0x{:x}: access string offset 0x{:x} "
                                     "outside the BTF strings",
                                     ext->sections[record.section], record.insn_off, record.access_str_off));
      known->second = SharedString(access);
    }
    spec.functions[where->first].core_relocations.push_back(
        {where->second, record.type_id, record.kind, known->second});
  }
  spec.has_btf_ext = true;
  return {};
}

// libbpf's exception callbacks: a BTF decl tag "exception_callback:NAME" on a program's
// FUNC names the function the kernel runs when the program throws.
Status read_exception_callbacks(ObjectSpec& spec) {
  if (!spec.btf) return {};
  const struct btf* btf = spec.btf->get();
  constexpr std::string_view kPrefix = "exception_callback:";
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* tag = btf__type_by_id(btf, id);
    if (tag == nullptr || !btf_is_decl_tag(tag) || btf_decl_tag(tag)->component_idx != -1) continue;
    const char* text = btf__name_by_offset(btf, tag->name_off);
    if (text == nullptr || !std::string_view(text).starts_with(kPrefix)) continue;
    const std::string callback(std::string_view(text).substr(kPrefix.size()));
    const struct btf_type* func = btf__type_by_id(btf, tag->type);
    if (func == nullptr || !btf_is_func(func)) continue;
    const char* owner_name = btf__name_by_offset(btf, func->name_off);
    if (owner_name == nullptr) continue;
    const auto index_of = [&](std::string_view name) -> std::optional<uint32_t> {
      for (size_t f = 0; f < spec.functions.size(); ++f)
        if (spec.functions[f].name == name) return static_cast<uint32_t>(f);
      return std::nullopt;
    };
    const auto owner = index_of(owner_name);
    if (!owner) continue;  // a tag on a declaration the object has no code for
    const auto target = index_of(callback);
    if (!target)
      return malformed(fmt::format("BTF decl tag '{}' on '{}': the object has no function '{}'", text, owner_name,
                                   callback));
    spec.functions[*owner].exception_callback = *target;
  }
  return {};
}

// Legacy tail-call sections fill a prog array: iproute2 "ID/KEY" the map whose
// bpf_elf_map.id is ID; samples' "kind/N" the object's last PROG_ARRAY (bpf_load.c
// kept the fd of the last one it created). In an object without a prog array "kind/N"
// is an ordinary program of its kind, as libbpf and cilium/ebpf read "socket/0".
Status fill_tail_call_slots(ObjectSpec& spec) {
  const bool has_prog_array = std::any_of(spec.maps.begin(), spec.maps.end(),
                                          [](const MapSpec& map) { return map.type == BPF_MAP_TYPE_PROG_ARRAY; });
  for (const ProgramSpec& program : spec.programs) {
    const std::optional<SectionKind> kind = section_kind(program.section);
    if (!kind || !kind->tail_call_key) continue;
    if (!kind->tail_call_map_id && !has_prog_array) continue;
    std::optional<size_t> array;
    for (size_t m = 0; m < spec.maps.size(); ++m) {
      const MapSpec& map = spec.maps[m];
      if (kind->tail_call_map_id ? map.iproute2_id == *kind->tail_call_map_id
                                 : map.type == BPF_MAP_TYPE_PROG_ARRAY)
        array = m;
      if (array && kind->tail_call_map_id) break;
    }
    if (!array)
      return malformed(kind->tail_call_map_id
                           ? fmt::format("section '{}': no map has iproute2 id {}", program.section,
                                         *kind->tail_call_map_id)
                           : fmt::format("section '{}': tail-call section but the object has no prog array",
                                         program.section));
    std::vector<MapSlot>& slots = spec.maps[*array].initial_slots;
    for (const MapSlot& slot : slots)
      if (slot.index == *kind->tail_call_key)
        return malformed(fmt::format("section '{}': slot {} of map '{}' is already taken by '{}'", program.section,
                                     slot.index, spec.maps[*array].name, slot.target));
    slots.push_back({MapSlot::Kind::Program, *kind->tail_call_key, program.name});
    std::stable_sort(slots.begin(), slots.end(), [](const MapSlot& a, const MapSlot& b) { return a.index < b.index; });
  }
  return {};
}

}  // namespace

namespace {

Result<ObjectSpec> parse_view(Result<elf::View> view, const ParseOptions& options) {
  if (!view) return std::move(view).error();
  ObjectSpec spec;
  spec.byte_order = view->byte_order();
  BPFLOAD_TRY(read_license_and_version(*view, spec));
  BPFLOAD_TRY(read_data_sections(*view, spec));
  BPFLOAD_TRY(read_arena_data(*view, spec));
  BPFLOAD_TRY(read_btf(*view, spec));
  const struct btf* btf = spec.btf ? spec.btf->get() : nullptr;
  BPFLOAD_TRY(read_maps(*view, btf, options, spec));
  auto code = decode_programs(*view, spec, options);
  if (!code) return std::move(code).error();
  spec.functions = std::move(code->functions);
  spec.programs = std::move(code->programs);
  spec.externs = std::move(code->externs);
  BPFLOAD_TRY(read_btf_ext(*view, btf, spec));
  BPFLOAD_TRY(read_exception_callbacks(spec));
  BPFLOAD_TRY(link_struct_ops_programs(spec));
  BPFLOAD_TRY(check_unique_names(spec));
  BPFLOAD_TRY(fill_tail_call_slots(spec));
  return spec;
}

}  // namespace

Result<ObjectSpec> parse_object(std::span<const std::byte> bytes, const ParseOptions& options) {
  try {
    return parse_view(elf::View::open(bytes, options.limits), options);
  } catch (const std::bad_alloc&) {
    return out_of_memory_error("parsing the object");
  }
}

Result<ObjectSpec> parse_object(std::vector<std::byte>&& bytes, const ParseOptions& options) {
  try {
    // The view takes the buffer over: the object is in memory once.
    return parse_view(elf::View::open(std::move(bytes), options.limits), options);
  } catch (const std::bad_alloc&) {
    return out_of_memory_error("parsing the object");
  }
}

std::string_view to_string(MapLayout layout) noexcept {
  switch (layout) {
    case MapLayout::Auto: return "auto";
    case MapLayout::Libbpf: return "libbpf";
    case MapLayout::Samples: return "samples";
    case MapLayout::Iproute2: return "iproute2";
    case MapLayout::Btf: return "btf";
  }
  return "unknown";
}

Result<MapLayout> map_layout_from_string(std::string_view name) {
  for (MapLayout layout :
       {MapLayout::Auto, MapLayout::Libbpf, MapLayout::Samples, MapLayout::Iproute2, MapLayout::Btf})
    if (to_string(layout) == name) return layout;
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("unknown map layout '{}' (auto, libbpf, samples, iproute2, btf)", name));
}

std::string_view to_string(Pinning pinning) noexcept {
  switch (pinning) {
    case Pinning::None: return "none";
    case Pinning::ObjectNs: return "object_ns";
    case Pinning::GlobalNs: return "global_ns";
    case Pinning::ByName: return "by_name";
  }
  return "unknown";
}

}  // namespace bpfload
