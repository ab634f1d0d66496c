#include "load_pins.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "load_context.hpp"

namespace bpfload {
namespace {

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<bool> path_exists(System& system, const std::string& path) {
  Result<FileKind> kind = system.file_kind(path, false);
  if (!kind.ok()) return std::move(kind).error();
  return *kind != FileKind::Missing;
}

Status PinJournal::make_directories(const std::string& dir) {
  std::vector<std::string> created;
  Status made = bpfload::make_directories(kernel_.system(), dir, created);
  for (std::string& path : created) entries_.push_back(Entry{true, std::move(path)});
  if (!made.ok()) return made.error().with_context(fmt::format("create directory {}", dir));
  return {};
}

Status PinJournal::pin(int fd, const std::string& path) {
  BPFLOAD_TRY(make_directories(parent_of(path)));
  Status pinned = kernel_.obj_pin(fd, path);
  if (!pinned.ok()) {
    return pinned.error().with_context(fmt::format("pin at {}", path));
  }
  entries_.push_back(Entry{false, path});
  return {};
}

void PinJournal::rollback() {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->is_directory) {
      (void)kernel_.system().remove_directory(it->path);
    } else {
      (void)kernel_.unpin(it->path);
    }
  }
  entries_.clear();
}

Status check_path_name(std::string_view name, std::string_view what) {
  const auto refuse = [&](std::string_view why) -> Status {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: name cannot be used in a pin path: {}", what, why));
  };
  if (name.empty()) return refuse("it is empty");
  if (name == "." || name == "..") return refuse(fmt::format("'{}' is a directory reference", name));
  if (name.find('/') != std::string_view::npos) return refuse("it contains '/'");
  if (name.find('.') != std::string_view::npos) return refuse("bpffs refuses '.' in pinned names");
  if (name.find('\0') != std::string_view::npos) return refuse("it contains a NUL byte");
  if (name.size() > 255) return refuse(fmt::format("it is {} bytes long (at most 255)", name.size()));
  return {};
}

Result<std::optional<std::string>> map_pin_path(const std::string& name, Pinning pinning,
                                                const LoadOptions& options) {
  switch (pinning) {
    case Pinning::None:
      return std::optional<std::string>{};
    case Pinning::GlobalNs:
      return std::optional<std::string>{options.pin_root + "/tc/globals/" + name};
    case Pinning::ObjectNs:
      if (options.object_id.empty())
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("map '{}' is pinned in the object namespace (PIN_OBJECT_NS) "
                                      "but no object id was given (LoadOptions::object_id; "
                                      "tc uses the object's SHA-1, see object_id_for())",
                                      name));
      BPFLOAD_TRY(check_path_name(options.object_id, "object id"));
      return std::optional<std::string>{options.pin_root + "/tc/" + options.object_id + "/" + name};
    case Pinning::ByName:
      return std::optional<std::string>{options.pin_root + "/" + name};
  }
  return std::optional<std::string>{};
}

Status check_pin_root(System& system, const std::string& path, std::string_view what) {
  std::string existing = path;
  for (;;) {
    Result<bool> exists = path_exists(system, existing);
    if (!exists.ok()) return std::move(exists).error().with_context(fmt::format("{} {}", what, path));
    if (*exists) break;
    const std::string parent = parent_of(existing);
    if (parent == existing) break;
    existing = parent;
  }
  Status on_bpffs = check_bpffs(system, existing);
  if (on_bpffs.ok()) return {};
  Error error = on_bpffs.error();
  const std::string cause = error.kind == ErrorKind::InvalidArgument
                                ? std::string("bpffs is not mounted there")
                                : error.message;
  error.message = fmt::format(
      "{} {} is not on a bpf filesystem ({}); mount one with `mount -t bpf bpf /sys/fs/bpf` "
      "or choose a directory under a bpffs mount",
      what, path, cause);
  return error;
}

Status pin_objects(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  const std::optional<std::string>& pin_dir = context.options.pin_dir;
  if (!context.options.pin) return {};
  for (size_t i = 0; i < spec.maps.size(); ++i) {
    const std::string& path = context.map_pin_paths[i];
    if (path.empty() || path == context.map_found_at[i]) continue;
    Status pinned = context.journal.pin(context.map_fds[i].get(), path);
    if (!pinned.ok()) return pinned.error().with_context(fmt::format("map '{}'", spec.maps[i].name));
  }
  if (!pin_dir) return {};
  BPFLOAD_TRY(context.journal.make_directories(*pin_dir + "/maps"));
  BPFLOAD_TRY(context.journal.make_directories(*pin_dir + "/progs"));
  for (size_t i = 0; i < spec.maps.size(); ++i) {
    const std::string path = *pin_dir + "/maps/" + spec.maps[i].name;
    Status pinned = context.journal.pin(context.map_fds[i].get(), path);
    if (!pinned.ok()) return pinned.error().with_context(fmt::format("map '{}'", spec.maps[i].name));
    if (context.report.maps[i].pin_path.empty()) context.report.maps[i].pin_path = path;
  }
  for (size_t i = 0; i < spec.data_sections.size(); ++i) {
    const std::string name = data_section_file_name(spec.data_sections[i].name);
    const std::string path = *pin_dir + "/maps/" + name;
    Status pinned = context.journal.pin(context.data_fds[i].get(), path);
    if (!pinned.ok())
      return pinned.error().with_context(fmt::format("data section '{}'", spec.data_sections[i].name));
    context.report.maps[spec.maps.size() + i].pin_path = path;
  }
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    if (!context.prog_fds[i].valid()) continue;
    const std::string path = *pin_dir + "/progs/" + spec.programs[i].name;
    Status pinned = context.journal.pin(context.prog_fds[i].get(), path);
    if (!pinned.ok())
      return pinned.error().with_context(fmt::format("program '{}'", spec.programs[i].name));
    if (context.program_report[i]) context.report.programs[*context.program_report[i]].pin_path = path;
  }
  return {};
}

std::string data_section_file_name(std::string_view section) {
  if (!section.empty() && section.front() == '.') section.remove_prefix(1);
  std::string name(section);
  // bpffs refuses '.' in the names of pinned objects.
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

}  // namespace bpfload
