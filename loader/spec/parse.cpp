// parse_object: the order in which an object's parts are read, each by its own decoder.
#include "bpfload/parse.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"

#include <elf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

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

Status read_data_sections(const elf::View& view, const ParseOptions& options, ObjectSpec& spec) {
  for (const elf::Section& section : view.sections()) {
    if (!is_data_section(section.name)) continue;
    if (section.type != SHT_PROGBITS && section.type != SHT_NOBITS) continue;
    DataSectionSpec data;
    data.name = section.name;
    data.readonly = is_readonly_data_section(section.name);
    if (section.type == SHT_NOBITS) {
      // .bss occupies no file bytes, so its size is the only thing to bound.
      if (section.size > options.limits.max_object_bytes)
        return make_error(ErrorKind::LimitExceeded, fmt::format("section '{}': size 0x{:x} exceeds the limit 0x{:x}",
                                                                section.name, section.size,
                                                                options.limits.max_object_bytes));
      data.bytes.assign(section.size, std::byte{0});
    } else {
      data.bytes.assign(section.data.begin(), section.data.end());
    }
    spec.data_sections.push_back(std::move(data));
  }
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
  for (DataSectionSpec& data : spec.data_sections) {
    const int id = btf__find_by_name_kind(btf->get(), data.name.c_str(), BTF_KIND_DATASEC);
    data.btf_type_id = id > 0 ? static_cast<uint32_t>(id) : 0;
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
  if (spec.maps.size() > options.limits.max_maps)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("{} maps exceed the limit of {}", spec.maps.size(), options.limits.max_maps));
  BPFLOAD_TRY(resolve_inner_maps(spec.maps));
  if (btf != nullptr) annotate_legacy_map_btf(spec.maps, btf);
  return {};
}

// The function of `section` containing byte offset `insn_off`, rebased to it.
Result<std::pair<FunctionSpec*, uint32_t>> locate(ObjectSpec& spec, const std::string& section, uint32_t insn_off,
                                                  std::string_view what) {
  if (insn_off % 8 != 0)
    return malformed(fmt::format(".BTF.ext: {} for '{}' at insn_off 0x{:x} is not instruction-aligned", what, section,
                                 insn_off));
  const uint32_t insn = insn_off / 8;
  for (FunctionSpec& function : spec.functions) {
    if (function.section != section) continue;
    if (insn >= function.section_insn && insn - function.section_insn < function.insns.size())
      return std::make_pair(&function, insn - function.section_insn);
  }
  return malformed(fmt::format(".BTF.ext: {} for '{}' at insn_off 0x{:x} is in no function", what, section, insn_off));
}

Status read_btf_ext(const elf::View& view, const struct btf* btf, ObjectSpec& spec) {
  const elf::Section* section = view.section(".BTF.ext");
  if (section == nullptr || btf == nullptr) return {};
  auto ext = decode_btf_ext(view, *section, btf);
  if (!ext) return std::move(ext).error();
  for (const BtfExtFuncInfo& record : ext->func_info) {
    auto where = locate(spec, record.section, record.insn_off, "func_info");
    if (!where) return std::move(where).error();
    where->first->func_info.push_back({where->second, record.type_id});
  }
  for (const BtfExtLineInfo& record : ext->line_info) {
    auto where = locate(spec, record.section, record.insn_off, "line_info");
    if (!where) return std::move(where).error();
    where->first->line_info.push_back({where->second, record.file_name_off, record.line_off, record.line_col});
  }
  for (const BtfExtCoreRelo& record : ext->core_relos) {
    auto where = locate(spec, record.section, record.insn_off, "core_relo");
    if (!where) return std::move(where).error();
    ++where->first->core_relocations;
  }
  spec.has_btf_ext = true;
  return {};
}

// Legacy tail-call sections fill a prog array: iproute2 "ID/KEY" the map whose
// bpf_elf_map.id is ID; samples' "kind/N" the object's last PROG_ARRAY (bpf_load.c
// kept the fd of the last one it created).
Status fill_tail_call_slots(ObjectSpec& spec) {
  for (const ProgramSpec& program : spec.programs) {
    const std::optional<SectionKind> kind = section_kind(program.section);
    if (!kind || !kind->tail_call_key) continue;
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

Result<ObjectSpec> parse_object(std::span<const std::byte> bytes, const ParseOptions& options) {
  auto view = elf::View::open(bytes, options.limits);
  if (!view) return std::move(view).error();
  ObjectSpec spec;
  spec.byte_order = view->byte_order();
  BPFLOAD_TRY(read_license_and_version(*view, spec));
  BPFLOAD_TRY(read_data_sections(*view, options, spec));
  BPFLOAD_TRY(read_btf(*view, spec));
  const struct btf* btf = spec.btf ? spec.btf->get() : nullptr;
  BPFLOAD_TRY(read_maps(*view, btf, options, spec));
  auto code = decode_programs(*view, spec, options);
  if (!code) return std::move(code).error();
  spec.functions = std::move(code->functions);
  spec.programs = std::move(code->programs);
  spec.externs = std::move(code->externs);
  BPFLOAD_TRY(read_btf_ext(*view, btf, spec));
  BPFLOAD_TRY(fill_tail_call_slots(spec));
  return spec;
}

Result<ObjectSpec> parse_object_file(const std::string& path, const ParseOptions& options) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return make_error(ErrorKind::Io, fmt::format("open '{}': {}", path, std::strerror(errno)), errno);
  std::vector<std::byte> bytes;
  std::byte chunk[65536];
  while (true) {
    const size_t got = std::fread(chunk, 1, sizeof(chunk), file.get());
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (bytes.size() > options.limits.max_object_bytes)
      return make_error(ErrorKind::LimitExceeded, fmt::format("'{}': larger than the limit of {} bytes", path,
                                                              options.limits.max_object_bytes));
    if (got < sizeof(chunk)) break;
  }
  if (std::ferror(file.get()) != 0)
    return make_error(ErrorKind::Io, fmt::format("read '{}': {}", path, std::strerror(errno)), errno);
  auto spec = parse_object(bytes, options);
  if (!spec) return std::move(spec).error().with_context(path);
  return spec;
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
