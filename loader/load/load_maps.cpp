// Maps: creation (with overrides, inner templates and BTF), reuse of pinned maps,
// and the one-entry arrays that hold global data.
#include <linux/bpf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "load_context.hpp"
#include "map_definition.hpp"

namespace bpfload {
namespace {

// The kernel's ENOTSUPP (524), which is not in user space's errno.h.
constexpr int kErrnoNotSupp = 524;

// The kernel layer's message carries the errno hint; the context adds the map's
// definition, which names the type when this kernel lacks it.
Error map_error(const Error& error, const MapDefinition& def) {
  Error out = error;
  if (out.sys_errno == EINVAL && out.message.find(map_type_name(def.type)) == std::string::npos &&
      out.message.find("supported by this kernel") == std::string::npos)
    out.message += fmt::format(" (is map type {} supported by this kernel?)", map_type_name(def.type));
  return out;
}

/// Creates a map; when the kernel refuses it with BTF type ids, retries once without,
/// as libbpf does (the kernel may not know a type the compiler emitted).
Result<Fd> create_with_btf_fallback(Kernel& kernel, MapCreateRequest request) {
  Result<Fd> created = kernel.map_create(request);
  if (created.ok() || request.btf_fd < 0) return created;
  if (created.error().sys_errno != EINVAL && created.error().sys_errno != kErrnoNotSupp) return created;
  request.btf_fd = -1;
  request.btf_key_type_id = 0;
  request.btf_value_type_id = 0;
  return kernel.map_create(request);
}

MapCreateRequest request_for(const LoadContext& context, const MapSpec& spec, const MapDefinition& def) {
  MapCreateRequest request;
  request.type = def.type;
  request.name = kernel_object_name(spec.name);
  request.key_size = def.key_size;
  request.value_size = def.value_size;
  request.max_entries = def.max_entries;
  request.flags = def.flags;
  request.numa_node = spec.numa_node;
  request.map_extra = spec.map_extra;
  // A value resized by an override no longer matches its BTF type, which the kernel
  // would refuse: the map goes without BTF key/value types, as libbpf's does.
  const bool resized = def.value_size != spec.value_size;
  if (context.btf_fd.valid() && spec.btf_value_type_id != 0 && takes_btf_key_value(def.type) && !resized) {
    request.btf_fd = context.btf_fd.get();
    request.btf_key_type_id = spec.btf_key_type_id;
    request.btf_value_type_id = spec.btf_value_type_id;
  }
  return request;
}

/// The inner-map template of map `index`: an fd owned elsewhere (a map of the object
/// already created) or a temporary one in `owned`, closed once the outer map exists.
Result<int> inner_template(LoadContext& context, size_t index, Fd& owned) {
  const MapSpec& outer = context.spec.maps[index];
  const MapOverride* override = context.override_for(outer.name);
  std::string inner_name = outer.inner_name;
  const MapSpec* inner = outer.inner.get();
  if (override != nullptr && override->inner_map) {
    inner_name = *override->inner_map;
    const auto found = context.spec.find_map(inner_name);
    if (!found)
      return make_error(ErrorKind::NotFound,
                        fmt::format("map '{}': inner_map override names no map of the object: '{}'",
                                    outer.name, inner_name));
    inner = &context.spec.maps[*found];
  }
  if (!inner_name.empty()) {
    const auto found = context.spec.find_map(inner_name);
    if (found && *found < context.map_fds.size() && context.map_fds[*found].valid())
      return context.map_fds[*found].get();
    if (found) inner = &context.spec.maps[*found];
  }
  if (inner == nullptr)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}' is a {} without an inner map template; name one with an "
                                  "inner_map override (--inner-map {}=INNER)",
                                  outer.name, map_type_name(outer.type), outer.name));
  const MapOverride* inner_override = inner_name.empty() ? nullptr : context.override_for(inner_name);
  Result<MapDefinition> inner_def = definition_of(context.kernel, *inner, inner_override);
  if (!inner_def.ok()) return std::move(inner_def).error();
  const MapDefinition def = *inner_def;
  MapCreateRequest request = request_for(context, *inner, def);
  if (request.name.empty()) request.name = kernel_object_name(outer.name + "_inner");
  if (is_map_in_map(inner->type)) {
    // A template that is itself a map-in-map would need its own template: not supported.
    return make_error(ErrorKind::Unsupported,
                      fmt::format("map '{}': its inner template '{}' is itself a map-in-map", outer.name,
                                  inner->name));
  }
  Result<Fd> created = create_with_btf_fallback(context.kernel, request);
  if (!created.ok())
    return map_error(created.error(), def)
        .with_context(fmt::format("create inner map template '{}' of map '{}'", inner->name, outer.name));
  owned = std::move(created).value();
  return owned.get();
}

/// Opens the map pinned at `path` and checks it matches `def`.
Result<Fd> open_reused_map(LoadContext& context, const MapSpec& spec, const MapDefinition& def,
                           const std::string& path) {
  Result<Fd> opened = context.kernel.obj_get(path);
  if (!opened.ok()) return opened.error().with_context(fmt::format("map '{}': open pinned map at {}", spec.name, path));
  Fd fd = std::move(opened).value();
  Result<MapInfo> info = context.kernel.map_info(fd.get());
  if (!info.ok()) return info.error().with_context(fmt::format("map '{}': inspect pinned map at {}", spec.name, path));
  const MapDefinition pinned{info->type, info->key_size, info->value_size, info->max_entries, info->flags};
  // BPF_F_NUMA_NODE-style creation-only flags are reported back as given, so compare all.
  if (pinned.type != def.type || pinned.key_size != def.key_size || pinned.value_size != def.value_size ||
      pinned.max_entries != def.max_entries || pinned.flags != def.flags) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': pinned map at {}: {}; object wants: {} (remove the pin or "
                                  "fix the object to reuse it)",
                                  spec.name, path, describe(pinned), describe(def)));
  }
  if (info->map_extra != spec.map_extra)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': pinned map at {} has map_extra {:#x}; object wants {:#x} (remove the "
                                  "pin or fix the object to reuse it)",
                                  spec.name, path, info->map_extra, spec.map_extra));
  return fd;
}

Status load_one_map(LoadContext& context, size_t index) {
  const MapSpec& spec = context.spec.maps[index];
  const MapOverride* override = context.override_for(spec.name);
  Result<MapDefinition> definition = definition_of(context.kernel, spec, override);
  if (!definition.ok()) return std::move(definition).error();
  const MapDefinition def = *definition;
  MapResult& result = context.report.maps[index];
  result.name = spec.name;
  result.type = def.type;

  Pinning pinning = override != nullptr && override->pinning ? *override->pinning : spec.pinning;
  if (!context.options.pin) pinning = Pinning::None;
  Result<std::optional<std::string>> pin_path = map_pin_path(spec.name, pinning, context.options);
  if (!pin_path.ok()) return std::move(pin_path).error();
  if (*pin_path) context.map_pin_paths[index] = **pin_path;
  result.pin_path = context.map_pin_paths[index];

  std::string reuse_path;
  if (context.options.pin && override != nullptr && override->reuse_path) {
    reuse_path = *override->reuse_path;
    Result<bool> exists = path_exists(context.kernel, reuse_path);
    if (!exists.ok()) return std::move(exists).error().with_context(fmt::format("map '{}': reuse path", spec.name));
    if (!*exists)
      return make_error(ErrorKind::NotFound,
                        fmt::format("map '{}': reuse path {} does not exist", spec.name, reuse_path), ENOENT);
  } else if (*pin_path) {
    Result<bool> exists = path_exists(context.kernel, **pin_path);
    if (!exists.ok()) return std::move(exists).error().with_context(fmt::format("map '{}': pin path", spec.name));
    if (*exists) reuse_path = **pin_path;
  }

  if (!reuse_path.empty()) {
    Result<Fd> reused = open_reused_map(context, spec, def, reuse_path);
    if (!reused.ok()) return std::move(reused).error();
    context.map_fds[index] = std::move(reused).value();
    context.map_reused[index] = true;
    context.map_found_at[index] = reuse_path;
    result.reused = true;
    if (result.pin_path.empty()) result.pin_path = reuse_path;
  } else {
    MapCreateRequest request = request_for(context, spec, def);
    if (spec.struct_ops) {
      // The kernel's struct decides the value: its size and BTF type come from vmlinux.
      if (context.target_btf == nullptr)
        return make_error(ErrorKind::NotFound,
                          fmt::format("struct_ops map '{}' ({}) needs the kernel's BTF, which could not be read: {}",
                                      spec.name, spec.struct_ops->type_name, context.target_btf_error));
      auto layout = struct_ops_kernel_layout(spec.struct_ops->type_name, *context.target_btf);
      if (!layout) return layout.error().with_context(fmt::format("map '{}'", spec.name));
      request.value_size = layout->value_size;
      request.btf_vmlinux_value_type_id = layout->value_btf_id;
      if (context.btf_fd.valid()) request.btf_fd = context.btf_fd.get();
      context.struct_ops_layouts[index] = std::move(*layout);
    }
    Fd template_owned;
    if (is_map_in_map(def.type)) {
      Result<int> inner_fd = inner_template(context, index, template_owned);
      if (!inner_fd.ok()) return std::move(inner_fd).error();
      request.inner_map_fd = *inner_fd;
    }
    Result<Fd> created = create_with_btf_fallback(context.kernel, request);
    if (!created.ok())
      return map_error(created.error(), def)
          .with_context(fmt::format("create map '{}' ({})", spec.name, describe(def)));
    context.map_fds[index] = std::move(created).value();
    // The pin the object asks for is made now, not with the others: another loader of
    // the same object (two `bpfload tc` at once) may pin it between our look and our
    // pin, and then its map is the one to share, as if it had been there first.
    if (*pin_path) {
      Status pinned = context.journal.pin(context.map_fds[index].get(), **pin_path);
      if (!pinned.ok() && pinned.error().sys_errno != EEXIST)
        return pinned.error().with_context(fmt::format("map '{}'", spec.name));
      if (!pinned.ok()) {
        Result<Fd> theirs = open_reused_map(context, spec, def, **pin_path);
        if (!theirs.ok()) return std::move(theirs).error();
        context.map_fds[index] = std::move(theirs).value();
        context.map_reused[index] = true;
        result.reused = true;
      }
      context.map_found_at[index] = **pin_path;  // pinned: pin_objects has nothing left to do for it
    }
  }

  if (!context.options.query_info && !result.reused) return {};
  Result<MapInfo> info = context.kernel.map_info(context.map_fds[index].get());
  if (!info.ok()) return info.error().with_context(fmt::format("map '{}': read its info", spec.name));
  result.id = info->id;
  return {};
}

std::string unique_data_name(const std::string& section, const std::set<std::string>& taken) {
  std::string base = kernel_object_name(data_section_file_name(section));
  if (base.empty()) base = "data";
  if (!taken.contains(base)) return base;
  for (unsigned n = 1;; ++n) {
    const std::string suffix = fmt::format("_{}", n);
    const std::string candidate = base.substr(0, std::min(base.size(), size_t{15} - suffix.size())) + suffix;
    if (!taken.contains(candidate)) return candidate;
  }
}

bool all_zero(const std::vector<std::byte>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

Status load_data_section(LoadContext& context, size_t index, std::set<std::string>& taken) {
  const DataSectionSpec& section = context.spec.data_sections[index];
  MapResult& result = context.report.maps[context.spec.maps.size() + index];
  result.name = section.name;
  result.type = BPF_MAP_TYPE_ARRAY;
  result.is_data_section = true;
  context.data_names[index] = unique_data_name(section.name, taken);
  taken.insert(context.data_names[index]);
  // An empty section has no storage to point at; nothing can be relocated to it.
  if (section.size() == 0) return {};

  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = context.data_names[index];
  request.key_size = 4;
  request.value_size = static_cast<uint32_t>(section.size());
  request.max_entries = 1;
  // As libbpf: mmapable so user space can map it; .rodata read-only for programs.
  request.flags = uint32_t{BPF_F_MMAPABLE} | (section.readonly ? uint32_t{BPF_F_RDONLY_PROG} : 0u);
  if (context.btf_fd.valid() && section.btf_type_id != 0) {
    request.btf_fd = context.btf_fd.get();
    request.btf_value_type_id = section.btf_type_id;
  }
  const MapDefinition def{request.type, request.key_size, request.value_size, 1, request.flags};
  const std::string what = fmt::format("global data section '{}'", section.name);
  Result<Fd> created = create_with_btf_fallback(context.kernel, request);
  if (!created.ok()) return map_error(created.error(), def).with_context(fmt::format("create map for {}", what));
  context.data_fds[index] = std::move(created).value();
  const int fd = context.data_fds[index].get();

  if (!section.bytes.empty() && !all_zero(section.bytes)) {
    const uint32_t zero = 0;
    Status written = context.kernel.map_update(fd, std::as_bytes(std::span(&zero, 1)), section.bytes, BPF_ANY);
    if (!written.ok()) return written.error().with_context(fmt::format("{}: write initial value", what));
  }
  if (section.readonly) {
    Status frozen = context.kernel.map_freeze(fd);
    if (!frozen.ok()) return frozen.error().with_context(fmt::format("{}: freeze", what));
  }
  if (!context.options.query_info) return {};
  Result<MapInfo> info = context.kernel.map_info(fd);
  if (!info.ok()) return info.error().with_context(fmt::format("{}: read its info", what));
  result.id = info->id;
  return {};
}

constexpr uint32_t kMapTypeArena = 33;  // BPF_MAP_TYPE_ARENA, 6.9 (also in map_definition.cpp)

/// Arena globals (`.addr_space.1`) go at the end of the arena's user mapping, as libbpf
/// puts them: offset = arena size - their size rounded up to pages. Their initial bytes,
/// when not all zero, are written there through a mapping of the map.
Status place_arena_data(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  if (spec.arena_data_size == 0) return {};
  std::optional<size_t> arena;
  for (size_t m = 0; m < spec.maps.size(); ++m)
    if (spec.maps[m].type == kMapTypeArena) arena = m;
  if (!arena) return {};  // no program refers to them (the decoder checks those that do)
  const MapSpec& map = spec.maps[*arena];
  Result<MapDefinition> def = definition_of(context.kernel, map, context.override_for(map.name));
  if (!def.ok()) return std::move(def).error();
  const uint64_t page = context.kernel.page_size();
  const uint64_t arena_bytes = uint64_t{def->max_entries} * page;
  const uint64_t data_bytes = (spec.arena_data_size + page - 1) / page * page;
  if (data_bytes > arena_bytes || arena_bytes > UINT32_MAX)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("arena map '{}' ({} pages) cannot hold the object's {} bytes of arena globals "
                                  "(.addr_space.1){}",
                                  map.name, def->max_entries, spec.arena_data_size,
                                  arena_bytes > UINT32_MAX ? " within 4 GiB" : "; give it more pages"));
  context.arena_data_offset = arena_bytes - data_bytes;
  if (spec.arena_data.empty() || context.map_reused[*arena]) return {};
  Status written = context.kernel.map_write_value_bytes(context.map_fds[*arena].get(),
                                                        static_cast<uint32_t>(arena_bytes), context.arena_data_offset,
                                                        spec.arena_data);
  if (!written.ok())
    return written.error().with_context(fmt::format("arena map '{}': write the initial arena globals", map.name));
  return {};
}

}  // namespace

Status fill_struct_ops_maps(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  for (size_t m = 0; m < spec.maps.size(); ++m) {
    const MapSpec& map = spec.maps[m];
    if (!map.struct_ops || m >= context.struct_ops_layouts.size() || !context.struct_ops_layouts[m]) continue;
    bool all_loaded = true;
    for (const StructOpsMember& member : map.struct_ops->members) {
      if (member.program.empty()) continue;
      const auto program = spec.find_program(member.program);
      if (!program || !context.prog_fds[*program].valid()) all_loaded = false;
    }
    if (!all_loaded) {
      context.report.warnings.push_back(fmt::format(
          "struct_ops map '{}' ({}) left empty: not all its programs were loaded", map.name, map.struct_ops->type_name));
      continue;
    }
    if (!map.struct_ops->link && !context.options.register_struct_ops) continue;
    auto value = struct_ops_value(map, *context.struct_ops_layouts[m], [&](const std::string& name) {
      const auto program = spec.find_program(name);
      return program ? context.prog_fds[*program].get() : -1;
    });
    if (!value) return std::move(value).error();
    const uint32_t zero = 0;
    Status written = context.kernel.map_update(context.map_fds[m].get(), std::as_bytes(std::span(&zero, 1)), *value,
                                               BPF_ANY);
    if (!written.ok())
      return written.error().with_context(fmt::format("struct_ops map '{}' ({}): {}", map.name,
                                                      map.struct_ops->type_name,
                                                      map.struct_ops->link ? "write its value" : "register it"));
    if (!map.struct_ops->link) context.struct_ops_registered.push_back(context.map_fds[m].get());
  }
  return {};
}

void unregister_struct_ops_maps(LoadContext& context) {
  const uint32_t zero = 0;
  for (const int fd : context.struct_ops_registered)
    (void)context.kernel.map_delete(fd, std::as_bytes(std::span(&zero, 1)));
  context.struct_ops_registered.clear();
}

Status load_maps(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  context.map_fds.resize(spec.maps.size());
  context.map_reused.assign(spec.maps.size(), false);
  context.map_pin_paths.assign(spec.maps.size(), {});
  context.map_found_at.assign(spec.maps.size(), {});
  context.struct_ops_layouts.assign(spec.maps.size(), std::nullopt);
  context.data_fds.resize(spec.data_sections.size());
  context.data_names.assign(spec.data_sections.size(), {});
  context.report.maps.assign(spec.maps.size() + spec.data_sections.size(), MapResult{});

  // Every pin path is checked before the first map exists: a map is pinned as soon as it
  // is made (load_one_map), so a bad path found later would leave earlier pins behind.
  for (const MapSpec& map : spec.maps) {
    const MapOverride* override = context.override_for(map.name);
    const Pinning pinning = !context.options.pin ? Pinning::None
                            : override != nullptr && override->pinning ? *override->pinning
                                                                       : map.pinning;
    Result<std::optional<std::string>> pin_path = map_pin_path(map.name, pinning, context.options);
    if (!pin_path.ok()) return std::move(pin_path).error();
  }

  // Templates that are maps of the object are created before the maps that use them,
  // so the outer map takes the object's own map as its template.
  std::vector<size_t> order;
  for (size_t i = 0; i < spec.maps.size(); ++i)
    if (!is_map_in_map(spec.maps[i].type)) order.push_back(i);
  for (size_t i = 0; i < spec.maps.size(); ++i)
    if (is_map_in_map(spec.maps[i].type)) order.push_back(i);
  for (const size_t i : order) BPFLOAD_TRY(load_one_map(context, i));

  std::set<std::string> taken;
  for (size_t i = 0; i < spec.data_sections.size(); ++i) BPFLOAD_TRY(load_data_section(context, i, taken));
  return place_arena_data(context);
}

}  // namespace bpfload
