#include "bpfload/object_file.hpp"
#include "verify_select.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

namespace bpfload::cli {
namespace {

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && !S_ISDIR(info.st_mode);
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool matches(const std::string& glob, const std::string& name) {
  return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

}  // namespace

Result<InputSelection> select_inputs(const std::vector<std::string>& arguments,
                                     const std::vector<std::string>& program_globs) {
  InputSelection selection;
  for (const std::string& argument : arguments) {
    if (is_file(argument) || ends_with(argument, ".o")) {
      selection.objects.push_back(argument);
    } else {
      selection.globs.push_back(argument);
    }
  }
  selection.globs.insert(selection.globs.end(), program_globs.begin(), program_globs.end());
  if (selection.objects.empty()) {
    return make_error(ErrorKind::InvalidArgument,
                      arguments.empty() ? std::string("verify needs an object file (or --compare OLD NEW)")
                                        : fmt::format("verify needs an object file: no argument names one "
                                                      "(got '{}'; or --compare OLD NEW)", arguments[0]));
  }
  return selection;
}

Result<std::vector<PlannedObject>> plan_programs(const InputSelection& selection, const ParseOptions& options) {
  std::vector<PlannedObject> plan;
  std::vector<bool> glob_used(selection.globs.size(), false);
  bool any_parsed = false;
  for (const std::string& path : selection.objects) {
    PlannedObject object;
    object.path = path;
    auto spec = parse_object_file(path, options);
    if (!spec) {
      object.parse_error = spec.error();
      plan.push_back(std::move(object));
      continue;
    }
    any_parsed = true;
    for (const ProgramSpec& program : spec->programs) {
      bool selected = false;
      for (size_t i = 0; i < selection.globs.size(); ++i) {
        if (!matches(selection.globs[i], program.name)) continue;
        glob_used[i] = true;
        selected = true;
      }
      if (selected) object.programs.push_back(program.name);
    }
    object.skip = !selection.globs.empty() && object.programs.empty();
    object.spec = std::move(spec).value();
    plan.push_back(std::move(object));
  }
  for (size_t i = 0; i < selection.globs.size() && any_parsed; ++i) {
    if (glob_used[i]) continue;
    return make_error(ErrorKind::NotFound,
                      fmt::format("verify: no program named '{}' in {} (bpfload inspect lists them)",
                                  selection.globs[i],
                                  selection.objects.size() == 1 ? selection.objects[0] : "any of the objects"));
  }
  return plan;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace bpfload::cli
