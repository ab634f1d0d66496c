// Per-map options, the load, and what the load says about each program.
#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "bpfload/constants.hpp"
#include "capi_object.hpp"

using bpfload::ErrorKind;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;

namespace {

/// The override entry of `map`, after checking the object is still unloaded and has it.
bpfload::Result<bpfload::MapOverride*> map_override(bpfload_object& object, const char* function, const char* map) {
  if (map == nullptr) return null_argument(function, "map");
  if (object.load_attempted)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: map '{}': the object was already loaded; set options before "
                                  "bpfload_object_load",
                                  function, map));
  if (!object.spec.find_map(map))
    return make_error(ErrorKind::NotFound, fmt::format("{}: no map named '{}' in the object", function, map));
  return &object.map_overrides[map];
}

bpfload::Result<bpfload::Pinning> pinning_of(bpfload_pinning pinning) {
  switch (pinning) {
    case BPFLOAD_PIN_NONE: return bpfload::Pinning::None;
    case BPFLOAD_PIN_OBJECT_NS: return bpfload::Pinning::ObjectNs;
    case BPFLOAD_PIN_GLOBAL_NS: return bpfload::Pinning::GlobalNs;
    case BPFLOAD_PIN_BY_NAME: return bpfload::Pinning::ByName;
    case BPFLOAD_PIN_RANGE_: break;  // only there to give the enum an int's range
  }
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("unknown pinning {}: use a BPFLOAD_PIN_* value", static_cast<int>(pinning)));
}

bool needs_object_id(const bpfload_object& object) {
  for (const bpfload::MapSpec& map : object.spec.maps) {
    const auto found = object.map_overrides.find(map.name);
    const bool overridden = found != object.map_overrides.end() && found->second.pinning.has_value();
    if ((overridden ? *found->second.pinning : map.pinning) == bpfload::Pinning::ObjectNs) return true;
  }
  return false;
}

bpfload::Result<bpfload::LoadOptions> load_options_of(const bpfload_object& object, const bpfload_load_opts* opts) {
  bpfload::LoadOptions options;
  options.maps = object.map_overrides;
  options.kernel = object.kernel;
  if (opts != nullptr) {
    BPFLOAD_TRY(bpfload::capi::check_opts_size("bpfload_object_load", opts, opts->sz, sizeof(bpfload_load_opts),
                                               sizeof(bpfload_load_opts)));
    if (opts->pin_root != nullptr) options.pin_root = opts->pin_root;
    if (opts->pin_dir != nullptr) options.pin_dir = opts->pin_dir;
    if (opts->object_id != nullptr) options.object_id = opts->object_id;
    options.log_level = opts->log_level;
    options.keep_going = opts->keep_going != 0;
    options.require_bpffs = opts->no_bpffs_check == 0;
    options.parallelism = opts->parallelism;
  }
  if (!object.autoload.empty()) {
    // LoadOptions::only_programs names every program to load: the section's choice,
    // changed where the caller chose.
    for (const bpfload::ProgramSpec& program : object.spec.programs) {
      const auto chosen = object.autoload.find(program.name);
      if (chosen != object.autoload.end() ? chosen->second : program.autoload) options.only_programs.push_back(program.name);
    }
    if (options.only_programs.empty())
      return make_error(ErrorKind::InvalidArgument,
                        "bpfload_object_load: bpfload_object_set_program_autoload left no program to load");
  }
  if (options.object_id.empty() && needs_object_id(object)) {
    auto id = bpfload::object_id_for(object.bytes);
    if (!id) return std::move(id).error();
    options.object_id = std::move(id).value();
  }
  return options;
}

/// Copies the first `size` bytes of `full` into `out`, whose own sz says how much room it has.
template <typename Struct>
void fill_sized(Struct* out, const Struct& full) {
  const size_t room = std::min(out->sz, sizeof(Struct));
  const size_t caller_sz = out->sz;
  std::memcpy(out, &full, room);
  out->sz = caller_sz;
}

}  // namespace

extern "C" {

bpfload_status bpfload_object_set_map_max_entries(bpfload_object* object, const char* map, uint32_t max_entries) {
  return call_on_object(object, "bpfload_object_set_map_max_entries", [&]() -> Status {
    auto entry = map_override(*object, "bpfload_object_set_map_max_entries", map);
    if (!entry) return std::move(entry).error();
    if (max_entries == 0)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_object_set_map_max_entries: map '{}': max_entries must not be 0", map));
    (*entry)->max_entries = max_entries;
    return {};
  });
}

bpfload_status bpfload_object_set_map_value_size(bpfload_object* object, const char* map, uint32_t value_size) {
  return call_on_object(object, "bpfload_object_set_map_value_size", [&]() -> Status {
    auto entry = map_override(*object, "bpfload_object_set_map_value_size", map);
    if (!entry) return std::move(entry).error();
    if (value_size == 0)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_object_set_map_value_size: map '{}': value_size must not be 0", map));
    (*entry)->value_size = value_size;
    return {};
  });
}

bpfload_status bpfload_object_set_program_autoload(bpfload_object* object, const char* program, int autoload) {
  return call_on_object(object, "bpfload_object_set_program_autoload", [&]() -> Status {
    if (program == nullptr) return null_argument("bpfload_object_set_program_autoload", "program");
    if (object->load_attempted)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_object_set_program_autoload: program '{}': the object was already "
                                    "loaded; choose programs before bpfload_object_load",
                                    program));
    if (!object->spec.find_program(program))
      return make_error(ErrorKind::NotFound,
                        fmt::format("bpfload_object_set_program_autoload: no program named '{}' in the object", program));
    object->autoload[program] = autoload != 0;
    return {};
  });
}

bpfload_status bpfload_object_set_map_pinning(bpfload_object* object, const char* map, bpfload_pinning pinning) {
  return call_on_object(object, "bpfload_object_set_map_pinning", [&]() -> Status {
    auto entry = map_override(*object, "bpfload_object_set_map_pinning", map);
    if (!entry) return std::move(entry).error();
    auto converted = pinning_of(pinning);
    if (!converted) return std::move(converted).error().with_context(fmt::format("map '{}'", map));
    (*entry)->pinning = *converted;
    return {};
  });
}

bpfload_status bpfload_object_set_constant(bpfload_object* object, const char* name, const char* value) {
  return call_on_object(object, "bpfload_object_set_constant", [&]() -> Status {
    if (name == nullptr) return null_argument("bpfload_object_set_constant", "name");
    if (value == nullptr) return null_argument("bpfload_object_set_constant", "value");
    if (object->load_attempted)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_object_set_constant: constant '{}': the object was already loaded; "
                                    "set constants before bpfload_object_load",
                                    name));
    Status set = bpfload::set_constant(object->spec, name, value);
    if (!set.ok()) return set.error().with_context("bpfload_object_set_constant");
    return {};
  });
}

bpfload_status bpfload_object_reuse_map(bpfload_object* object, const char* map, const char* pin_path) {
  return call_on_object(object, "bpfload_object_reuse_map", [&]() -> Status {
    auto entry = map_override(*object, "bpfload_object_reuse_map", map);
    if (!entry) return std::move(entry).error();
    if (pin_path == nullptr) return null_argument("bpfload_object_reuse_map", "pin_path");
    (*entry)->reuse_path = pin_path;
    return {};
  });
}

bpfload_status bpfload_object_load(bpfload_object* object, const bpfload_load_opts* opts) {
  return call_on_object(object, "bpfload_object_load", [&]() -> Status {
    if (object->load_attempted)
      return make_error(ErrorKind::InvalidArgument,
                        "bpfload_object_load: the object was already loaded; open it again to load another copy");
    auto options = load_options_of(*object, opts);
    if (!options) return std::move(options).error();
    object->load_attempted = true;
    auto loaded = bpfload::load_object(object->spec, *options, &object->report);
    if (!loaded) return std::move(loaded).error();
    object->loaded.emplace(std::move(loaded).value());
    return {};
  });
}

size_t bpfload_object_program_count(const bpfload_object* object) {
  if (object == nullptr) return 0;
  return object->load_attempted ? object->report.programs.size() : object->spec.programs.size();
}

bpfload_status bpfload_object_program_result(bpfload_object* object, size_t index, bpfload_program_result* result) {
  return call_on_object(object, "bpfload_object_program_result", [&]() -> Status {
    if (result == nullptr) return null_argument("bpfload_object_program_result", "result");
    if (result->sz == 0)
      return make_error(ErrorKind::InvalidArgument,
                        "bpfload_object_program_result: result->sz is 0; set it to sizeof(bpfload_program_result)");
    const size_t count = bpfload_object_program_count(object);
    if (index >= count)
      return make_error(ErrorKind::NotFound, fmt::format("bpfload_object_program_result: program index {} is out "
                                                         "of range (the object has {} programs)",
                                                         index, count));
    bpfload_program_result full{};
    full.sz = sizeof(full);
    if (!object->load_attempted) {
      const bpfload::ProgramSpec& program = object->spec.programs[index];
      full.name = program.name.c_str();
      full.section = program.section.c_str();
      full.type = program.type;
      full.error = full.verifier_log = full.pin_path = "";
    } else {
      const bpfload::ProgramResult& program = object->report.programs[index];
      full.name = program.name.c_str();
      full.section = program.section.c_str();
      full.type = program.type;
      full.loaded = program.loaded ? 1 : 0;
      full.id = program.id;
      full.sys_errno = program.sys_errno;
      full.error = program.error.c_str();
      full.verifier_log = program.verifier_log.c_str();
      full.pin_path = program.pin_path.c_str();
      full.insns_processed = program.stats.insns_processed;
    }
    fill_sized(result, full);
    return {};
  });
}

}  // extern "C"
