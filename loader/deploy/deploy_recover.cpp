// Recovery: a staging directory beside the pin directory is the journal of a run that
// did not end; what it holds says how far it got.
#include "deploy_recover.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "deploy_layout.hpp"
#include "deploy_switch.hpp"

namespace bpfload::deploy {

Result<std::vector<StagingDir>> staging_dirs(Kernel& kernel, const std::string& pin_dir) {
  const std::string parent = parent_dir(pin_dir);
  const std::string prefix = base_name(pin_dir) + "-bpfload-new-";
  Result<std::vector<DirectoryEntry>> entries = entries_of(kernel, parent);
  if (!entries.ok()) return std::move(entries).error();
  Result<int> self = kernel.process_id();
  if (!self.ok()) return std::move(self).error();
  std::vector<StagingDir> found;
  for (const DirectoryEntry& entry : *entries) {
    if (entry.kind != FileKind::Directory || !entry.name.starts_with(prefix)) continue;
    const std::string_view digits = std::string_view(entry.name).substr(prefix.size());
    int pid = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (error != std::errc() || end != digits.data() + digits.size() || pid <= 0) continue;
    StagingDir staging{parent + "/" + entry.name, pid, false};
    if (pid != *self) {
      Result<bool> alive = exists(kernel, fmt::format("/proc/{}", pid));
      staging.running = alive.ok() && *alive;
    }
    found.push_back(std::move(staging));
  }
  return found;
}

Result<std::vector<std::string>> recover(Kernel& kernel, const std::string& pin_dir) {
  Result<std::vector<StagingDir>> found = staging_dirs(kernel, pin_dir);
  if (!found.ok()) return std::move(found).error();
  for (const StagingDir& staging : *found)
    if (staging.running)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("another bpfload (pid {}) is changing {} now (its staging directory {}); wait "
                                    "for it to end. If pid {} is not bpfload, end it or remove the directory with "
                                    "`bpfload delete {}`",
                                    staging.pid, pin_dir, staging.path, staging.pid, staging.path),
                        EBUSY);
  std::vector<std::string> lines;
  const std::string marker_in_place = pin_dir + "/" + std::string(kSwitchingMarker);
  for (const StagingDir& staging : *found) {
    std::vector<std::string> log;
    Result<bool> switching = exists(kernel, staging.path + "/" + std::string(kSwitchingMarker));
    if (!switching.ok()) return std::move(switching).error();
    Result<bool> switched = exists(kernel, marker_in_place);
    if (!switched.ok()) return std::move(switched).error();
    if (*switched && !*switching) {
      Status finished = finish_switch(kernel, pin_dir, staging.path, log);
      if (!finished.ok()) return finished.error().with_context(fmt::format("finish the interrupted run (pid {})", staging.pid));
      lines.push_back(fmt::format("finished an interrupted run (pid {}): its new set was in place; the old set {} "
                                  "was removed{}{}",
                                  staging.pid, staging.path, log.empty() ? "" : ": ", fmt::join(log, "; ")));
      continue;
    }
    Status undone = undo_switch(kernel, staging.path, pin_dir, log);
    if (!undone.ok()) return undone.error().with_context(fmt::format("undo the interrupted run (pid {})", staging.pid));
    lines.push_back(fmt::format("undid an interrupted run (pid {}): {}{}{}", staging.pid,
                                *switching ? "it was switching attachments, which are back on the previous programs"
                                           : "nothing running had been touched",
                                log.empty() ? "" : ": ", fmt::join(log, "; ")));
    lines.back() += fmt::format("; its staging directory {} was removed", staging.path);
  }
  Result<bool> marker = exists(kernel, marker_in_place);
  if (!marker.ok()) return std::move(marker).error();
  if (*marker) {
    BPFLOAD_TRY(kernel.remove_directory(marker_in_place));
    lines.push_back(fmt::format("finished an interrupted run: the new set in {} was complete", pin_dir));
  }
  return lines;
}

}  // namespace bpfload::deploy
