#include "skeleton.hpp"

#include <linux/bpf.h>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "bpfload/btf.hpp"
#include "bpfload/kernel_names.hpp"
#include "c_names.hpp"

namespace bpfload::gen {
namespace {

// Where a program's section alone says where it goes: bpfload_program_attach needs no
// device, cgroup or fd for these.
bool attaches_by_section(const ProgramSpec& program) {
  if (!program.autoload || program.attach_to.empty()) return false;
  switch (program.type) {
    case BPF_PROG_TYPE_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
    case BPF_PROG_TYPE_KPROBE:
    case BPF_PROG_TYPE_TRACING:
    case BPF_PROG_TYPE_LSM:
      return true;
    default:
      return false;
  }
}

// Maps whose lookup and update take one key and one value of the BTF types.
bool has_typed_elements(const MapSpec& map) {
  if (map.btf_key_type_id == 0 || map.btf_value_type_id == 0) return false;
  switch (map.type) {
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LPM_TRIE:
      return true;
    default:
      return false;
  }
}

std::string map_comment(const MapSpec& map, const CTypeWriter* types) {
  std::string key = fmt::format("{} bytes", map.key_size);
  std::string value = fmt::format("{} bytes", map.value_size);
  if (types != nullptr && map.btf_key_type_id != 0)
    key = fmt::format("{} ({} bytes)", types->describe(map.btf_key_type_id), map.key_size);
  if (types != nullptr && map.btf_value_type_id != 0)
    value = fmt::format("{} ({} bytes)", types->describe(map.btf_value_type_id), map.value_size);
  return fmt::format("{}, key {}, value {}, max_entries {}", map_type_name(map.type), key, value, map.max_entries);
}

std::vector<FieldInput> datasec_fields(const struct btf* btf, uint32_t datasec_id, uint64_t section_size) {
  std::vector<FieldInput> fields;
  const btf_type* datasec = btf__type_by_id(btf, datasec_id);
  if (datasec == nullptr || !btf_is_datasec(datasec)) return fields;
  const btf_var_secinfo* vars = btf_var_secinfos(datasec);
  for (uint16_t i = 0; i < btf_vlen(datasec); ++i) {
    const btf_type* var = btf__type_by_id(btf, vars[i].type);
    // Static variables are the object's own business, as in libbpf's skeletons: their
    // bytes stay padding.
    if (var == nullptr || !btf_is_var(var) || btf_var(var)->linkage == BTF_VAR_STATIC) continue;
    // A variable past the section's end (hostile BTF) would make the struct reach past the
    // memory it is mapped over.
    if (uint64_t{vars[i].offset} + vars[i].size > section_size) continue;
    fields.push_back(FieldInput{std::string(btf_name(btf, var->name_off)), var->type, vars[i].offset, vars[i].size});
  }
  return fields;
}

}  // namespace

Result<SkeletonPlan> plan_skeleton(const ObjectSpec& spec, const SkeletonOptions& options) {
  if (!is_c_identifier(options.name))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("skeleton name '{}' is not a C identifier that is no keyword of C or C++ "
                                  "(letters, digits and '_', not starting with a digit): give one with --name",
                                  options.name));
  const bool c = options.language == SkeletonLanguage::C;
  SkeletonPlan plan;
  plan.name = options.name;

  // The .BTF after the DATASEC fix-up: section sizes and variable offsets as loaded.
  BtfHandle btf;
  if (spec.btf) {
    auto parsed = parse_btf(spec.btf->kernel_bytes());
    if (!parsed) return std::move(parsed).error().with_context("skeleton: the object's BTF");
    btf = std::move(parsed).value();
  }
  // The generator's own names come first, so no BTF type takes them.
  NameScope type_names(c ? std::set<std::string>{"open", "load", "open_and_load", "attach", "destroy", "object_bytes"}
                         : std::set<std::string>{"Skeleton", "kObject", "object_bytes", "detail"});
  NameScope section_members({"obj", "maps", "progs", "links", "object", "error", "open", "load", "open_and_load",
                             "attach", "destroy", "obj_", "maps_", "progs_", "links_"});
  std::optional<CTypeWriter> types;
  if (btf) types.emplace(btf.get(), c ? options.name + "__" : std::string(), c, type_names);

  // A C++ member cannot have its struct's name (Skeleton::Maps, ::Programs, ::Links).
  NameScope map_members({"Maps"});
  for (const MapSpec& map : spec.maps) {
    SkeletonMap out{map.name, map_members.claim(map.name), map_comment(map, types ? &*types : nullptr), "", ""};
    if (types && has_typed_elements(map)) {
      auto key = types->value_type(map.btf_key_type_id, map.key_size);
      auto value = types->value_type(map.btf_value_type_id, map.value_size);
      if (key && value) {
        out.key_type = *key;
        out.value_type = *value;
      }
    }
    plan.maps.push_back(std::move(out));
  }
  NameScope program_members({"Programs", "Links"});
  for (const ProgramSpec& program : spec.programs)
    plan.programs.push_back(
        SkeletonProgram{program.name, program_members.claim(program.name), program.section, attaches_by_section(program)});

  if (!types) return plan;
  for (const DataSectionSpec& section : spec.data_sections) {
    if (section.btf_type_id == 0 || section.size() == 0) continue;
    std::vector<FieldInput> fields = datasec_fields(btf.get(), section.btf_type_id, section.size());
    if (fields.empty()) continue;
    SkeletonSection out;
    out.section = section.name;
    out.member = section_members.claim(section.name.starts_with(".") ? section.name.substr(1) : section.name);
    out.type_name = c ? fmt::format("struct {}__{}", options.name, type_names.claim(out.member))
                      : type_names.claim(out.member + "_section");
    out.size = section.size();
    out.readonly = section.readonly;
    out.body = types->lay_out(fields, out.size);
    plan.sections.push_back(std::move(out));
  }
  // The sections' structs after every type their members use.
  std::string sections_text;
  for (const SkeletonSection& section : plan.sections) {
    sections_text += fmt::format("/* {}, {} bytes{} */\n{}{} {{\n{}}};\n", comment_text(section.section), section.size,
                                 section.readonly ? ", read-only once loaded" : "", c ? "" : "struct ",
                                 section.type_name, section.body.lines);
    sections_text += types->layout_checks(section.type_name, section.body, section.size, false);
    sections_text += "\n";
  }
  plan.type_definitions = types->definitions() + sections_text;
  return plan;
}

Result<std::string> generate_skeleton(const ObjectSpec& spec, std::span<const std::byte> object,
                                      const SkeletonOptions& options) {
  auto plan = plan_skeleton(spec, options);
  if (!plan) return std::move(plan).error();
  return options.language == SkeletonLanguage::C ? write_c_skeleton(*plan, object, options)
                                                 : write_cpp_skeleton(*plan, object, options);
}

std::string c_byte_lines(std::span<const std::byte> bytes) {
  std::string out;
  out.reserve(bytes.size() * 6 + bytes.size() / 16 * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 16 == 0) out += i == 0 ? "  " : "\n  ";
    out += fmt::format("0x{:02x},", static_cast<unsigned>(bytes[i]));
    if (i % 16 != 15 && i + 1 != bytes.size()) out += ' ';
  }
  out += '\n';
  return out;
}

std::string c_string_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    } else if (c == '?') {
      out += "\\?";  // no trigraphs
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace bpfload::gen
