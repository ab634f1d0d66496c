#include "bpfload/object_file.hpp"
#include "cli_options.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace bpfload::cli {

CLI::Option* one_value_each(CLI::Option* option) {
  return option->allow_extra_args(false);
}

void add_object_options(CLI::App& command, ObjectOptions& options) {
  command
      .add_option("--map-layout", options.map_layout,
                  "legacy map definition layout: auto, libbpf, samples or iproute2")
      ->capture_default_str();
  one_value_each(command.add_option(
      "--type", options.type_overrides,
      "program type for a section or program, as SECTION=TYPE (libbpf type names; SECTION may be a "
      "glob such as 'cls-*'); repeatable"));
  command.add_option("--default-type", options.default_type,
                     "program type for sections that imply none and no --type names (tc assumed "
                     "sched_cls, ip xdp)");
  command.add_flag("--ignore-inner-map-idx", options.ignore_inner_map_idx,
                   "accept a legacy definition with a non-zero inner_map_idx on a map that is not a "
                   "map-in-map, ignoring the field as bpf_load.c did");
}

Result<std::pair<std::string, std::string>> split_assignment(std::string_view text,
                                                           std::string_view option) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} expects NAME=VALUE, got '{}'", option, text));
  return std::pair{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

Result<ParseOptions> make_parse_options(const ObjectOptions& options) {
  ParseOptions parse;
  auto layout = map_layout_from_string(options.map_layout);
  if (!layout) return layout.error().with_context("--map-layout");
  parse.legacy_layout = *layout;
  for (const std::string& text : options.type_overrides) {
    auto assignment = split_assignment(text, "--type");
    if (!assignment) return std::move(assignment).error();
    parse.program_types[assignment->first] = assignment->second;
  }
  parse.default_program_type = options.default_type;
  parse.ignore_stray_inner_map_idx = options.ignore_inner_map_idx;
  return parse;
}

Result<std::vector<std::byte>> read_whole_file(const std::string& path) {
  // The parser's own bound, checked before reading; devices and FIFOs are refused.
  return read_input_file(path, ParseLimits{}.max_object_bytes, kElfMagic);
}

}  // namespace bpfload::cli
