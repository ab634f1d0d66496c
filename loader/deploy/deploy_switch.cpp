// Undoing and finishing a switch of attachments between pin sets, from the pins alone.
#include "deploy_switch.hpp"

#include <linux/if_link.h>

#include <cerrno>

#include <fmt/format.h>

#include "deploy_layout.hpp"

namespace bpfload::deploy {
namespace {

bool gone_already(const Status& status) {
  if (status.ok()) return true;
  const int err = status.error().sys_errno;
  return err == ENOENT || err == EEXIST || err == ENOLINK || err == EOPNOTSUPP || err == EINVAL;
}

/// The object pinned at `path`: an invalid Fd when nothing is pinned there, an error
/// when it could not be looked at.
Result<Fd> pinned_at(Kernel& kernel, const std::string& path) {
  Result<bool> there = exists(kernel, path);
  if (!there.ok()) return std::move(there).error();
  if (!*there) return Fd();
  return kernel.obj_get(path);
}

/// The program pinned for `pin` in object directory `dir` (invalid when none).
Result<Fd> program_for(Kernel& kernel, const std::string& dir, const std::string& pin) {
  return pinned_at(kernel, dir + "/progs/" + program_of_pin(pin));
}

uint32_t id_of_program(Kernel& kernel, const Fd& fd) {
  if (!fd.valid()) return 0;
  Result<uint32_t> id = kernel.prog_id(fd.get());
  return id.ok() ? *id : 0;
}

// A failed look is an error, never "nothing there": what is not there gets detached.
Result<std::vector<NetlinkEntry>> netlink_entries(Kernel& kernel, const std::string& dir) {
  std::vector<NetlinkEntry> found;
  Result<std::vector<DirectoryEntry>> entries = entries_of(kernel, dir + "/netlink");
  if (!entries.ok()) return std::move(entries).error();
  for (const DirectoryEntry& entry : *entries)
    if (auto parsed = parse_netlink_entry(entry.name)) found.push_back(*parsed);
  return found;
}

/// The link pinned at `path`, nullopt when nothing is pinned there; any other failure is
/// an error, so that a link that could not be looked at is never taken for one to detach.
Result<std::optional<LinkInfo>> link_at(Kernel& kernel, const std::string& path) {
  Result<bool> there = exists(kernel, path);
  if (!there.ok()) return std::move(there).error();
  if (!*there) return std::optional<LinkInfo>();
  Result<Fd> fd = kernel.obj_get(path);
  if (!fd.ok()) return std::move(fd).error();
  Result<LinkInfo> info = kernel.link_info(fd->get());
  if (!info.ok()) return std::move(info).error();
  return std::optional<LinkInfo>(*info);
}

const NetlinkEntry* find_place(const std::vector<NetlinkEntry>& entries, const NetlinkEntry& wanted) {
  for (const NetlinkEntry& entry : entries)
    if (entry.same_place(wanted)) return &entry;
  return nullptr;
}

Status undo_object(Kernel& kernel, const std::string& staged, const std::string& current,
                   std::vector<std::string>& log) {
  Result<std::vector<DirectoryEntry>> links = entries_of(kernel, staged + "/links");
  if (!links.ok()) return std::move(links).error();
  for (const DirectoryEntry& entry : *links) {
    Result<Fd> link = kernel.obj_get(staged + "/links/" + entry.name);
    if (!link.ok()) return std::move(link).error();
    Result<LinkInfo> info = kernel.link_info(link->get());
    if (!info.ok()) return std::move(info).error();
    Result<std::optional<LinkInfo>> in_place_info = link_at(kernel, current + "/links/" + entry.name);
    if (!in_place_info.ok()) return std::move(in_place_info).error();
    if (*in_place_info && (*in_place_info)->id == info->id) {
      // The running link: back to the program it had, if it was switched already.
      Result<Fd> old_prog = program_for(kernel, current, entry.name);
      if (!old_prog.ok()) return std::move(old_prog).error();
      if (!old_prog->valid()) {
        // A struct_ops link runs a map: back on the old map, unless it never left it.
        Result<Fd> old_map = pinned_at(kernel, current + "/maps/" + entry.name);
        Result<Fd> new_map = pinned_at(kernel, staged + "/maps/" + entry.name);
        if (!old_map.ok()) return std::move(old_map).error();
        if (!new_map.ok()) return std::move(new_map).error();
        if (!old_map->valid() || !new_map->valid()) continue;
        Status back = kernel.link_update(link->get(), old_map->get(), new_map->get());
        if (!back.ok() && back.error().sys_errno != EPERM) return back;  // EPERM: still on the old map
        if (back.ok()) log.push_back(fmt::format("link {} ({}) back on its previous map", info->id, entry.name));
        continue;
      }
      const uint32_t old_id = id_of_program(kernel, *old_prog);
      if (old_id == 0 || info->prog_id == old_id) continue;
      Result<Fd> new_prog = program_for(kernel, staged, entry.name);
      if (!new_prog.ok()) return std::move(new_prog).error();
      BPFLOAD_TRY(kernel.link_update(link->get(), old_prog->get(), new_prog->valid() ? new_prog->get() : -1));
      log.push_back(fmt::format("link {} ({}) back on program {}", info->id, entry.name, old_id));
      continue;
    }
    // A link this run made: it goes.
    Status detached = kernel.link_detach(link->get());
    if (!gone_already(detached)) return detached;
    log.push_back(fmt::format("link {} ({}) made by the interrupted run detached", info->id, entry.name));
  }
  Result<std::vector<NetlinkEntry>> old_entries = netlink_entries(kernel, current);
  if (!old_entries.ok()) return std::move(old_entries).error();
  Result<std::vector<NetlinkEntry>> staged_entries = netlink_entries(kernel, staged);
  if (!staged_entries.ok()) return std::move(staged_entries).error();
  for (const NetlinkEntry& entry : *staged_entries) {
    Result<Fd> new_prog_or = program_for(kernel, staged, entry.pin);
    if (!new_prog_or.ok()) return std::move(new_prog_or).error();
    Fd new_prog = std::move(*new_prog_or);
    if (const NetlinkEntry* old = find_place(*old_entries, entry)) {
      Result<Fd> old_prog_or = program_for(kernel, current, old->pin);
      if (!old_prog_or.ok()) return std::move(old_prog_or).error();
      Fd old_prog = std::move(*old_prog_or);
      if (!old_prog.valid()) continue;
      if (entry.kind == NetlinkEntry::Kind::Xdp) {
        if (!new_prog.valid()) continue;
        Status back = kernel.xdp_replace(entry.ifindex, old_prog.get(), new_prog.get(), entry.xdp_flags);
        if (!gone_already(back)) return back;  // EEXIST: the new one never got there
      } else {
        Result<TcFilterId> back = kernel.tc_filter_attach(entry.ifindex, entry.ingress ? TcDirection::Ingress : TcDirection::Egress,
                                                          old_prog.get(), {entry.handle, entry.priority}, true);
        if (!back.ok()) return std::move(back).error();
      }
      log.push_back(fmt::format("{} back on program {}", entry.name(), id_of_program(kernel, old_prog)));
      continue;
    }
    BPFLOAD_TRY(detach_netlink(kernel, entry, new_prog.valid() ? new_prog.get() : -1));
    log.push_back(fmt::format("{} made by the interrupted run removed", entry.name()));
  }
  return {};
}

Status finish_object(Kernel& kernel, const std::optional<std::string>& current, const std::string& old,
                     std::vector<std::string>& log) {
  Result<std::vector<DirectoryEntry>> links = entries_of(kernel, old + "/links");
  if (!links.ok()) return std::move(links).error();
  for (const DirectoryEntry& entry : *links) {
    Result<Fd> link = kernel.obj_get(old + "/links/" + entry.name);
    if (!link.ok()) return std::move(link).error();
    Result<LinkInfo> info = kernel.link_info(link->get());
    if (!info.ok()) return std::move(info).error();
    if (current) {
      Result<std::optional<LinkInfo>> kept = link_at(kernel, *current + "/links/" + entry.name);
      if (!kept.ok()) return std::move(kept).error();
      if (*kept && (*kept)->id == info->id) continue;
    }
    Status detached = kernel.link_detach(link->get());
    if (!gone_already(detached)) return detached;
    if (!detached.ok()) {
      // No BPF_LINK_DETACH for this kind (perf event links): the link goes with its last
      // reference. Dropped through the pin, that is a kernel work item run some time
      // later, and the old program would go on running after this returns; unpinned
      // first, the last reference is this fd, whose close detaches it at once.
      Status unpinned = kernel.unpin(old + "/links/" + entry.name);
      if (!unpinned.ok() && unpinned.error().sys_errno != ENOENT) return unpinned;
    }
    log.push_back(fmt::format("link {} ({}) detached", info->id, entry.name));
  }
  std::vector<NetlinkEntry> kept_entries;
  if (current) {
    Result<std::vector<NetlinkEntry>> kept = netlink_entries(kernel, *current);
    if (!kept.ok()) return std::move(kept).error();
    kept_entries = std::move(*kept);
  }
  Result<std::vector<NetlinkEntry>> old_entries = netlink_entries(kernel, old);
  if (!old_entries.ok()) return std::move(old_entries).error();
  for (const NetlinkEntry& entry : *old_entries) {
    if (find_place(kept_entries, entry) != nullptr) continue;
    Result<Fd> prog = program_for(kernel, old, entry.pin);
    if (!prog.ok()) return std::move(prog).error();
    BPFLOAD_TRY(detach_netlink(kernel, entry, prog->valid() ? prog->get() : -1));
    log.push_back(fmt::format("{} removed", entry.name()));
  }
  return {};
}

}  // namespace

Status detach_netlink(Kernel& kernel, const NetlinkEntry& entry, int prog_fd) {
  if (entry.kind == NetlinkEntry::Kind::Xdp) {
    if (prog_fd < 0) return {};  // without the program, another's could be removed
    Status detached = kernel.xdp_detach(entry.ifindex, prog_fd, entry.xdp_flags);
    return gone_already(detached) ? Status{} : detached;
  }
  const TcDirection direction = entry.ingress ? TcDirection::Ingress : TcDirection::Egress;
  Status detached = kernel.tc_filter_detach(entry.ifindex, direction, {entry.handle, entry.priority});
  if (!gone_already(detached) && detached.error().kind != ErrorKind::NotFound) return detached;
  if (entry.created_qdisc) {
    Status qdisc = kernel.clsact_destroy(entry.ifindex);
    if (!qdisc.ok() && qdisc.error().kind != ErrorKind::NotFound && !gone_already(qdisc)) return qdisc;
  }
  return {};
}

Status undo_switch(Kernel& kernel, const std::string& staging, const std::string& pin_dir,
                   std::vector<std::string>& log) {
  Result<std::vector<std::string>> objects = objects_in(kernel, staging);
  if (!objects.ok()) return std::move(objects).error();
  for (const std::string& object : *objects)
    BPFLOAD_TRY(undo_object(kernel, object_dir(staging, object), object_dir(pin_dir, object), log));
  return remove_set_tree(kernel, staging);
}

Status finish_switch(Kernel& kernel, const std::optional<std::string>& current, const std::string& old,
                     std::vector<std::string>& log) {
  Result<std::vector<std::string>> objects = objects_in(kernel, old);
  if (!objects.ok()) return std::move(objects).error();
  for (const std::string& object : *objects) {
    std::optional<std::string> kept;
    if (current) kept = object_dir(*current, object);
    BPFLOAD_TRY(finish_object(kernel, kept, object_dir(old, object), log));
  }
  BPFLOAD_TRY(remove_set_tree(kernel, old));
  if (current) {
    Status marker = kernel.remove_directory(*current + "/" + std::string(kSwitchingMarker));
    if (!marker.ok() && marker.error().sys_errno != ENOENT) return marker;
  }
  return {};
}

}  // namespace bpfload::deploy
