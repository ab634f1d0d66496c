// `bpfload map create|dump|lookup|update|delete PATH`: pinned maps from the shell.
#include <cerrno>
#include <charconv>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <optional>
#include <vector>

#include <linux/bpf.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bpfload/kernel.hpp"
#include "bpfload/kernel_btf.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "map_btf.hpp"
#include "map_bytes.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

enum class MapAction { Create, Dump, Lookup, Update, Delete };

struct MapVerbOptions {
  MapAction action = MapAction::Dump;
  /// PATH, or `id N` (a map by its kernel id, as bpftool takes it).
  std::vector<std::string> target;
  std::string path;                ///< the pin path, or "map id N": what messages name
  std::optional<uint32_t> map_id;  ///< set for `id N`
  // create
  std::string type;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  std::string flags = "0";
  std::string name;
  // lookup, update, delete
  std::string key;
  std::string value;
  uint64_t update_flags = BPF_ANY;
  bool json = false;
};

/// An opened pinned map and what the kernel says about it.
struct OpenMap {
  Fd fd;
  MapInfo info;
  unsigned cpus = 1;  ///< value copies per lookup: the possible CPUs for per-CPU maps, else 1
  size_t value_stride = 0;  ///< bytes per copy (per-CPU values are 8-byte aligned)
  BtfPtr btf;               ///< the map's BTF, when it has some and it can be read
};

uint32_t key_type(const OpenMap& map) { return map.btf ? map.info.btf_key_type_id : 0; }
uint32_t value_type(const OpenMap& map) { return map.btf ? map.info.btf_value_type_id : 0; }


Result<OpenMap> open_map(Kernel& kernel, const MapVerbOptions& options) {
  const std::string& path = options.path;
  auto fd = options.map_id ? kernel.map_by_id(*options.map_id) : kernel.obj_get(path);
  if (!fd) return fd.error().with_context(options.map_id ? fmt::format("open {}", path)
                                                         : fmt::format("open pinned map {}", path));
  auto info = kernel.map_info(fd->get());
  if (!info) {
    // "the object is a program, not a map" already says what it is.
    Error error = info.error().with_context(info.error().kind == ErrorKind::InvalidArgument
                                                ? path
                                                : fmt::format("{} is not a map", path));
    error.kind = ErrorKind::InvalidArgument;
    return error;
  }
  OpenMap map{std::move(*fd), *info, 1, info->value_size, nullptr};
  // Without its BTF a map still dumps, as bytes: the formatted view is a bonus.
  if (info->btf_id != 0) {
    if (auto btf = kernel.kernel_btf(info->btf_id); btf.ok()) map.btf = std::move(btf).value();
  }
  if (is_per_cpu_map(info->type)) {
    auto cpus = kernel.possible_cpus();
    if (!cpus) return std::move(cpus).error();
    map.cpus = *cpus;
    map.value_stride = (info->value_size + 7) / 8 * 8;
  }
  return map;
}

Json bytes_json(std::span<const std::byte> bytes) {
  Json list = Json::array();
  for (std::byte byte : bytes) list.push_back(static_cast<unsigned>(byte));
  return list;
}

std::string bytes_text(std::span<const std::byte> bytes) {
  std::string text = hex_bytes(bytes);
  if (auto negative = negative_integer_of(bytes)) {
    return fmt::format("{} ({} = {})", text, *integer_of(bytes), *negative);
  }
  if (auto value = integer_of(bytes)) return fmt::format("{} ({})", text, *value);
  return text;
}

void add_bytes(Json& object, std::string_view field, std::span<const std::byte> bytes) {
  object[std::string(field)] = bytes_json(bytes);
  auto value = integer_of(bytes);
  object[std::string(field) + "_int"] = value ? Json(*value) : Json(nullptr);
}

// The key or value shaped by the map's BTF (bpftool's "formatted"), null without BTF.
Json typed_json(const OpenMap& map, uint32_t type_id, std::span<const std::byte> bytes) {
  if (type_id == 0) return Json(nullptr);
  return btf_to_json(map.btf.get(), type_id, bytes);
}

std::span<const std::byte> cpu_value(const OpenMap& map, std::span<const std::byte> value, unsigned cpu) {
  return value.subspan(cpu * map.value_stride, map.info.value_size);
}

Json entry_json(const OpenMap& map, std::span<const std::byte> key, std::span<const std::byte> value) {
  Json entry;
  add_bytes(entry, "key", key);
  const bool typed = key_type(map) != 0 || value_type(map) != 0;
  if (map.cpus == 1 && !is_per_cpu_map(map.info.type)) {
    add_bytes(entry, "value", value);
    if (typed) entry["formatted"] = Json{{"key", typed_json(map, key_type(map), key)},
                                         {"value", typed_json(map, value_type(map), value)}};
    return entry;
  }
  Json values = Json::array();
  Json formatted_values = Json::array();
  for (unsigned cpu = 0; cpu < map.cpus; ++cpu) {
    Json per_cpu{{"cpu", cpu}};
    add_bytes(per_cpu, "value", cpu_value(map, value, cpu));
    values.push_back(per_cpu);
    formatted_values.push_back(Json{{"cpu", cpu}, {"value", typed_json(map, value_type(map), cpu_value(map, value, cpu))}});
  }
  entry["values"] = values;
  if (typed) entry["formatted"] = Json{{"key", typed_json(map, key_type(map), key)}, {"values", formatted_values}};
  return entry;
}

// With BTF, a key or value prints as bpftool shows it ({"packets":5,"bytes":255});
// without, as bytes and the integer they hold.
std::string shown(const OpenMap& map, uint32_t type_id, std::span<const std::byte> bytes) {
  if (type_id == 0) return bytes_text(bytes);
  return btf_to_json(map.btf.get(), type_id, bytes).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void print_entry_text(const OpenMap& map, std::span<const std::byte> key, std::span<const std::byte> value) {
  fmt::print("key: {}\n", shown(map, key_type(map), key));
  if (!is_per_cpu_map(map.info.type)) {
    fmt::print("value: {}\n", shown(map, value_type(map), value));
    return;
  }
  for (unsigned cpu = 0; cpu < map.cpus; ++cpu)
    fmt::print("value (cpu {}): {}\n", cpu, shown(map, value_type(map), cpu_value(map, value, cpu)));
}

// --key / --value: the byte forms first (an integer, hex:..., hex bytes); then, when the
// map has BTF for this side, JSON of that type ({"packets":1}, [1,2], "RUNNING" or a
// bare enum name).
Result<std::vector<std::byte>> encode_typed(const OpenMap& map, std::string_view text, size_t size,
                                            uint32_t type_id, std::string_view what) {
  const bool looks_json = !text.empty() && (text[0] == '{' || text[0] == '[' || text[0] == '"');
  if (type_id == 0) return encode_map_bytes(text, size, what);
  const std::string type_name = btf_type_name(map.btf.get(), type_id);
  const std::string example = btf_example(map.btf.get(), type_id);
  if (!looks_json) {
    auto bytes = encode_map_bytes(text, size, what);
    if (bytes) return bytes;
    // A bare word may be an enum member; otherwise the byte form's error, plus the typed form.
    auto named = btf_from_json(map.btf.get(), type_id, size, nlohmann::json(std::string(text)), what);
    if (named) return named;
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}; or JSON of the map's {} type {}, e.g. '{}'", bytes.error().message, what,
                                  type_name, example));
  }
  const nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} '{}' is not valid JSON (the map's {} type is {}; for example '{}')", what, text,
                                  what, type_name, example));
  return btf_from_json(map.btf.get(), type_id, size, value, what);
}

Json map_header_json(const MapVerbOptions& options, const MapInfo& info) {
  // A map opened by id has no path: its id is in the header anyway.
  return Json{{"path", options.map_id ? Json(nullptr) : Json(options.path)},
              {"name", info.name},
              {"type", map_type_name(info.type)},
              {"type_id", info.type},
              {"id", info.id},
              {"key_size", info.key_size},
              {"value_size", info.value_size},
              {"max_entries", info.max_entries},
              {"flags", info.flags}};
}

Status require_keys(const OpenMap& map) {
  if (map.info.key_size != 0) return {};
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("{} maps have no keys; bpfload map does not handle them",
                                map_type_name(map.info.type)));
}

// Kernel-side failures of map operations are refusals (1); the rest is usage (2).
int fail(const Error& error, bool json) {
  return report_error(error, json);
}

// Failing to open the pin is like failing to read an object file: the user's input.
int fail_open(const Error& error, bool json) {
  return report_error(to_string(error.kind), error.message, error.sys_errno, json, kExitUsage);
}

// A pinned key/value map opened for the key given with --key.
struct KeyedMap {
  OpenMap map;
  std::vector<std::byte> key;
};

// The preamble of lookup, update and delete: open the pinned map and encode --key.
// On failure the error is already reported and the exit code is returned instead.
std::variant<KeyedMap, int> open_keyed_map(Kernel& kernel, const MapVerbOptions& options) {
  auto map = open_map(kernel, options);
  if (!map) return fail_open(map.error(), options.json);
  if (auto keys = require_keys(*map); !keys) return report_error(keys.error(), options.json);
  auto key = encode_typed(*map, options.key, map->info.key_size, key_type(*map), "key");
  if (!key) return report_error(key.error(), options.json);
  return KeyedMap{std::move(*map), std::move(*key)};
}

std::string kernel_map_name(const MapVerbOptions& options) {
  if (!options.name.empty()) return kernel_object_name(options.name);
  const size_t slash = options.path.find_last_of('/');
  return kernel_object_name(slash == std::string::npos ? options.path : options.path.substr(slash + 1));
}

int run_create(const MapVerbOptions& options) {
  Kernel& kernel = system_kernel();
  auto type = map_type_from_name(options.type);
  if (!type) return report_error(type.error().with_context("--type"), options.json);
  if (*type == BPF_MAP_TYPE_ARRAY_OF_MAPS || *type == BPF_MAP_TYPE_HASH_OF_MAPS)
    return report_error("invalid_argument",
                        fmt::format("{} maps need an inner map template; create them by loading an object",
                                    options.type),
                        0, options.json, kExitUsage);
  auto flags = parse_unsigned(options.flags, UINT32_MAX, "--flags");
  if (!flags) return report_error(flags.error(), options.json);
  if (!options.name.empty() && options.name.size() >= BPF_OBJ_NAME_LEN)
    return report_error("invalid_argument",
                        fmt::format("--name '{}' is longer than {} characters", options.name, BPF_OBJ_NAME_LEN - 1),
                        0, options.json, kExitUsage);
  MapCreateRequest request;
  request.type = *type;
  request.name = kernel_map_name(options);
  request.key_size = options.key_size;
  request.value_size = options.value_size;
  request.max_entries = options.max_entries;
  request.flags = static_cast<uint32_t>(*flags);
  auto fd = kernel.map_create(request);
  if (!fd) return fail(fd.error().with_context(fmt::format("create {} map '{}'", options.type, request.name)), options.json);
  if (auto pinned = kernel.obj_pin(fd->get(), options.path); !pinned)
    return fail(pinned.error().with_context(fmt::format("pin map at {}", options.path)), options.json);
  auto info = kernel.map_info(fd->get());
  if (!info) return fail(info.error(), options.json);
  if (options.json) {
    print_json(map_header_json(options, *info));
  } else {
    fmt::print("created {} map '{}' id {} (key {} value {} max_entries {} flags {:#x}), pinned at {}\n",
               map_type_name(info->type), info->name, info->id, info->key_size, info->value_size,
               info->max_entries, info->flags, options.path);
  }
  return kExitOk;
}

// Walks every entry of `map` in the kernel's key order, passing each to `visit`.
// Entries deleted while we walk, and empty prog-array / map-in-map slots, read as ENOENT
// and are skipped.
Status walk_entries(Kernel& kernel, const OpenMap& map,
                    const std::function<void(std::span<const std::byte>, std::span<const std::byte>)>& visit) {
  std::vector<std::byte> key;
  std::vector<std::byte> next(map.info.key_size);
  std::vector<std::byte> value(map.value_stride * map.cpus);
  for (;;) {
    auto more = kernel.map_next_key(map.fd.get(), key, next);
    if (!more) return std::move(more).error();
    if (!*more) return {};
    key = next;
    auto found = kernel.map_lookup(map.fd.get(), key, value);
    if (!found && found.error().sys_errno == ENOENT) continue;
    if (!found) return std::move(found).error();
    visit(key, value);
  }
}

int run_dump(const MapVerbOptions& options) {
  Kernel& kernel = system_kernel();
  auto map = open_map(kernel, options);
  if (!map) return fail_open(map.error(), options.json);
  if (auto keys = require_keys(*map); !keys) return report_error(keys.error(), options.json);

  if (!options.json) {
    size_t count = 0;
    Status walked = walk_entries(kernel, *map, [&](std::span<const std::byte> key, std::span<const std::byte> value) {
      ++count;
      print_entry_text(*map, key, value);
    });
    if (!walked) return fail(walked.error().with_context(fmt::format("dump {}", options.path)), false);
    fmt::print("{} entr{}\n", count, count == 1 ? "y" : "ies");
    return kExitOk;
  }
  // The entries are written as they are read, so a map of millions of entries never
  // becomes one document in memory. The first key is read before anything is written,
  // so a map that cannot be walked gets the usual error document; a failure after that
  // ends the array early and is reported on stderr with a failing exit code.
  std::vector<std::byte> first(map->info.key_size);
  if (auto more = kernel.map_next_key(map->fd.get(), {}, first); !more)
    return fail(more.error().with_context(fmt::format("dump {}", options.path)), true);
  Json doc = map_header_json(options, map->info);
  doc["entries"] = streamed_array_placeholder(0);
  Status walked;
  print_json_streaming(doc, "entries", 1, [&](size_t, const std::function<void(const Json&)>& emit) {
    walked = walk_entries(kernel, *map, [&](std::span<const std::byte> key, std::span<const std::byte> value) {
      emit(entry_json(*map, key, value));
    });
  });
  if (!walked) return fail(walked.error().with_context(fmt::format("dump {}", options.path)), false);
  return kExitOk;
}

int run_lookup(const MapVerbOptions& options) {
  Kernel& kernel = system_kernel();
  auto opened = open_keyed_map(kernel, options);
  if (const int* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto& [map, key] = std::get<KeyedMap>(opened);
  std::vector<std::byte> value(map.value_stride * map.cpus);
  auto found = kernel.map_lookup(map.fd.get(), key, value);
  if (!found)
    return fail(found.error().with_context(fmt::format("lookup key {} in {}", hex_bytes(key), options.path)),
                options.json);
  if (options.json) {
    print_json(entry_json(map, key, value));
  } else {
    print_entry_text(map, key, value);
  }
  return kExitOk;
}

int run_update(const MapVerbOptions& options) {
  Kernel& kernel = system_kernel();
  auto opened = open_keyed_map(kernel, options);
  if (const int* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto& [map, key] = std::get<KeyedMap>(opened);
  auto one_value = encode_typed(map, options.value, map.info.value_size, value_type(map), "value");
  if (!one_value) return report_error(one_value.error(), options.json);
  // A per-CPU map takes one value per CPU; the user's value goes to every CPU.
  std::vector<std::byte> value(map.value_stride * map.cpus);
  for (unsigned cpu = 0; cpu < map.cpus; ++cpu)
    std::memcpy(value.data() + cpu * map.value_stride, one_value->data(), one_value->size());
  auto updated = kernel.map_update(map.fd.get(), key, value, options.update_flags);
  if (!updated)
    return fail(updated.error().with_context(fmt::format("update key {} in {}", hex_bytes(key), options.path)),
                options.json);
  if (options.json) {
    Json doc{{"updated", true}};
    add_bytes(doc, "key", key);
    add_bytes(doc, "value", *one_value);
    print_json(doc);
  } else {
    fmt::print("updated key {} to {}\n", shown(map, key_type(map), key), shown(map, value_type(map), *one_value));
  }
  return kExitOk;
}

int run_delete(const MapVerbOptions& options) {
  Kernel& kernel = system_kernel();
  auto opened = open_keyed_map(kernel, options);
  if (const int* exit_code = std::get_if<int>(&opened)) return *exit_code;
  auto& [map, key] = std::get<KeyedMap>(opened);
  auto deleted = kernel.map_delete(map.fd.get(), key);
  if (!deleted)
    return fail(deleted.error().with_context(fmt::format("delete key {} in {}", hex_bytes(key), options.path)),
                options.json);
  if (options.json) {
    Json doc{{"deleted", true}};
    add_bytes(doc, "key", key);
    print_json(doc);
  } else {
    fmt::print("deleted key {}\n", bytes_text(key));
  }
  return kExitOk;
}

/// Resolves TARGET (PATH or `id N`) into path and map_id.
Status resolve_target(MapVerbOptions& options) {
  if (options.action == MapAction::Create) return {};
  if (options.target.size() == 1) {
    options.path = options.target.front();
    return {};
  }
  if (options.target.size() != 2 || options.target.front() != "id")
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("expected a pin path or `id N`, got '{}'", fmt::join(options.target, " ")));
  auto id = parse_unsigned(options.target[1], UINT32_MAX, "id");
  if (!id) return std::move(id).error();
  if (*id == 0) return make_error(ErrorKind::InvalidArgument, "id: map ids start at 1");
  options.map_id = static_cast<uint32_t>(*id);
  options.path = fmt::format("map id {}", *id);
  return {};
}

int run_map(MapVerbOptions& options) {
  if (Status resolved = resolve_target(options); !resolved)
    return report_error("invalid_argument", resolved.error().message, 0, options.json, kExitUsage);
  switch (options.action) {
    case MapAction::Create: return run_create(options);
    case MapAction::Dump: return run_dump(options);
    case MapAction::Lookup: return run_lookup(options);
    case MapAction::Update: return run_update(options);
    case MapAction::Delete: return run_delete(options);
  }
  return kExitUsage;
}

CLI::App* add_action(CLI::App& command, std::shared_ptr<MapVerbOptions> options, MapAction action,
                     const char* name, const char* help) {
  CLI::App* sub = command.add_subcommand(name, help);
  if (action == MapAction::Create)
    sub->add_option("PATH", options->path, "the map's pin path on bpffs")->required();
  else
    sub->add_option("TARGET", options->target, "the map's pin path on bpffs, or `id N` for the map with kernel id N")
        ->required()
        ->expected(1, 2);
  add_json_flags(*sub, options->json);
  sub->callback([options, action] { options->action = action; });
  return sub;
}

}  // namespace

VerbRunner setup_map(CLI::App& command) {
  auto options = std::make_shared<MapVerbOptions>();
  command.require_subcommand(1);

  CLI::App* create = add_action(command, options, MapAction::Create, "create", "create a map and pin it at PATH");
  create->add_option("--type", options->type, "map type as libbpf names it: array, hash, percpu_array, ...")
      ->required();
  number_option(create->add_option("--key-size", options->key_size, "key size in bytes"), UINT32_MAX)->required();
  number_option(create->add_option("--value-size", options->value_size, "value size in bytes"), UINT32_MAX)
      ->required();
  number_option(create->add_option("--max-entries", options->max_entries, "maximum number of entries"), UINT32_MAX)
      ->required();
  create->add_option("--flags", options->flags, "map_flags, decimal or 0x hex (e.g. 0x1 = BPF_F_NO_PREALLOC)")
      ->capture_default_str();
  create->add_option("--name", options->name, "kernel name of the map (default: PATH's last component)");

  add_action(command, options, MapAction::Dump, "dump", "print every entry (a value per CPU for per-CPU maps)");

  const char* key_help = "key: an integer (1234, -5, 0x4d2), hex:01000000, or \"01 00 00 00\"";
  CLI::App* lookup = add_action(command, options, MapAction::Lookup, "lookup", "print the value of one key");
  lookup->add_option("--key", options->key, key_help)->required();

  CLI::App* update = add_action(command, options, MapAction::Update, "update", "set the value of one key");
  update->add_option("--key", options->key, key_help)->required();
  update->add_option("--value", options->value, "value, in the same forms as --key")->required();
  auto* any = update->add_flag_callback("--any", [options] { options->update_flags = BPF_ANY; },
                                        "create or replace (default)");
  auto* noexist = update->add_flag_callback("--noexist", [options] { options->update_flags = BPF_NOEXIST; },
                                            "only create: fail if the key exists");
  auto* exist = update->add_flag_callback("--exist", [options] { options->update_flags = BPF_EXIST; },
                                          "only replace: fail if the key does not exist");
  any->excludes(noexist)->excludes(exist);
  noexist->excludes(exist);

  CLI::App* remove = add_action(command, options, MapAction::Delete, "delete", "delete one key");
  remove->add_option("--key", options->key, key_help)->required();

  return [options] { return run_map(*options); };
}

}  // namespace bpfload::cli
