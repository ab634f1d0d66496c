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

/// The program pinned for `pin` in object directory `dir`, or an invalid Fd.
Fd program_for(Kernel& kernel, const std::string& dir, const std::string& pin) {
  Result<Fd> fd = kernel.obj_get(dir + "/progs/" + program_of_pin(pin));
  return fd.ok() ? std::move(*fd) : Fd();
}

uint32_t id_of_program(Kernel& kernel, const Fd& fd) {
  if (!fd.valid()) return 0;
  Result<uint32_t> id = kernel.prog_id(fd.get());
  return id.ok() ? *id : 0;
}

std::vector<NetlinkEntry> netlink_entries(Kernel& kernel, const std::string& dir) {
  std::vector<NetlinkEntry> found;
  Result<std::vector<DirectoryEntry>> entries = entries_of(kernel, dir + "/netlink");
  if (!entries.ok()) return found;
  for (const DirectoryEntry& entry : *entries)
    if (auto parsed = parse_netlink_entry(entry.name)) found.push_back(*parsed);
  return found;
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
    if (!link.ok()) continue;
    Result<LinkInfo> info = kernel.link_info(link->get());
    if (!info.ok()) continue;
    Result<Fd> in_place = kernel.obj_get(current + "/links/" + entry.name);
    Result<LinkInfo> in_place_info = in_place.ok() ? kernel.link_info(in_place->get()) : Result<LinkInfo>(in_place.error());
    if (in_place_info.ok() && in_place_info->id == info->id) {
      // The running link: back to the program it had, if it was switched already.
      Fd old_prog = program_for(kernel, current, entry.name);
      const uint32_t old_id = id_of_program(kernel, old_prog);
      if (old_id == 0 || info->prog_id == old_id) continue;
      Fd new_prog = program_for(kernel, staged, entry.name);
      BPFLOAD_TRY(kernel.link_update(link->get(), old_prog.get(), new_prog.valid() ? new_prog.get() : -1));
      log.push_back(fmt::format("link {} ({}) back on program {}", info->id, entry.name, old_id));
      continue;
    }
    // A link this run made: it goes.
    Status detached = kernel.link_detach(link->get());
    if (!gone_already(detached)) return detached;
    log.push_back(fmt::format("link {} ({}) made by the interrupted run detached", info->id, entry.name));
  }
  const std::vector<NetlinkEntry> old_entries = netlink_entries(kernel, current);
  for (const NetlinkEntry& entry : netlink_entries(kernel, staged)) {
    Fd new_prog = program_for(kernel, staged, entry.pin);
    if (const NetlinkEntry* old = find_place(old_entries, entry)) {
      Fd old_prog = program_for(kernel, current, old->pin);
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
    if (!link.ok()) continue;
    Result<LinkInfo> info = kernel.link_info(link->get());
    if (!info.ok()) continue;
    if (current) {
      Result<Fd> kept = kernel.obj_get(*current + "/links/" + entry.name);
      Result<LinkInfo> kept_info = kept.ok() ? kernel.link_info(kept->get()) : Result<LinkInfo>(kept.error());
      if (kept_info.ok() && kept_info->id == info->id) continue;
    }
    Status detached = kernel.link_detach(link->get());
    if (!gone_already(detached)) return detached;
    log.push_back(fmt::format("link {} ({}) detached", info->id, entry.name));
  }
  const std::vector<NetlinkEntry> kept_entries = current ? netlink_entries(kernel, *current) : std::vector<NetlinkEntry>{};
  for (const NetlinkEntry& entry : netlink_entries(kernel, old)) {
    if (find_place(kept_entries, entry) != nullptr) continue;
    Fd prog = program_for(kernel, old, entry.pin);
    BPFLOAD_TRY(detach_netlink(kernel, entry, prog.valid() ? prog.get() : -1));
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
