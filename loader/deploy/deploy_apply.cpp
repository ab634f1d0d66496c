// apply_deployment: recover, compare, load into a staging set with the maps kept, switch
// the attachments (in place where the kernel can), swap the set in, remove the old one.
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "bpfload/deploy.hpp"
#include "bpfload/system.hpp"
#include "deploy_layout.hpp"
#include "deploy_lock.hpp"
#include "deploy_prepare.hpp"
#include "deploy_recover.hpp"
#include "deploy_switch.hpp"

namespace bpfload {
namespace {

using deploy::NetlinkEntry;
using deploy::PreparedObject;

/// One attachment to make or keep.
struct Planned {
  std::string program;
  std::string section;
  uint32_t type = 0;
  uint32_t expected_attach_type = 0;
  AttachTargets targets;
  std::string pin;
  /// A `.struct_ops.link` map to register through a link instead of a program.
  const MapSpec* struct_ops = nullptr;
};

uint32_t xdp_mode_flags(XdpMode mode) {
  switch (mode) {
    case XdpMode::Auto: return 0;
    case XdpMode::Native: return XDP_FLAGS_DRV_MODE;
    case XdpMode::Generic: return XDP_FLAGS_SKB_MODE;
    case XdpMode::Offload: return XDP_FLAGS_HW_MODE;
  }
  return 0;
}

std::string mode_name(uint32_t flags) {
  if (flags == XDP_FLAGS_SKB_MODE) return "generic";
  if (flags == XDP_FLAGS_HW_MODE) return "offload";
  if (flags == XDP_FLAGS_DRV_MODE) return "native";
  return "auto";
}

std::vector<Planned> plan_attachments(const PreparedObject& object, const LoadedObject& loaded,
                                      std::vector<std::string>& not_attached) {
  const ObjectDeployment& d = *object.description;
  std::vector<Planned> planned;
  if (d.attach_all) {
    for (const ProgramToAttach& program : attachable_programs(object.spec, loaded, d.targets, &not_attached)) {
      if (d.no_attach.contains(program.name)) {
        not_attached.push_back(fmt::format("{}: left unattached as asked (no_attach)", program.name));
        continue;
      }
      planned.push_back({program.name, program.section, program.type, program.expected_attach_type, d.targets, {}});
    }
  }
  for (const AttachmentSpec& attachment : d.attachments) {
    for (const ProgramSpec& program : object.spec.programs) {
      if (program.name != attachment.program) continue;
      planned.push_back({program.name, program.section, program.type, program.expected_attach_type,
                         attachment.targets, {}});
      break;
    }
  }
  if (d.attach_all) {
    // struct_ops programs run from their map: each `.struct_ops.link` map is what attaches.
    for (const MapSpec& map : object.spec.maps) {
      if (!map.struct_ops || !map.struct_ops->link || loaded.map_fd(map.name) < 0) continue;
      Planned p;
      p.program = map.name;
      p.struct_ops = &map;
      planned.push_back(std::move(p));
    }
  }
  std::map<std::string, int> count;
  for (Planned& p : planned) {
    const int n = ++count[p.program];
    p.pin = n == 1 ? p.program : fmt::format("{}-{}", p.program, n);
  }
  return planned;
}

/// The netlink entry an attachment would have, or nullopt for a link. A tc program the
/// current set runs through a link stays on a link: the upgrade is in place, whatever a
/// probe says now.
Result<std::optional<NetlinkEntry>> netlink_entry_for(Kernel& kernel, const Planned& p, const std::string& current) {
  const AttachPlan plan = plan_attach(p.section, p.type, p.expected_attach_type, p.targets);
  if (plan.kind == AttachPlan::Kind::Xdp && p.targets.xdp.netlink) {
    Result<uint32_t> ifindex = kernel.interface_index(plan.first);
    if (!ifindex.ok()) return std::move(ifindex).error();
    NetlinkEntry entry;
    entry.kind = NetlinkEntry::Kind::Xdp;
    entry.ifindex = *ifindex;
    entry.xdp_flags = xdp_mode_flags(p.targets.xdp.mode);
    entry.pin = p.pin;
    return std::optional<NetlinkEntry>(entry);
  }
  if (plan.kind == AttachPlan::Kind::Tc) {
    const TcOptions& tc = p.targets.tc;
    const bool asked_netlink = tc.netlink || tc.handle != 0 || tc.priority != 0;
    if (!asked_netlink) {
      Result<bool> linked = deploy::exists(kernel, current + "/links/" + p.pin);
      if (!linked.ok()) return std::move(linked).error();
      if (*linked || kernel.has_tcx()) return std::optional<NetlinkEntry>();
    }
    Result<uint32_t> ifindex = kernel.interface_index(plan.first);
    if (!ifindex.ok()) return std::move(ifindex).error();
    NetlinkEntry entry;
    entry.kind = NetlinkEntry::Kind::Tc;
    entry.ifindex = *ifindex;
    entry.ingress = plan.direction.value_or(TcDirection::Ingress) == TcDirection::Ingress;
    // A fixed filter, so that applying again replaces it instead of adding a second one.
    entry.handle = tc.handle == 0 ? 1 : tc.handle;
    entry.priority = tc.priority == 0 ? 1 : tc.priority;
    entry.pin = p.pin;
    return std::optional<NetlinkEntry>(entry);
  }
  return std::optional<NetlinkEntry>();
}

/// Whether the link pinned for an attachment can take the new program in place.
bool link_fits(const LinkInfo& info, const Planned& p, Kernel& kernel) {
  const AttachPlan plan = plan_attach(p.section, p.type, p.expected_attach_type, p.targets);
  if (plan.kind == AttachPlan::Kind::Xdp) {
    Result<uint32_t> ifindex = kernel.interface_index(plan.first);
    return info.type == BPF_LINK_TYPE_XDP && ifindex.ok() && info.ifindex == *ifindex;
  }
  if (plan.kind == AttachPlan::Kind::Tc) {
    Result<uint32_t> ifindex = kernel.interface_index(plan.first);
    const uint32_t attach_type =
        plan.direction.value_or(TcDirection::Ingress) == TcDirection::Ingress ? kAttachTcxIngress : kAttachTcxEgress;
    return info.type == uapi::kLinkTypeTcx && ifindex.ok() && info.ifindex == *ifindex &&
           (info.attach_type == 0 || info.attach_type == attach_type);
  }
  if (plan.kind == AttachPlan::Kind::Cgroup) return info.type == BPF_LINK_TYPE_CGROUP && info.attach_type == p.expected_attach_type;
  return false;  // the other kinds have no update: attach the new one, then detach the old
}

std::vector<NetlinkEntry> entries_in(Kernel& kernel, const std::string& dir) {
  std::vector<NetlinkEntry> found;
  Result<std::vector<DirectoryEntry>> entries = deploy::entries_of(kernel, dir + "/netlink");
  if (!entries.ok()) return found;
  for (const DirectoryEntry& entry : *entries)
    if (auto parsed = deploy::parse_netlink_entry(entry.name)) found.push_back(*parsed);
  return found;
}

class Transaction {
 public:
  Transaction(Kernel& kernel, DeployReport& report) : kernel_(kernel), report_(report) {}

  Status switch_object(const PreparedObject& object, const LoadedObject& loaded, const std::string& staged,
                       const std::string& current) {
    std::vector<Planned> planned = plan_attachments(object, loaded, report_.not_attached);
    const std::vector<NetlinkEntry> old_entries = entries_in(kernel_, current);
    for (const Planned& p : planned) {
      if (p.struct_ops != nullptr) {
        DeployedAttachment done;
        done.object = object.description->name;
        done.program = p.program;
        BPFLOAD_TRY(switch_struct_ops(p, loaded.map_fd(p.program), staged, current, done));
        report_.attachments.push_back(std::move(done));
        continue;
      }
      const int fd = loaded.program_fd(p.program);
      if (fd < 0)
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("program '{}' was not loaded, so it cannot be attached", p.program));
      DeployedAttachment done;
      done.object = object.description->name;
      done.program = p.program;
      Result<uint32_t> prog_id = kernel_.prog_id(fd);
      done.prog_id = prog_id.ok() ? *prog_id : 0;
      Result<std::optional<NetlinkEntry>> entry = netlink_entry_for(kernel_, p, current);
      if (!entry.ok()) return entry.error().with_context(fmt::format("attach '{}'", p.program));
      if (*entry) {
        BPFLOAD_TRY(switch_netlink(**entry, fd, old_entries, staged, current, done));
      } else {
        BPFLOAD_TRY(switch_link(p, fd, staged, current, done));
      }
      report_.attachments.push_back(std::move(done));
    }
    return {};
  }

 private:
  Status make_dir(const std::string& path) {
    Result<bool> made = kernel_.ensure_directory(path);
    if (!made.ok()) return std::move(made).error();
    return {};
  }

  Status switch_netlink(NetlinkEntry entry, int fd, const std::vector<NetlinkEntry>& old_entries,
                        const std::string& staged, const std::string& current, DeployedAttachment& done) {
    const TcDirection direction = entry.ingress ? TcDirection::Ingress : TcDirection::Egress;
    const NetlinkEntry* old = nullptr;
    for (const NetlinkEntry& candidate : old_entries)
      if (candidate.same_place(entry)) old = &candidate;
    done.mechanism = entry.kind == NetlinkEntry::Kind::Xdp ? "netlink" : "tc-filter";
    done.target = entry.kind == NetlinkEntry::Kind::Xdp
                      ? fmt::format("xdp ifindex {} ({})", entry.ifindex, mode_name(entry.xdp_flags))
                      : fmt::format("tc ifindex {} {} (clsact filter handle {:#x} priority {})", entry.ifindex,
                                    entry.ingress ? "ingress" : "egress", entry.handle, entry.priority);
    BPFLOAD_TRY(make_dir(staged + "/netlink"));
    if (old != nullptr) {
      entry.created_qdisc = old->created_qdisc;
      // Recorded before the step, so an undo finds it.
      BPFLOAD_TRY(kernel_.make_directory(staged + "/netlink/" + entry.name()));
      done.pin = staged + "/netlink/" + entry.name();
      Result<Fd> old_prog = kernel_.obj_get(current + "/progs/" + deploy::program_of_pin(old->pin));
      if (!old_prog.ok()) return old_prog.error().with_context("the program running there now");
      if (entry.kind == NetlinkEntry::Kind::Xdp) {
        Status replaced = kernel_.xdp_replace(entry.ifindex, fd, old_prog->get(), entry.xdp_flags);
        if (!replaced.ok())
          return replaced.error().with_context(
              fmt::format("replace the XDP program on ifindex {} (XDP_FLAGS_REPLACE)", entry.ifindex));
      } else {
        Result<TcFilterId> replaced =
            kernel_.tc_filter_attach(entry.ifindex, direction, fd, {entry.handle, entry.priority}, true);
        if (!replaced.ok())
          return replaced.error().with_context(fmt::format("replace the tc filter on ifindex {}", entry.ifindex));
      }
      done.change = "updated in place";
      report_.changes.push_back(fmt::format("{}: program '{}' put in place of the previous one (in place)",
                                            done.target, done.program));
      return {};
    }
    if (entry.kind == NetlinkEntry::Kind::Tc) {
      Result<bool> created = kernel_.clsact_create(entry.ifindex);
      if (!created.ok()) return created.error().with_context(fmt::format("add a clsact qdisc on ifindex {}", entry.ifindex));
      entry.created_qdisc = *created;
    }
    Status recorded = kernel_.make_directory(staged + "/netlink/" + entry.name());
    if (!recorded.ok()) {
      if (entry.created_qdisc) (void)kernel_.clsact_destroy(entry.ifindex);
      return recorded;
    }
    done.pin = staged + "/netlink/" + entry.name();
    if (entry.kind == NetlinkEntry::Kind::Xdp) {
      Status attached = kernel_.xdp_attach(entry.ifindex, fd, entry.xdp_flags | XDP_FLAGS_UPDATE_IF_NOEXIST);
      if (!attached.ok()) {
        if (attached.error().sys_errno == EBUSY || attached.error().sys_errno == EEXIST)
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format("ifindex {} already has an XDP program that is not this deployment's; "
                                        "remove it first (ip link set dev DEV xdp off)",
                                        entry.ifindex),
                            attached.error().sys_errno);
        return attached;
      }
    } else {
      Result<TcFilterId> attached =
          kernel_.tc_filter_attach(entry.ifindex, direction, fd, {entry.handle, entry.priority}, false);
      if (!attached.ok()) {
        if (attached.error().sys_errno == EEXIST)
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format("a filter with handle {} and priority {} that is not this deployment's is "
                                        "already on ifindex {} {}; remove it or choose another priority",
                                        entry.handle, entry.priority, entry.ifindex,
                                        entry.ingress ? "ingress" : "egress"),
                            EEXIST);
        return std::move(attached).error();
      }
    }
    done.change = "created";
    report_.changes.push_back(fmt::format("{}: program '{}' attached", done.target, done.program));
    return {};
  }

  // A struct_ops link runs the map it was made from. An upgrade moves it to the new map in
  // place (BPF_LINK_UPDATE with the map as the expected old one): the kernel refuses a
  // second registration of one name, so attach-then-detach is not possible here.
  Status switch_struct_ops(const Planned& p, int map_fd, const std::string& staged, const std::string& current,
                           DeployedAttachment& done) {
    const std::string old_pin = current + "/links/" + p.pin;
    const std::string new_pin = staged + "/links/" + p.pin;
    done.mechanism = "link";
    done.pin = new_pin;
    done.target = fmt::format("struct_ops {}", p.struct_ops->struct_ops->type_name);
    BPFLOAD_TRY(make_dir(staged + "/links"));
    Result<bool> had = deploy::exists(kernel_, old_pin);
    if (!had.ok()) return std::move(had).error();
    if (*had) {
      Result<Fd> link = kernel_.obj_get(old_pin);
      if (!link.ok()) return link.error().with_context("the struct_ops link running now");
      Result<LinkInfo> info = kernel_.link_info(link->get());
      if (!info.ok()) return info.error().with_context("the struct_ops link running now");
      Result<Fd> old_map = kernel_.obj_get(current + "/maps/" + p.program);
      if (!old_map.ok()) return old_map.error().with_context("the struct_ops map running now");
      BPFLOAD_TRY(kernel_.obj_pin(link->get(), new_pin));
      Status updated = kernel_.link_update(link->get(), map_fd, old_map->get());
      if (!updated.ok())
        return updated.error().with_context(fmt::format("move struct_ops link {} to the new map '{}'", info->id, p.program));
      done.link_id = info->id;
      done.change = "updated in place";
      report_.changes.push_back(fmt::format("link {} ({}): struct_ops map replaced in place", info->id, p.pin));
      return {};
    }
    Result<Attachment> attachment = attach_struct_ops(kernel_, map_fd, p.program, p.struct_ops->struct_ops->type_name);
    if (!attachment.ok()) return std::move(attachment).error();
    BPFLOAD_TRY(attachment->pin(new_pin));
    Result<LinkInfo> info = kernel_.link_info(attachment->link_fd());
    done.link_id = info.ok() ? info->id : 0;
    done.target = attachment->target();
    done.change = "created";
    report_.changes.push_back(fmt::format("{}: map '{}' registered", done.target, p.program));
    return {};
  }

  Status switch_link(const Planned& p, int fd, const std::string& staged, const std::string& current,
                     DeployedAttachment& done) {
    const std::string old_pin = current + "/links/" + p.pin;
    const std::string new_pin = staged + "/links/" + p.pin;
    done.mechanism = "link";
    done.pin = new_pin;
    BPFLOAD_TRY(make_dir(staged + "/links"));
    Result<bool> had = deploy::exists(kernel_, old_pin);
    if (!had.ok()) return std::move(had).error();
    bool replacing = false;
    if (*had) {
      Result<Fd> link = kernel_.obj_get(old_pin);
      if (!link.ok()) return link.error().with_context("the link running now");
      Result<LinkInfo> info = kernel_.link_info(link->get());
      if (!info.ok()) return info.error().with_context("the link running now");
      replacing = true;
      if (link_fits(*info, p, kernel_)) {
        // Pinned in the staging set before the update, so an undo finds it.
        BPFLOAD_TRY(kernel_.obj_pin(link->get(), new_pin));
        Result<Fd> old_prog = kernel_.obj_get(current + "/progs/" + p.program);
        Status updated = kernel_.link_update(link->get(), fd, old_prog.ok() ? old_prog->get() : -1);
        if (updated.ok()) {
          done.link_id = info->id;
          done.target = fmt::format("link {}", info->id);
          done.change = "updated in place";
          report_.changes.push_back(fmt::format("link {} ({}): program {} -> {} (in place, BPF_LINK_UPDATE)",
                                                info->id, p.pin, info->prog_id, done.prog_id));
          return {};
        }
        const int err = updated.error().sys_errno;
        if (err != EOPNOTSUPP && err != EINVAL)
          return updated.error().with_context(fmt::format("update link {} of '{}' in place", info->id, p.program));
        BPFLOAD_TRY(kernel_.unpin(new_pin));
      }
    }
    Result<Attachment> attachment =
        attach_program(kernel_, fd, p.program, p.section, p.type, p.expected_attach_type, p.targets);
    if (!attachment.ok()) return std::move(attachment).error();
    if (!attachment->is_link())
      return make_error(ErrorKind::Unsupported,
                        fmt::format("'{}' attaches through a {} here, which cannot be pinned: deployments keep only "
                                    "links and netlink attachments (this kernel lacks the link for it)",
                                    p.program, attachment->mechanism()));
    BPFLOAD_TRY(attachment->pin(new_pin));  // on failure the attachment is detached as it goes
    Result<LinkInfo> info = kernel_.link_info(attachment->link_fd());
    done.link_id = info.ok() ? info->id : 0;
    done.target = attachment->target();
    done.change = replacing ? "replaced (new attached, then old detached)" : "created";
    report_.changes.push_back(fmt::format("{}: program '{}' attached{}", done.target, p.program,
                                          replacing ? " (the old attachment is detached after: a short overlap)" : ""));
    return {};
  }

  Kernel& kernel_;
  DeployReport& report_;
};

/// Whether what `pin_dir` holds is still in place: every program pinned, every link
/// live on the program pinned for it, every netlink XDP program on its device.
Result<std::string> drift(Kernel& kernel, const std::string& pin_dir, const std::vector<PreparedObject>& objects) {
  for (const PreparedObject& object : objects) {
    const std::string dir = deploy::object_dir(pin_dir, object.description->name);
    Result<std::vector<DirectoryEntry>> links = deploy::entries_of(kernel, dir + "/links");
    if (!links.ok()) return std::move(links).error();
    for (const DirectoryEntry& entry : *links) {
      Result<Fd> link = kernel.obj_get(dir + "/links/" + entry.name);
      Result<LinkInfo> info = link.ok() ? kernel.link_info(link->get()) : Result<LinkInfo>(link.error());
      // A struct_ops link runs the map of its name: alive is all there is to check.
      Result<bool> runs_program = deploy::exists(kernel, dir + "/progs/" + deploy::program_of_pin(entry.name));
      if (!runs_program.ok()) return std::move(runs_program).error();
      if (!*runs_program) {
        Result<bool> runs_map = deploy::exists(kernel, dir + "/maps/" + entry.name);
        if (!runs_map.ok()) return std::move(runs_map).error();
        if (*runs_map && info.ok() && info->id != 0) continue;
      }
      Result<Fd> prog = kernel.obj_get(dir + "/progs/" + deploy::program_of_pin(entry.name));
      Result<uint32_t> prog_id = prog.ok() ? kernel.prog_id(prog->get()) : Result<uint32_t>(prog.error());
      if (!info.ok() || !prog_id.ok() || info->prog_id != *prog_id)
        return fmt::format("link {} no longer runs its program", entry.name);
    }
    for (const NetlinkEntry& entry : entries_in(kernel, dir)) {
      if (entry.kind != NetlinkEntry::Kind::Xdp) continue;
      Result<Fd> prog = kernel.obj_get(dir + "/progs/" + deploy::program_of_pin(entry.pin));
      Result<uint32_t> prog_id = prog.ok() ? kernel.prog_id(prog->get()) : Result<uint32_t>(prog.error());
      Result<uint32_t> attached = kernel.xdp_attached_id(entry.ifindex, entry.xdp_flags);
      if (!prog_id.ok() || !attached.ok() || *attached != *prog_id)
        return fmt::format("the XDP program of {} was changed or removed", entry.name());
    }
    for (const ProgramSpec& program : object.spec.programs) {
      const auto& only = object.description->only_programs;
      if (!only.empty() && std::find(only.begin(), only.end(), program.name) == only.end()) continue;
      Result<bool> pinned = deploy::exists(kernel, dir + "/progs/" + program.name);
      if (!pinned.ok()) return std::move(pinned).error();
      if (!*pinned) return fmt::format("program {} is no longer pinned", program.name);
    }
  }
  return std::string();
}

/// Maps of the current set kept by name when their definition matches.
Result<std::map<std::string, MapOverride>> kept_maps(Kernel& kernel, const PreparedObject& object,
                                                     const std::string& current, DeployReport& report) {
  const ObjectDeployment& d = *object.description;
  std::map<std::string, MapOverride> maps = d.maps;
  for (const MapSpec& spec : object.spec.maps) {
    if (spec.pinning != Pinning::None) continue;  // the object's own pin is reused by the loader
    if (maps.contains(spec.name) && maps[spec.name].reuse_path) continue;  // the caller chose
    const std::string path = current + "/maps/" + spec.name;
    Result<bool> there = deploy::exists(kernel, path);
    if (!there.ok()) return std::move(there).error();
    if (!*there) continue;
    Result<Fd> fd = kernel.obj_get(path);
    if (!fd.ok()) return fd.error().with_context(fmt::format("map '{}'", spec.name));
    Result<MapInfo> info = kernel.map_info(fd->get());
    if (!info.ok()) return info.error().with_context(fmt::format("map '{}'", spec.name));
    const MapOverride* override = d.maps.contains(spec.name) ? &d.maps.at(spec.name) : nullptr;
    const uint32_t max_entries = override && override->max_entries ? *override->max_entries : spec.max_entries;
    const uint32_t flags = override && override->flags ? *override->flags : spec.flags;
    const uint32_t value_size = override && override->value_size ? *override->value_size : spec.value_size;
    std::vector<std::string> differences;
    if (info->type != spec.type) differences.push_back(fmt::format("type {} -> {}", info->type, spec.type));
    if (info->key_size != spec.key_size)
      differences.push_back(fmt::format("key size {} -> {}", info->key_size, spec.key_size));
    if (info->value_size != value_size)
      differences.push_back(fmt::format("value size {} -> {}", info->value_size, value_size));
    if (max_entries != 0 && info->max_entries != max_entries)
      differences.push_back(fmt::format("max_entries {} -> {}", info->max_entries, max_entries));
    if (info->flags != flags) differences.push_back(fmt::format("flags {:#x} -> {:#x}", info->flags, flags));
    if (!differences.empty()) {
      if (!d.recreate_maps.contains(spec.name))
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("upgrade refused: map '{}' (pinned at {}) changed its definition: {}; keep "
                                      "the old definition, or ask for the map to be recreated empty (its contents "
                                      "are lost): --recreate-map {} on the command line, recreate_maps: [{}] in a "
                                      "deployment file",
                                      spec.name, path, fmt::join(differences, ", "), spec.name, spec.name));
      report.changes.push_back(fmt::format("map '{}' recreated empty ({})", spec.name, fmt::join(differences, ", ")));
      continue;
    }
    maps[spec.name].reuse_path = path;
    report.changes.push_back(fmt::format("map '{}' kept with its contents (id {})", spec.name, info->id));
  }
  return maps;
}

LoadOptions load_options_for(Kernel& kernel, const PreparedObject& object, const std::string& staged) {
  const ObjectDeployment& d = *object.description;
  LoadOptions load;
  load.kernel = &kernel;
  load.pin_root = d.pin_root;
  load.pin_dir = staged;
  load.object_id = object.object_id;
  load.log_level = d.log_level;
  load.program_log_levels = d.program_log_levels;
  load.program_flags = d.program_flags;
  load.log_limit = d.log_limit;
  // Registering a `.struct_ops` map (not `.link`) is writing its value: done by the load.
  load.register_struct_ops = d.attach_all;
  load.require_bpffs = d.require_bpffs;
  load.btf_path = d.btf_path;
  load.only_programs = d.only_programs;
  load.parallelism = d.parallelism;
  return load;
}

// `lock` receives the lock a real run takes once the description is known to be sound.
Result<DeployReport> apply_with(Kernel& kernel, const Deployment& deployment, const DeployOptions& options,
                                deploy::DeploymentLock& lock) {
  DeployReport report;
  Result<std::vector<PreparedObject>> objects = deploy::prepare(kernel, deployment);
  if (!objects.ok()) return std::move(objects).error();
  Result<std::string> digest = deploy::digest_of(deployment, *objects);
  if (!digest.ok()) return std::move(digest).error();
  report.digest = *digest;
  const std::string& pin_dir = deployment.pin_dir;
  if (options.dry_run) {
    Result<std::vector<deploy::StagingDir>> stray = deploy::staging_dirs(kernel, pin_dir);
    if (!stray.ok()) return std::move(stray).error();
    for (const auto& staging : *stray)
      report.recovered.push_back(fmt::format("would finish or undo the interrupted run (pid {}) in {}", staging.pid,
                                             staging.path));
  } else {
    Result<deploy::DeploymentLock> locked = deploy::lock_deployments_beside(kernel, pin_dir, options.lock_wait_ms);
    if (!locked.ok()) return std::move(locked).error();
    lock = std::move(*locked);
    Result<std::vector<std::string>> recovered = deploy::recover(kernel, pin_dir);
    if (!recovered.ok()) return std::move(recovered).error();
    report.recovered = std::move(*recovered);
  }

  Result<std::string> deployed = deploy::digest_of(kernel, pin_dir);
  if (!deployed.ok()) return std::move(deployed).error();
  Result<std::vector<DirectoryEntry>> present = deploy::entries_of(kernel, pin_dir);
  if (!present.ok()) return std::move(present).error();
  const bool occupied = !present->empty();
  if (*deployed == *digest) {
    Result<std::string> changed = drift(kernel, pin_dir, *objects);
    if (!changed.ok()) return std::move(changed).error();
    if (changed->empty()) {
      report.outcome = DeployOutcome::Unchanged;
      Result<DeploymentStatus> status = deployment_status(pin_dir, &kernel);
      if (status.ok()) report.attachments = status->attachments;
      return report;
    }
    report.changes.push_back(fmt::format("{} holds this deployment, but {}: applying it again", pin_dir, *changed));
  } else if (occupied && !options.replace) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("pin directory {} already holds {}; upgrade it with --replace (maps with the "
                                  "same definition keep their contents, attachments are updated in place), or "
                                  "remove it with `bpfload delete {}`",
                                  pin_dir, deployed->empty() ? "pins of an earlier load" : "another deployment",
                                  pin_dir),
                      EEXIST);
  }
  report.outcome = occupied ? DeployOutcome::Upgraded : DeployOutcome::Created;
  if (options.dry_run) {
    for (const PreparedObject& object : *objects) {
      Result<std::map<std::string, MapOverride>> maps =
          kept_maps(kernel, object, deploy::object_dir(pin_dir, object.description->name), report);
      if (!maps.ok()) return std::move(maps).error();
      report.changes.push_back(fmt::format("load {} ({} programs)", object.description->path,
                                           object.spec.programs.size()));
    }
    return report;
  }

  BPFLOAD_TRY(deploy::check_targets(kernel, *objects));
  Result<int> pid = kernel.process_id();
  if (!pid.ok()) return std::move(pid).error();
  const std::string staging = deploy::staging_dir(pin_dir, *pid);
  std::vector<std::string> created;
  if (!occupied) {
    Status made = make_directories(kernel, pin_dir, created);
    if (!made.ok()) return made.error().with_context(fmt::format("create the pin directory {}", pin_dir));
  }
  const auto fail = [&](Error error) -> Error {
    std::vector<std::string> log;
    Status undone = deploy::undo_switch(kernel, staging, pin_dir, log);
    if (!occupied)
      for (auto it = created.rbegin(); it != created.rend(); ++it) (void)kernel.remove_directory(*it);
    if (!undone.ok())
      return error.with_context(fmt::format("(undoing it failed too: {}; the next run finishes the undo)",
                                            undone.error().message));
    return error;
  };
  BPFLOAD_TRY(kernel.make_directory(staging));
  std::vector<LoadedObject> loaded;
  for (const PreparedObject& object : *objects) {
    const std::string current = deploy::object_dir(pin_dir, object.description->name);
    const std::string staged = deploy::object_dir(staging, object.description->name);
    Result<std::map<std::string, MapOverride>> maps = kept_maps(kernel, object, current, report);
    if (!maps.ok()) return fail(std::move(maps).error());
    LoadOptions load = load_options_for(kernel, object, staged);
    load.maps = std::move(*maps);
    LoadReport load_report;
    Result<LoadedObject> result = load_object(object.spec, load, &load_report);
    report.loads.push_back(std::move(load_report));
    if (!result.ok()) return fail(result.error().with_context(object.description->path));
    loaded.push_back(std::move(*result));
  }
  {
    Status marked = kernel.make_directory(staging + "/" + std::string(deploy::kSwitchingMarker));
    if (!marked.ok()) return fail(std::move(marked).error());
    Status recorded = kernel.make_directory(staging + "/" + std::string(deploy::kDigestPrefix) + *digest);
    if (!recorded.ok()) return fail(std::move(recorded).error());
  }
  Transaction transaction(kernel, report);
  for (size_t i = 0; i < objects->size(); ++i) {
    const std::string& name = (*objects)[i].description->name;
    Status switched = transaction.switch_object((*objects)[i], loaded[i], deploy::object_dir(staging, name),
                                                deploy::object_dir(pin_dir, name));
    if (!switched.ok()) return fail(std::move(switched).error());
  }
  if (options.require_attachment && report.attachments.empty())
    return fail(make_error(ErrorKind::InvalidArgument,
                           fmt::format("--attach attached nothing: no program's section says where it attaches{}{}",
                                       report.not_attached.empty() ? "" : " (", 
                                       report.not_attached.empty() ? "" : fmt::format("{})", fmt::join(report.not_attached, "; ")))));
  Status swapped = exchange_directories(kernel, staging, pin_dir);
  if (!swapped.ok()) return fail(swapped.error().with_context(fmt::format("swap the new set into {}", pin_dir)));
  // The new set is in place: from here on the run only finishes.
  std::vector<std::string> log;
  Status finished = deploy::finish_switch(kernel, pin_dir, staging, log);
  const auto moved = [&](std::string& path) {
    if (path.starts_with(staging + "/")) path.replace(0, staging.size(), pin_dir);
  };
  for (DeployedAttachment& attachment : report.attachments) moved(attachment.pin);
  for (LoadReport& load : report.loads) {
    for (MapResult& map : load.maps) moved(map.pin_path);
    for (ProgramResult& program : load.programs) moved(program.pin_path);
  }
  for (std::string& line : log) report.changes.push_back(line);
  if (!finished.ok())
    report.changes.push_back(fmt::format("the new set is in place, but removing the old one failed ({}); the next "
                                         "run removes it",
                                         finished.error().message));
  return report;
}

}  // namespace

Result<DeployReport> apply_deployment(const Deployment& deployment, const DeployOptions& options) {
  Kernel& kernel = options.kernel != nullptr ? *options.kernel : system_kernel();
  deploy::DeploymentLock lock;
  Result<DeployReport> applied = apply_with(kernel, deployment, options, lock);
  // Before the lock goes: the next run must not find half of this one's directories.
  if (!applied.ok()) deploy::remove_created_parents(kernel, lock);
  return applied;
}

std::string_view to_string(DeployOutcome outcome) noexcept {
  switch (outcome) {
    case DeployOutcome::Created: return "created";
    case DeployOutcome::Upgraded: return "upgraded";
    case DeployOutcome::Unchanged: return "unchanged";
    case DeployOutcome::Removed: return "removed";
  }
  return "?";
}

}  // namespace bpfload
