// `bpfload inspect OBJ`: what an object declares, without touching the kernel.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "bpfload/object_file.hpp"
#include "bpfload/core_relocate.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "bpfload/spec.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct InspectOptions {
  ObjectOptions object;
  bool json = false;
};

std::string_view relocation_kind_name(Relocation::Kind kind) {
  switch (kind) {
    case Relocation::Kind::Map: return "map";
    case Relocation::Kind::Data: return "data";
    case Relocation::Kind::FuncAddr: return "func_addr";
    case Relocation::Kind::Call: return "call";
    case Relocation::Kind::Extern: return "extern";
    case Relocation::Kind::ModuleBtf: return "module_btf";
    case Relocation::Kind::Arena: return "arena";
  }
  return "unknown";
}

Json slot_json(const MapSlot& slot) {
  return Json{{"index", slot.index},
              {"kind", slot.kind == MapSlot::Kind::Map ? "map" : "program"},
              {"target", slot.target}};
}

// The inner template's name, or "(inline)" for a BTF definition with no map of its own.
Json inner_map_json(const MapSpec& map) {
  if (!map.inner_name.empty()) return map.inner_name;
  if (map.inner) return map.inner->name.empty() ? std::string("(inline)") : map.inner->name;
  return nullptr;
}

// Where the inner template came from: the definition named it ("declared"), or the
// samples inner_map_idx was 0, which an unset field also reads as ("default_index").
Json inner_map_source_json(const MapSpec& map) {
  if (!map.inner) return nullptr;
  if (map.inner_from_default_index) return "default_index";
  return map.inner_name.empty() ? "inline" : "declared";
}

// A struct_ops map: the kernel struct it implements and the program of each member.
Json struct_ops_json(const MapSpec& map) {
  if (!map.struct_ops) return nullptr;
  Json programs = Json::object();
  for (const StructOpsMember& member : map.struct_ops->members)
    if (!member.program.empty()) programs[member.name] = member.program;
  return Json{{"type", map.struct_ops->type_name}, {"link", map.struct_ops->link}, {"programs", programs}};
}

Json map_json(const MapSpec& map) {
  Json slots = Json::array();
  for (const MapSlot& slot : map.initial_slots) slots.push_back(slot_json(slot));
  Json inner_definition = nullptr;
  if (map.inner) {
    inner_definition = Json{{"type", map_type_name(map.inner->type)},
                            {"type_id", map.inner->type},
                            {"key_size", map.inner->key_size},
                            {"value_size", map.inner->value_size},
                            {"max_entries", map.inner->max_entries},
                            {"flags", map.inner->flags}};
  }
  return Json{{"name", map.name},
              {"type", map_type_name(map.type)},
              {"type_id", map.type},
              {"key_size", map.key_size},
              {"value_size", map.value_size},
              {"max_entries", map.max_entries},
              {"flags", map.flags},
              {"map_extra", map.map_extra},
              {"numa_node", map.numa_node ? Json(*map.numa_node) : Json(nullptr)},
              {"layout", to_string(map.layout)},
              {"layout_reason", map.layout_reason.empty() ? Json(nullptr) : Json(map.layout_reason)},
              {"struct_ops", struct_ops_json(map)},
              {"section", map.section},
              {"offset", map.offset},
              {"pinning", to_string(map.pinning)},
              {"inner_map", inner_map_json(map)},
              {"inner_map_definition", inner_definition},
              {"inner_map_source", inner_map_source_json(map)},
              {"iproute2_id", map.iproute2_id},
              {"initial_slots", slots}};
}

// One relocation of a program: of its entry function or of a subprogram it calls, which
// together are what the linker resolves for it.
Json relocation_json(const FunctionSpec& function, const Relocation& relocation) {
  return Json{{"kind", relocation_kind_name(relocation.kind)},
              {"function", function.name},
              {"insn", relocation.insn},
              {"symbol", relocation.symbol},
              {"offset", relocation.offset}};
}

// One CO-RE record of the same functions: what load relocates against the target BTF.
Json core_record_json(const FunctionSpec& function, const CoreRecord& record) {
  return Json{{"kind", core_kind_name(record.kind)},
              {"function", function.name},
              {"insn", record.insn},
              {"type_id", record.type_id},
              {"access", record.access.str()}};
}

Json relocation_counts_json(const ObjectSpec& spec, const std::vector<uint32_t>& functions) {
  std::map<std::string_view, unsigned> counts{{"map", 0}, {"data", 0}, {"call", 0}, {"func_addr", 0}, {"extern", 0}};
  for (uint32_t index : functions)
    for (const Relocation& relocation : spec.functions[index].relocations) ++counts[relocation_kind_name(relocation.kind)];
  return Json{{"map", counts["map"]},
              {"data", counts["data"]},
              {"call", counts["call"]},
              {"func_addr", counts["func_addr"]},
              {"extern", counts["extern"]}};
}

// What the loader would load: the program's layout (entry function first, then what it
// calls), the same one link computes for load and verify. A program whose relocations
// do not fit has no layout; it is still shown, from the spec's call graph.
// `functions` receives the program's functions, entry first. Relocations are a
// placeholder that the writers fill from the spec one at a time: a JSON value per
// relocation costs about a kilobyte, a gigabyte for a million of them.
Json program_json(const ObjectSpec& spec, const ProgramSpec& program,
                  const Result<std::shared_ptr<const ProgramLayout>>& layout, size_t program_index,
                  std::vector<uint32_t>& functions) {
  functions.clear();
  Json linked_insns = nullptr;
  if (layout.ok()) {
    functions = (*layout)->functions;
    linked_insns = (*layout)->insns.size();
  } else {
    functions.push_back(program.function);
    for (uint32_t called : called_functions(spec, program.function))
      if (called != program.function) functions.push_back(called);
  }
  Json subprograms = Json::array();
  for (uint32_t index : functions)
    if (index != program.function) subprograms.push_back(spec.functions[index].name);
  const bool has_attach_type = program.expected_attach_type != 0;
  return Json{
      {"name", program.name},
      {"section", program.section},
      {"type", program_type_name(program.type)},
      {"type_id", program.type},
      {"type_overridden", program.type_overridden},
      {"attach_type",
       has_attach_type ? Json(attach_type_name(program.expected_attach_type)) : Json(nullptr)},
      {"attach_type_id", program.expected_attach_type},
      {"attach_to", program.attach_to},
      {"prog_flags", program.prog_flags},
      {"insns", spec.functions[program.function].insns.size()},
      {"linked_insns", linked_insns},
      {"relocation_counts", relocation_counts_json(spec, functions)},
      {"relocations", streamed_array_placeholder(2 * program_index)},
      {"core_relocations", streamed_array_placeholder(2 * program_index + 1)},
      {"subprograms", subprograms},
      {"externs", externs_used_by(spec, program.function)},
      {"link_error", layout.ok() ? Json(nullptr) : Json(layout.error().message)}};
}

// Undefined symbols the code refers to, with the programs that cannot load because of them.
Json externs_json(const ObjectSpec& spec) {
  // Each program's externs are gathered once and indexed by name, so the document is
  // linear in the externs and their uses however many of either the object declares.
  std::unordered_map<std::string, std::vector<std::string_view>> users;
  for (const ProgramSpec& program : spec.programs) {
    for (std::string& name : externs_used_by(spec, program.function)) users[std::move(name)].push_back(program.name);
  }
  Json list = Json::array();
  for (const ExternSpec& declared : spec.externs) {
    Json used_by = Json::array();
    if (auto found = users.find(declared.name); found != users.end()) {
      for (std::string_view program : found->second) used_by.push_back(program);
    }
    list.push_back(Json{{"name", declared.name},
                        {"kind", declared.kind == ExternSpec::Kind::Function ? "function" : "variable"},
                        {"weak", declared.weak},
                        {"used_by", used_by}});
  }
  return list;
}

/// The inspect document; `program_functions` receives each program's functions (entry
/// first) for the text report, which lists relocations from the spec.
Json inspect_json(const std::string& path, const ObjectSpec& spec,
                  std::vector<std::vector<uint32_t>>& program_functions) {
  Json maps = Json::array();
  for (const MapSpec& map : spec.maps) maps.push_back(map_json(map));
  Json programs = Json::array();
  const ProgramLayouts layouts = lay_out_programs(spec);
  program_functions.assign(spec.programs.size(), {});
  for (size_t i = 0; i < spec.programs.size(); ++i)
    programs.push_back(program_json(spec, spec.programs[i], layouts[i], i, program_functions[i]));
  Json data = Json::array();
  for (const DataSectionSpec& section : spec.data_sections) {
    data.push_back(Json{{"name", section.name},
                        {"size", section.size()},
                        {"readonly", section.readonly}});
  }
  return Json{{"file", path},
              {"byte_order", spec.byte_order == ByteOrder::Big ? "big" : "little"},
              {"license", spec.license.empty() ? Json(nullptr) : Json(spec.license)},
              {"kern_version", spec.kern_version ? Json(*spec.kern_version) : Json(nullptr)},
              {"btf", spec.btf != nullptr},
              {"btf_size", spec.btf ? spec.btf->kernel_bytes().size() : 0},
              {"btf_ext", spec.has_btf_ext},
              {"maps", maps},
              {"programs", programs},
              {"data_sections", data},
              {"externs", externs_json(spec)}};
}

// Every string of the document comes from the object (names, sections, the license) or
// the user (the path): escaped for the terminal, as the JSON writer escapes it.
std::string text(const Json& value) { return escape_for_terminal(value.get<std::string>()); }

std::string slots_text(const Json& slots) {
  std::string out;
  for (const Json& slot : slots) {
    if (!out.empty()) out += ", ";
    out += fmt::format("[{}]={}", slot["index"].get<uint32_t>(), text(slot["target"]));
  }
  return out;
}

// The plain-text writer renders the same document the JSON writer prints, so the two
// can never disagree.
void print_inspect_text(const Json& doc, const ObjectSpec& spec,
                        const std::vector<std::vector<uint32_t>>& program_functions) {
  const Json& license = doc["license"];
  const Json& version = doc["kern_version"];
  fmt::print("{}: {} endian, license {}, kernel version {}, BTF {}{}\n",
             text(doc["file"]), text(doc["byte_order"]),
             license.is_null() ? "(none)" : fmt::format("\"{}\"", text(license)),
             version.is_null() ? "(none)" : fmt::format("{:#x}", version.get<uint32_t>()),
             doc["btf"].get<bool>() ? fmt::format("{} bytes", doc["btf_size"].get<size_t>()) : "no",
             doc["btf_ext"].get<bool>() ? " (+ .BTF.ext)" : "");

  fmt::print("\nmaps ({}):\n", doc["maps"].size());
  for (const Json& map : doc["maps"]) {
    fmt::print("  {}: {} key {} value {} max_entries {} flags {:#x} layout {} pinning {}\n",
               text(map["name"]), text(map["type"]),
               map["key_size"].get<uint32_t>(), map["value_size"].get<uint32_t>(),
               map["max_entries"].get<uint32_t>(), map["flags"].get<uint32_t>(),
               text(map["layout"]), text(map["pinning"]));
    if (!map["layout_reason"].is_null()) fmt::print("      layout: {}\n", text(map["layout_reason"]));
    if (!map["struct_ops"].is_null()) {
      std::string members;
      for (const auto& [member, program] : map["struct_ops"]["programs"].items())
        members += fmt::format("{}{}={}", members.empty() ? "" : ", ", escape_for_terminal(member), text(program));
      fmt::print("      struct_ops {}{}: {}\n", text(map["struct_ops"]["type"]),
                 map["struct_ops"]["link"].get<bool>() ? " (link)" : "", members);
    }
    if (!map["numa_node"].is_null()) fmt::print("      numa_node {}\n", map["numa_node"].get<uint32_t>());
    if (!map["inner_map"].is_null()) {
      const bool by_default = map["inner_map_source"] == "default_index";
      fmt::print("      inner map {}{}\n", text(map["inner_map"]),
                 by_default ? fmt::format(" (from the default inner_map_idx 0, not a declaration: if the loader of "
                                          "its time fixed the index up, give --inner-map {}=INNER)",
                                          text(map["name"]))
                            : std::string());
    }
    if (map["iproute2_id"].get<uint32_t>() != 0)
      fmt::print("      iproute2 id {}\n", map["iproute2_id"].get<uint32_t>());
    if (!map["initial_slots"].empty())
      fmt::print("      initial slots {}\n", slots_text(map["initial_slots"]));
  }

  fmt::print("\nprograms ({}):\n", doc["programs"].size());
  for (size_t program_index = 0; program_index < doc["programs"].size(); ++program_index) {
    const Json& program = doc["programs"][program_index];
    const Json& counts = program["relocation_counts"];
    fmt::print("  {}: section \"{}\" type {}{}{} insns {} (linked {})\n",
               text(program["name"]), text(program["section"]),
               text(program["type"]),
               program["type_overridden"].get<bool>() ? " (overridden)" : "",
               program["attach_type"].is_null()
                   ? std::string()
                   : fmt::format(" attach {}", text(program["attach_type"])),
               program["insns"].get<size_t>(),
               program["linked_insns"].is_null() ? std::string("none")
                                                 : std::to_string(program["linked_insns"].get<size_t>()));
    if (!program["link_error"].is_null())
      fmt::print("      does not link: {}\n", text(program["link_error"]));
    if (!program["attach_to"].get<std::string>().empty())
      fmt::print("      attach to {}\n", text(program["attach_to"]));
    fmt::print("      relocations: {} map, {} data, {} call, {} callback\n", counts["map"].get<unsigned>(),
               counts["data"].get<unsigned>(), counts["call"].get<unsigned>(), counts["func_addr"].get<unsigned>());
    for (uint32_t index : program_functions[program_index]) {
      const FunctionSpec& function = spec.functions[index];
      for (const Relocation& relocation : function.relocations)
        fmt::print("        {}+{} {} {}\n", escape_for_terminal(function.name), relocation.insn,
                   relocation_kind_name(relocation.kind), escape_for_terminal(relocation.symbol));
    }
    for (const Json& name : program["externs"])
      fmt::print("      uses unresolved extern {}: cannot load\n", text(name));
    if (!program["subprograms"].empty()) {
      std::string names;
      for (const Json& name : program["subprograms"]) {
        names += names.empty() ? "" : ", ";
        names += text(name);
      }
      fmt::print("      calls {}\n", names);
    }
  }

  fmt::print("\ndata sections ({}):\n", doc["data_sections"].size());
  for (const Json& section : doc["data_sections"]) {
    fmt::print("  {}: {} bytes{}\n", text(section["name"]),
               section["size"].get<size_t>(), section["readonly"].get<bool>() ? " (read-only)" : "");
  }

  if (doc["externs"].empty()) return;
  fmt::print("\nunresolved externs ({}):\n", doc["externs"].size());
  for (const Json& declared : doc["externs"]) {
    std::string users;
    for (const Json& name : declared["used_by"]) users += (users.empty() ? "" : ", ") + text(name);
    fmt::print("  {} ({}{}): used by {}\n", text(declared["name"]), text(declared["kind"]),
               declared["weak"].get<bool>() ? ", weak" : "", users.empty() ? std::string("no program") : users);
  }
}

int run_inspect(const InspectOptions& options) {
  auto parse_options = make_parse_options(options.object);
  if (!parse_options) return report_error(parse_options.error(), options.json);
  auto spec = parse_object_file(options.object.path, *parse_options);
  // Nothing here talks to the kernel: every failure is the object's or the user's.
  if (!spec) {
    const Error& error = spec.error();
    return report_error(to_string(error.kind), error.message, error.sys_errno, options.json,
                        kExitUsage);
  }
  std::vector<std::vector<uint32_t>> program_functions;
  const Json doc = inspect_json(options.object.path, *spec, program_functions);
  if (options.json) {
    // Relocations and CO-RE records are written one at a time (see program_json).
    constexpr std::string_view kStreamed[] = {"relocations", "core_relocations"};
    print_json_streaming(doc, kStreamed, 2 * spec->programs.size(), [&](size_t streamed, const auto& emit) {
      const size_t program = streamed / 2;
      for (uint32_t index : program_functions[program]) {
        const FunctionSpec& function = spec->functions[index];
        if (streamed % 2 == 0) {
          for (const Relocation& relocation : function.relocations) emit(relocation_json(function, relocation));
        } else {
          for (const CoreRecord& record : function.core_relocations) emit(core_record_json(function, record));
        }
      }
    });
  } else {
    print_inspect_text(doc, *spec, program_functions);
  }
  return kExitOk;
}

}  // namespace

VerbRunner setup_inspect(CLI::App& command) {
  auto options = std::make_shared<InspectOptions>();
  command.add_option("OBJ", options->object.path, "BPF ELF object file")->required();
  add_object_options(command, options->object);
  add_json_flags(command, options->json);
  return [options] { return run_inspect(*options); };
}

}  // namespace bpfload::cli
