// load_object(): checks what can be checked before touching the kernel, then maps,
// programs, slots and pins, in that order. All or nothing: a failure rolls back pins and
// directories through the journal, and the context's destructor closes every fd.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <new>
#include <string>

#include <fmt/format.h>

#include "bpfload/link.hpp"
#include "load_context.hpp"
#include "map_definition.hpp"

namespace bpfload {

/// Builds the LoadedObject from a finished load (LoadedObject befriends it).
class ObjectLoader {
 public:
  static LoadedObject assemble(LoadContext& context) {
    LoadedObject object;
    const ObjectSpec& spec = context.spec;
    for (size_t i = 0; i < spec.maps.size(); ++i) object.maps_.emplace(spec.maps[i].name, std::move(context.map_fds[i]));
    for (size_t i = 0; i < spec.data_sections.size(); ++i) {
      if (!context.data_fds[i].valid()) continue;
      object.maps_.emplace(spec.data_sections[i].name, std::move(context.data_fds[i]));
    }
    for (size_t i = 0; i < spec.programs.size(); ++i) {
      if (!context.prog_fds[i].valid()) continue;
      object.programs_.emplace(spec.programs[i].name, std::move(context.prog_fds[i]));
    }
    object.report_ = context.report;
    object.kernel_ = &context.kernel;
    return object;
  }
};

namespace {

bool host_is_little_endian() { return std::endian::native == std::endian::little; }

Pinning effective_pinning(const LoadContext& context, const MapSpec& map) {
  if (!context.options.pin) return Pinning::None;
  const MapOverride* override = context.override_for(map.name);
  return override != nullptr && override->pinning ? *override->pinning : map.pinning;
}

Refusal refusal_for(const ObjectSpec& spec, const ProgramSpec& program) {
  if (program.type == 0)
    return {ErrorKind::InvalidArgument,
            fmt::format("unknown program type: the section name implies none; give one (--type {}=TYPE, a "
                        "glob --type 'PREFIX*=TYPE', or --default-type TYPE)",
                        program.section)};
  if (program.type == BPF_PROG_TYPE_STRUCT_OPS && program.struct_ops_type.empty())
    return {ErrorKind::InvalidArgument,
            "a struct_ops program no .struct_ops map points to: nothing says which kernel struct member it "
            "implements (point a member of a SEC(\".struct_ops.link\") variable at it)"};
  const std::vector<std::string> externs = externs_used_by(spec, program.function);
  if (externs.empty()) return {};
  bool function = false;
  for (const ExternSpec& declared : spec.externs)
    if (declared.name == externs.front()) function = declared.kind == ExternSpec::Kind::Function;
  return {ErrorKind::Unsupported, unresolved_extern_text(externs.front(), function)};
}

/// A value_size override gives a size the map's type can hold: the checks a map created
/// on its own passes. A struct_ops map's value is the kernel's struct, not the caller's.
Status check_value_size_override(LoadContext& context, const MapSpec& map, const MapOverride& override) {
  if (map.struct_ops)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': a struct_ops map's value is the kernel's struct {}: its value size "
                                  "cannot be overridden",
                                  map.name, map.struct_ops->type_name));
  Result<MapDefinition> def = definition_of(context.kernel, map, &override);
  if (!def.ok()) return std::move(def).error();
  Status sized = check_map_sizes(map.name, *def);
  if (!sized.ok()) return sized.error().with_context("value_size override");
  return {};
}

Status check_options(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  const LoadOptions& options = context.options;
  // A spec built in memory never met the parser's check; slots and pins resolve by name.
  BPFLOAD_TRY(check_unique_names(spec));
  const bool host_little = host_is_little_endian();
  if ((spec.byte_order == ByteOrder::Little) != host_little)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("the object is {}-endian but this host is {}-endian; build it for the "
                                  "host (clang -target bpf)",
                                  spec.byte_order == ByteOrder::Little ? "little" : "big",
                                  host_little ? "little" : "big"));

  for (const auto& [name, override] : options.maps) {
    if (!spec.find_map(name))
      return make_error(ErrorKind::NotFound, fmt::format("map override names no map of the object: '{}'", name));
    if (override.inner_map && !spec.find_map(*override.inner_map))
      return make_error(ErrorKind::NotFound, fmt::format("map '{}': inner_map override names no map of the "
                                                         "object: '{}'",
                                                         name, *override.inner_map));
  }

  // A plain load takes every program but libbpf's SEC("?...") ones; a named one is taken
  // whatever its section says.
  context.selected.assign(spec.programs.size(), false);
  if (options.only_programs.empty())
    for (size_t i = 0; i < spec.programs.size(); ++i) context.selected[i] = spec.programs[i].autoload;
  for (const std::string& name : options.only_programs) {
    if (!spec.find_program(name))
      return make_error(ErrorKind::NotFound, fmt::format("no program named '{}' in the object", name));
    // Names need not be unique (sections differ): a name selects every program bearing it.
    for (size_t i = 0; i < spec.programs.size(); ++i)
      if (spec.programs[i].name == name) context.selected[i] = true;
  }
  // Programs that cannot load whatever the kernel says: all or nothing refuses the
  // object; keep_going refuses just them and loads the rest.
  context.refusals.assign(spec.programs.size(), Refusal{});
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    if (!context.selected[i]) continue;
    Refusal refusal = refusal_for(spec, spec.programs[i]);
    if (refusal.reason.empty()) continue;
    if (!options.keep_going)
      return make_error(refusal.kind, fmt::format("program '{}' in section '{}': {}", spec.programs[i].name,
                                                  spec.programs[i].section, refusal.reason));
    context.refusals[i] = std::move(refusal);
  }

  const bool pin_dir = options.pin && options.pin_dir.has_value();
  bool pins_in_root = false;
  for (const MapSpec& map : spec.maps) {
    const MapOverride* override = context.override_for(map.name);
    if (override != nullptr && override->max_entries && *override->max_entries == 0 &&
        map.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("map '{}': a max_entries override of 0 leaves it unsized; give at least 1",
                                    map.name));
    const bool sized = map.max_entries != 0 || (override != nullptr && override->max_entries) ||
                       map.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY || takes_no_max_entries(map.type);
    if (!sized)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("map '{}' has max_entries 0 in the object; give it a size with a "
                                    "max_entries override (--max-entries {}=N)",
                                    map.name, map.name));
    if (override != nullptr && override->value_size) BPFLOAD_TRY(check_value_size_override(context, map, *override));
    const Pinning pinning = effective_pinning(context, map);
    if (pinning != Pinning::None) pins_in_root = true;
    if (pinning != Pinning::None || pin_dir)
      BPFLOAD_TRY(check_path_name(map.name, fmt::format("map '{}'", map.name)));
  }
  if (pin_dir) {
    for (const DataSectionSpec& section : spec.data_sections)
      BPFLOAD_TRY(check_path_name(data_section_file_name(section.name),
                                  fmt::format("data section '{}'", section.name)));
    for (size_t i = 0; i < spec.programs.size(); ++i)
      if (context.selected[i])
        BPFLOAD_TRY(check_path_name(spec.programs[i].name, fmt::format("program '{}'", spec.programs[i].name)));
  }

  Kernel& system = context.kernel;
  if (options.require_bpffs && pins_in_root) BPFLOAD_TRY(check_pin_root(system, options.pin_root, "pin root"));
  if (options.require_bpffs && pin_dir) BPFLOAD_TRY(check_pin_root(system, *options.pin_dir, "pin directory"));
  return {};
}

Result<LoadedObject> run_load(LoadContext& context) {
  BPFLOAD_TRY(check_options(context));
  load_object_btf(context);
  BPFLOAD_TRY(load_maps(context));
  BPFLOAD_TRY(open_module_btf_fds(context));
  BPFLOAD_TRY(load_programs(context));
  BPFLOAD_TRY(fill_map_slots(context, false));
  BPFLOAD_TRY(pin_objects(context));
  // Last: a reused map belongs to someone else and cannot be rolled back.
  BPFLOAD_TRY(fill_map_slots(context, true));
  // Last: a registered struct_ops runs at once (and outlives its fds); undone on failure.
  if (Status filled = fill_struct_ops_maps(context); !filled.ok()) {
    unregister_struct_ops_maps(context);
    return filled.error();
  }
  context.journal.commit();
  return ObjectLoader::assemble(context);
}

}  // namespace

Result<LoadedObject> load_object(const ObjectSpec& spec, const LoadOptions& options, LoadReport* report) {
  ProgramLayouts layouts;
  try {
    layouts = lay_out_programs(spec);
  } catch (const std::bad_alloc&) {
    return out_of_memory_error("linking the object's programs");
  }
  return load_object(spec, layouts, options, report);
}

Result<LoadedObject> load_object(const ObjectSpec& spec, const ProgramLayouts& layouts, const LoadOptions& options,
                                 LoadReport* report) {
  if (layouts.size() != spec.programs.size()) {
    if (report != nullptr) *report = LoadReport{};
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("load: {} program layouts for {} programs; lay the layouts out from this spec "
                                  "(lay_out_programs)",
                                  layouts.size(), spec.programs.size()));
  }
  LoadReport local_report;
  Kernel& kernel = options.kernel != nullptr ? *options.kernel : system_kernel();
  Result<LoadedObject> loaded = [&]() -> Result<LoadedObject> {
    try {
      // CO-RE rewrites instructions in place on a copy, so origins (source lines) of the
      // caller's layouts stay right; the copy is laid out again for its instructions.
      Result<TargetedSpec> targeted = target_spec(spec, options);
      if (!targeted.ok()) return std::move(targeted).error();
      const bool relocated = targeted->relocated.has_value();
      const ObjectSpec& effective = relocated ? targeted->relocated->spec : spec;
      LoadContext context(effective, relocated ? targeted->layouts : layouts, options, kernel, local_report);
      context.target_btf = targeted->target;
      context.target_btf_error = targeted->target_error;
      if (targeted->target != nullptr) local_report.target_btf = targeted->target->origin;
      if (relocated) {
        context.core_decisions = &targeted->relocated->decisions;
        for (const CoreDecision& decision : targeted->relocated->decisions)
          local_report.core_relocations.push_back(decision.describe(effective));
        for (const std::string& note : targeted->extern_notes) local_report.core_relocations.push_back(note);
      }
      Result<LoadedObject> result = [&]() -> Result<LoadedObject> {
        try {
          return run_load(context);
        } catch (const std::bad_alloc&) {
          return out_of_memory_error("loading the object");
        }
      }();
      // Nothing stays behind on any failure, out of memory included; the context's
      // destructor closes the fds.
      if (!result.ok()) context.journal.rollback();
      return result;
    } catch (const std::bad_alloc&) {
      return out_of_memory_error("loading the object");
    }
  }();
  if (report != nullptr) {
    try {
      *report = std::move(local_report);
    } catch (const std::bad_alloc&) {
    }
  }
  return loaded;
}

int LoadedObject::map_fd(std::string_view name) const {
  const auto it = maps_.find(name);
  return it == maps_.end() ? -1 : it->second.get();
}

int LoadedObject::program_fd(std::string_view name) const {
  const auto it = programs_.find(name);
  return it == programs_.end() ? -1 : it->second.get();
}

Result<uint32_t> LoadedObject::map_id(std::string_view name) {
  const int fd = map_fd(name);
  auto result = std::find_if(report_.maps.begin(), report_.maps.end(),
                             [&](const MapResult& map) { return map.name == name; });
  if (fd < 0 || result == report_.maps.end())
    return make_error(ErrorKind::NotFound, fmt::format("no map named '{}' in the loaded object", name));
  if (result->id != 0 || kernel_ == nullptr) return result->id;
  Result<MapInfo> info = kernel_->map_info(fd);
  if (!info.ok()) return info.error().with_context(fmt::format("map '{}': read its info", name));
  result->id = info->id;
  return result->id;
}

Result<uint32_t> LoadedObject::program_id(std::string_view name) {
  const int fd = program_fd(name);
  auto result = std::find_if(report_.programs.begin(), report_.programs.end(),
                             [&](const ProgramResult& program) { return program.name == name; });
  if (fd < 0 || result == report_.programs.end())
    return make_error(ErrorKind::NotFound, fmt::format("no loaded program named '{}' in the object", name));
  if (result->id != 0 || kernel_ == nullptr) return result->id;
  Result<ProgInfo> info = kernel_->prog_info(fd);
  if (!info.ok()) return info.error().with_context(fmt::format("program '{}': read its info", name));
  result->id = info->id;
  result->xlated_size = info->xlated_size;
  result->jited_size = info->jited_size;
  result->verified_insns = info->verified_insns;
  return result->id;
}

}  // namespace bpfload
