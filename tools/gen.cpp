// `bpfload gen skeleton OBJ`: a C or C++ header embedding the object, with typed access to
// its maps, programs and globals (loader/gen). Needs no privileges.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "bpfload/parse.hpp"
#include "c_names.hpp"
#include "cli_options.hpp"
#include "cli_output.hpp"
#include "skeleton.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct SkeletonVerbOptions {
  ObjectOptions object;
  std::string output;
  std::string name;
  std::string language = "c";
  bool json = false;
};

// "exec_events.bpf.o" -> "exec_events", as bpftool names skeletons.
std::string default_name(const std::string& path) {
  std::string base = std::filesystem::path(path).filename().string();
  for (std::string_view suffix : {".o", ".bpf"})
    if (base.ends_with(suffix)) base.resize(base.size() - suffix.size());
  return gen::c_identifier(base);
}

// Writes next to `path` and renames over it, so a failure never leaves half a header.
Status write_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (file) file.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!file) {
      const int saved = errno;
      std::remove(temporary.c_str());
      return make_error(ErrorKind::Io, fmt::format("cannot write '{}'", temporary), saved);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::remove(temporary.c_str());
    return make_error(ErrorKind::Io, fmt::format("cannot rename '{}' to '{}'", temporary, path), saved);
  }
  return {};
}

int run_skeleton(const SkeletonVerbOptions& options) {
  auto parse_options = make_parse_options(options.object);
  if (!parse_options) return report_error(parse_options.error(), options.json);
  if (!options.object.default_type.empty() || options.object.ignore_inner_map_idx)
    return report_error("invalid_argument",
                        "gen skeleton: --default-type and --ignore-inner-map-idx cannot be passed on to the "
                        "generated open (the C API has no such option); name each section's type with --type",
                        0, options.json, kExitUsage);
  auto bytes = read_whole_file(options.object.path);
  if (!bytes) return report_error(bytes.error().with_context("gen skeleton"), options.json);
  auto spec = parse_object(*bytes, *parse_options);
  if (!spec) return report_error(spec.error().with_context(fmt::format("gen skeleton: {}", options.object.path)), options.json);

  gen::SkeletonOptions skeleton;
  skeleton.name = options.name.empty() ? default_name(options.object.path) : options.name;
  skeleton.language = options.language == "c" ? gen::SkeletonLanguage::C : gen::SkeletonLanguage::Cpp;
  skeleton.source = std::filesystem::path(options.object.path).filename().string();
  skeleton.map_layout = options.object.map_layout;
  for (const std::string& assignment : options.object.type_overrides) {
    auto pair = split_assignment(assignment, "--type");
    if (!pair) return report_error(pair.error(), options.json);
    skeleton.program_types[pair->first] = pair->second;
  }
  auto plan = gen::plan_skeleton(*spec, skeleton);
  if (!plan) return report_error(plan.error().with_context("gen skeleton"), options.json);
  const std::string text = skeleton.language == gen::SkeletonLanguage::C
                               ? gen::write_c_skeleton(*plan, *bytes, skeleton)
                               : gen::write_cpp_skeleton(*plan, *bytes, skeleton);
  if (options.output.empty() || options.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  if (Status written = write_file(options.output, text); !written.ok())
    return report_error(written.error().with_context("gen skeleton"), options.json);
  if (options.json) {
    Json sections = Json::array();
    for (const gen::SkeletonSection& section : plan->sections) sections.push_back(section.section);
    print_json(Json{{"output", options.output},
                    {"name", plan->name},
                    {"language", options.language},
                    {"maps", plan->maps.size()},
                    {"programs", plan->programs.size()},
                    {"sections", sections}});
  }
  return kExitOk;
}

}  // namespace

VerbRunner setup_gen(CLI::App& command) {
  auto options = std::make_shared<SkeletonVerbOptions>();
  CLI::App* skeleton = command.add_subcommand(
      "skeleton", "write a C or C++ header embedding OBJ, with its maps, programs and globals as typed members");
  skeleton->add_option("OBJ", options->object.path, "the BPF object (legacy or BTF)")->required();
  skeleton->add_option("-o,--output", options->output, "the header to write (default: standard output)");
  skeleton->add_option("--name", options->name,
                       "the C struct and function prefix, or the C++ namespace (default: OBJ's file name without "
                       ".o/.bpf.o)");
  skeleton->add_option("--lang", options->language, "c (C99, also valid C++) or c++ (an RAII class, C++20)")
      ->check(CLI::IsMember({"c", "c++"}));
  add_object_options(*skeleton, options->object);
  add_json_flags(*skeleton, options->json);
  command.require_subcommand(1);
  return [options] { return run_skeleton(*options); };
}

}  // namespace bpfload::cli
