#include "bpfload/object_file.hpp"
#include "cli_options.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"

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

void add_program_load_options(CLI::App& command, ProgramLoadOptions& options) {
  one_value_each(command.add_option(
      "--prog-flags", options.prog_flags,
      "BPF_F_* program flags to load with, as [PROGRAM=]FLAG[|FLAG...]: test_state_freq, strict_alignment, "
      "any_alignment, test_rnd_hi32, test_reg_invariants, ... (BPF_F_ prefix optional) or a number; without "
      "PROGRAM every program; repeatable"));
  one_value_each(command.add_option("--program-log-level", options.log_levels,
                                    "verifier log level for one program, as PROGRAM=N (0..7, bits as "
                                    "--log-level); repeatable"));
}

namespace {

Result<uint32_t> parse_program_flags(std::string_view text) {
  uint32_t flags = 0;
  while (!text.empty()) {
    const size_t end = text.find_first_of("|,");
    const std::string_view word = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (word.empty()) continue;
    if (const auto named = program_flag_by_name(word)) {
      flags |= *named;
      continue;
    }
    auto number = parse_unsigned(word, UINT32_MAX, "--prog-flags");
    if (!number)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("--prog-flags: unknown flag '{}' (test_state_freq, strict_alignment, "
                                    "any_alignment, test_rnd_hi32, test_reg_invariants, sleepable, xdp_has_frags, "
                                    "xdp_dev_bound_only, or a number)",
                                    word));
    flags |= static_cast<uint32_t>(*number);
  }
  return flags;
}

Status check_program(const ObjectSpec& spec, const std::string& name, std::string_view option) {
  if (spec.find_program(name)) return {};
  return make_error(ErrorKind::NotFound, fmt::format("{}: the object has no program '{}'", option, name));
}

}  // namespace

Status apply_program_load_options(const ProgramLoadOptions& options, const ObjectSpec& spec, LoadOptions& load) {
  for (const std::string& text : options.prog_flags) {
    // "PROGRAM=FLAGS" names one program; plain "FLAGS" (no '=') is every program.
    const size_t equals = text.find('=');
    std::string program = "*";
    std::string_view flags_text = text;
    if (equals != std::string::npos) {
      auto assignment = split_assignment(text, "--prog-flags");
      if (!assignment) return std::move(assignment).error();
      BPFLOAD_TRY(check_program(spec, assignment->first, "--prog-flags"));
      program = assignment->first;
      flags_text = std::string_view(text).substr(equals + 1);
    }
    auto flags = parse_program_flags(flags_text);
    if (!flags) return std::move(flags).error();
    load.program_flags[program] |= *flags;
  }
  for (const std::string& text : options.log_levels) {
    auto assignment = split_assignment(text, "--program-log-level");
    if (!assignment) return std::move(assignment).error();
    BPFLOAD_TRY(check_program(spec, assignment->first, "--program-log-level"));
    auto level = parse_unsigned(assignment->second, 7, "--program-log-level");
    if (!level) return std::move(level).error();
    load.program_log_levels[assignment->first] = static_cast<uint32_t>(*level);
  }
  return {};
}

Result<std::vector<std::byte>> read_whole_file(const std::string& path) {
  // The parser's own bound, checked before reading; devices and FIFOs are refused.
  return read_input_file(path, ParseLimits{}.max_object_bytes, kElfMagic);
}

}  // namespace bpfload::cli
