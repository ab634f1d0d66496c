#include "load_pins.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "load_context.hpp"

namespace bpfload {
namespace {

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    if (length == 2 && lead < 0xc2) return false;  // overlong
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    i += length;
  }
  return true;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<bool> path_exists(Kernel& system, const std::string& path) {
  Result<FileKind> kind = system.file_kind(path, false);
  if (!kind.ok()) return std::move(kind).error();
  return *kind != FileKind::Missing;
}

Status PinJournal::make_directories(const std::string& dir) {
  std::vector<std::string> created;
  Status made = bpfload::make_directories(kernel_, dir, created);
  for (std::string& path : created) entries_.push_back(Entry{true, std::move(path)});
  if (!made.ok()) return made.error().with_context(fmt::format("create directory {}", dir));
  return {};
}

Status PinJournal::pin(int fd, const std::string& path) {
  BPFLOAD_TRY(make_directories(parent_of(path)));
  Status pinned = kernel_.obj_pin(fd, path);
  if (!pinned.ok()) {
    const bool ours = std::any_of(entries_.begin(), entries_.end(),
                                  [&](const Entry& entry) { return !entry.is_directory && entry.path == path; });
    if (ours && pinned.error().sys_errno == EEXIST)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("pin at {}: this load pinned something else there already (two objects "
                                    "of the object have the same pin path)",
                                    path),
                        EEXIST);
    return pinned.error().with_context(fmt::format("pin at {}", path));
  }
  entries_.push_back(Entry{false, path});
  return {};
}

void PinJournal::rollback() {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->is_directory) {
      (void)kernel_.remove_directory(it->path);
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
  // A pin path is reported in text and JSON: a control character would break the line,
  // and invalid UTF-8 would be replaced in JSON, naming a file that does not exist.
  for (const char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return refuse(fmt::format("it contains the control character 0x{:02x}", static_cast<unsigned char>(c)));
  if (!is_valid_utf8(name)) return refuse("it is not valid UTF-8");
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

// The first component of `path` holding a '.' other than "." and "..", "" when none.
static std::string first_dotted_component(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part != "." && part != ".." && part.find('.') != std::string::npos) return part;
    start = end + 1;
  }
  return "";
}

Status check_pin_root(Kernel& system, const std::string& path, std::string_view what) {
  std::string existing = path;
  for (;;) {
    Result<bool> exists = path_exists(system, existing);
    if (!exists.ok()) {
      Error error = std::move(exists).error();
      // bpffs refuses every lookup of a name holding '.' with EPERM, even as root.
      const std::string dotted = error.sys_errno == EPERM ? first_dotted_component(existing) : std::string();
      if (!dotted.empty())
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("{} {}: a bpf filesystem refuses names containing '.' ('{}'); use '-' or "
                                      "'_' instead",
                                      what, path, dotted),
                          EPERM);
      return error.with_context(fmt::format("{} {}", what, path));
    }
    if (*exists) break;
    const std::string parent = parent_of(existing);
    if (parent == existing) break;
    existing = parent;
  }
  Status on_bpffs = check_bpffs(system, existing);
  if (on_bpffs.ok()) return {};
  Error error = on_bpffs.error();
  if (const std::string hint = netns_exec_hint(system); !hint.empty()) {
    error.message = fmt::format("{} {} is not on a bpf filesystem: {}", what, path, hint);
    return error;
  }
  const std::string cause = error.kind == ErrorKind::InvalidArgument
                                ? std::string("bpffs is not mounted there")
                                : error.message;
  error.message = fmt::format(
      "{} {} is not on a bpf filesystem ({}); mount one with `mount -t bpf bpf /sys/fs/bpf` "
      "or choose a directory under a bpffs mount",
      what, path, cause);
  return error;
}

namespace {

/// The pins of <pin dir>: relative path and fd, in pinning order.
struct PlannedPin {
  std::string relative;
  int fd = -1;
  std::string what;          ///< "map 'x'", for messages
  std::string* report_path;  ///< where the final path is reported, or nullptr
};

std::vector<PlannedPin> plan_pin_dir(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  std::vector<PlannedPin> plan;
  for (size_t i = 0; i < spec.maps.size(); ++i) {
    std::string* report = context.report.maps[i].pin_path.empty() ? &context.report.maps[i].pin_path : nullptr;
    plan.push_back({"maps/" + spec.maps[i].name, context.map_fds[i].get(),
                    fmt::format("map '{}'", spec.maps[i].name), report});
  }
  for (size_t i = 0; i < spec.data_sections.size(); ++i)
    plan.push_back({"maps/" + data_section_file_name(spec.data_sections[i].name), context.data_fds[i].get(),
                    fmt::format("data section '{}'", spec.data_sections[i].name),
                    &context.report.maps[spec.maps.size() + i].pin_path});
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    if (!context.prog_fds[i].valid()) continue;
    std::string* report =
        context.program_report[i] ? &context.report.programs[*context.program_report[i]].pin_path : nullptr;
    plan.push_back({"progs/" + spec.programs[i].name, context.prog_fds[i].get(),
                    fmt::format("program '{}'", spec.programs[i].name), report});
  }
  return plan;
}

Error existing_pins_error(const std::string& dir, const std::vector<std::string>& existing, size_t planned) {
  std::string list;
  for (size_t i = 0; i < existing.size() && i < 8; ++i) list += (i == 0 ? "" : ", ") + existing[i];
  if (existing.size() > 8) list += fmt::format(", and {} more", existing.size() - 8);
  const std::string_view state = existing.size() == planned ? "a complete set, from an earlier load"
                                                              : "a partial or different set: an earlier load "
                                                                "was interrupted, or loaded another object";
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("pin directory {} already holds {} of the {} pins this load makes ({}): {}; "
                                "load with --replace to swap in the new set, or remove the old one with "
                                "`bpfload unpin {}`",
                                dir, existing.size(), planned, list, state, dir),
                    EEXIST);
}

}  // namespace

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
  std::vector<PlannedPin> plan = plan_pin_dir(context);
  std::vector<std::string> existing;
  for (const PlannedPin& pin : plan) {
    Result<bool> exists = path_exists(context.kernel, *pin_dir + "/" + pin.relative);
    if (!exists.ok()) return std::move(exists).error().with_context(fmt::format("pin {}", pin.what));
    if (*exists) existing.push_back(pin.relative);
  }
  const bool replacing = !existing.empty();
  if (replacing && !context.options.replace_pins) return existing_pins_error(*pin_dir, existing, plan.size());
  // A replacement is built beside the old set and swapped in only once it is complete,
  // so an interrupted --replace leaves the old set whole.
  // No '.' in the name: bpffs refuses it.
  std::string target = *pin_dir;
  if (replacing) {
    Result<int> pid = context.kernel.process_id();
    if (!pid.ok()) return std::move(pid).error().with_context(fmt::format("replace the pin set in {}", *pin_dir));
    target = fmt::format("{}-bpfload-new-{}", *pin_dir, *pid);
  }
  BPFLOAD_TRY(context.journal.make_directories(target + "/maps"));
  BPFLOAD_TRY(context.journal.make_directories(target + "/progs"));
  for (const PlannedPin& pin : plan) {
    Status pinned = context.journal.pin(pin.fd, target + "/" + pin.relative);
    if (!pinned.ok()) return pinned.error().with_context(pin.what);
    if (pin.report_path != nullptr) *pin.report_path = *pin_dir + "/" + pin.relative;
  }
  if (!replacing) return {};
  Status swapped = exchange_directories(context.kernel, target, *pin_dir);
  if (!swapped.ok()) return swapped.error().with_context(fmt::format("replace the pin set in {}", *pin_dir));
  // `target` now holds the old set; the new one is in place whatever happens next.
  context.journal.commit();
  std::vector<std::string> removed;
  Status cleared = remove_pin_set(context.kernel, target, removed);
  if (!cleared.ok())
    context.report.warnings.push_back(
        fmt::format("the previous pin set was moved to {} but not removed: {}", target, cleared.error().message));
  return {};
}

std::string data_section_file_name(std::string_view section) { return data_section_pin_name(section); }

}  // namespace bpfload
