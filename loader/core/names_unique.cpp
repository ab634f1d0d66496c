// The names the loader resolves by (tail-call slots, inner maps, overrides, pin paths)
// must each name one thing; a clash is refused here rather than resolved to the first.
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "bpfload/spec.hpp"

namespace bpfload {
namespace {

Error clash(std::string_view what, std::string_view name, const std::string& first, const std::string& second,
            std::string_view why) {
  return make_error(ErrorKind::Malformed, fmt::format("{} name '{}' is used twice: {} and {}; {}", what, name,
                                                      first, second, why));
}

std::string program_place(const ObjectSpec& spec, const ProgramSpec& program) {
  const uint32_t insn = program.function < spec.functions.size() ? spec.functions[program.function].section_insn : 0;
  return fmt::format("the program in section '{}' at instruction {}", program.section, insn);
}

std::string map_place(const MapSpec& map) {
  return fmt::format("the map in section '{}' at offset 0x{:x}", map.section, map.offset);
}

}  // namespace

Status check_unique_names(const ObjectSpec& spec) {
  std::unordered_map<std::string_view, size_t> programs;
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    const auto [it, added] = programs.emplace(spec.programs[i].name, i);
    if (!added)
      return clash("program", spec.programs[i].name, program_place(spec, spec.programs[it->second]),
                   program_place(spec, spec.programs[i]),
                   "tail-call slots, pins and --type name programs, so each name must be unique");
  }
  // Maps and data sections share <pin dir>/maps/, so one namespace holds both.
  std::unordered_map<std::string, std::string> maps;
  for (const MapSpec& map : spec.maps) {
    const auto [it, added] = maps.emplace(map.name, map_place(map));
    if (!added)
      return clash("map", map.name, it->second, map_place(map),
                   "relocations, inner maps, pins and overrides name maps, so each name must be unique");
  }
  for (const DataSectionSpec& data : spec.data_sections) {
    const std::string pin_name = data_section_pin_name(data.name);
    const std::string place = fmt::format("data section '{}' (pinned as maps/{})", data.name, pin_name);
    const auto [it, added] = maps.emplace(pin_name, place);
    if (!added)
      return clash("map", pin_name, it->second, place,
                   "a data section is pinned under its name with '.' as '_', beside the maps; rename one");
  }
  return {};
}

}  // namespace bpfload
