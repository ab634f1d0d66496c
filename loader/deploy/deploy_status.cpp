// deployment_status, remove_deployment and deployment_digest: reading a deployment back
// from its pins, and taking it away.
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

std::string qualified(const std::string& object, const std::string& name) {
  return object.empty() ? name : object + "/" + name;
}

}  // namespace

Result<DeploymentStatus> deployment_status(const std::string& pin_dir, Kernel* kernel_or_null) {
  Kernel& kernel = kernel_or_null != nullptr ? *kernel_or_null : system_kernel();
  DeploymentStatus status;
  Result<std::vector<deploy::StagingDir>> staging = deploy::staging_dirs(kernel, pin_dir);
  if (!staging.ok()) return std::move(staging).error();
  for (const auto& dir : *staging)
    status.staging.push_back(fmt::format("{} (pid {}{})", dir.path, dir.pid, dir.running ? ", running" : ", interrupted"));
  Result<bool> there = deploy::exists(kernel, pin_dir);
  if (!there.ok()) return std::move(there).error();
  status.present = *there;
  if (!*there) return status;
  Result<std::string> digest = deploy::digest_of(kernel, pin_dir);
  if (!digest.ok()) return std::move(digest).error();
  status.digest = *digest;
  Result<std::vector<std::string>> objects = deploy::objects_in(kernel, pin_dir);
  if (!objects.ok()) return std::move(objects).error();
  for (const std::string& object : *objects) {
    const std::string dir = deploy::object_dir(pin_dir, object);
    for (const char* kind : {"maps", "progs"}) {
      Result<std::vector<DirectoryEntry>> entries = deploy::entries_of(kernel, dir + "/" + kind);
      if (!entries.ok()) return std::move(entries).error();
      for (const DirectoryEntry& entry : *entries) {
        uint32_t id = 0;
        if (Result<Fd> fd = kernel.obj_get(dir + "/" + kind + "/" + entry.name); fd.ok()) {
          if (kind[0] == 'm') {
            if (Result<MapInfo> info = kernel.map_info(fd->get()); info.ok()) id = info->id;
          } else if (Result<uint32_t> prog = kernel.prog_id(fd->get()); prog.ok()) {
            id = *prog;
          }
        }
        (kind[0] == 'm' ? status.maps : status.programs)
            .push_back(fmt::format("{} id {}", qualified(object, entry.name), id));
      }
    }
    Result<std::vector<DirectoryEntry>> links = deploy::entries_of(kernel, dir + "/links");
    if (!links.ok()) return std::move(links).error();
    for (const DirectoryEntry& entry : *links) {
      DeployedAttachment attachment;
      attachment.object = object;
      attachment.program = deploy::program_of_pin(entry.name);
      attachment.pin = dir + "/links/" + entry.name;
      attachment.mechanism = "link";
      if (Result<Fd> fd = kernel.obj_get(attachment.pin); fd.ok()) {
        if (Result<LinkInfo> info = kernel.link_info(fd->get()); info.ok()) {
          attachment.link_id = info->id;
          attachment.prog_id = info->prog_id;
          attachment.target = info->ifindex != 0 ? fmt::format("link {} type {} ifindex {}", info->id, info->type, info->ifindex)
                                                 : fmt::format("link {} type {}", info->id, info->type);
        }
      }
      status.attachments.push_back(std::move(attachment));
    }
    Result<std::vector<DirectoryEntry>> netlink = deploy::entries_of(kernel, dir + "/netlink");
    if (!netlink.ok()) return std::move(netlink).error();
    for (const DirectoryEntry& entry : *netlink) {
      const auto parsed = deploy::parse_netlink_entry(entry.name);
      if (!parsed) continue;
      DeployedAttachment attachment;
      attachment.object = object;
      attachment.program = deploy::program_of_pin(parsed->pin);
      attachment.pin = dir + "/netlink/" + entry.name;
      attachment.mechanism = parsed->kind == deploy::NetlinkEntry::Kind::Xdp ? "netlink" : "tc-filter";
      attachment.target = parsed->kind == deploy::NetlinkEntry::Kind::Xdp
                              ? fmt::format("xdp ifindex {}", parsed->ifindex)
                              : fmt::format("tc ifindex {} {} handle {:#x} priority {}", parsed->ifindex,
                                            parsed->ingress ? "ingress" : "egress", parsed->handle, parsed->priority);
      if (Result<Fd> fd = kernel.obj_get(dir + "/progs/" + attachment.program); fd.ok())
        if (Result<uint32_t> id = kernel.prog_id(fd->get()); id.ok()) attachment.prog_id = *id;
      status.attachments.push_back(std::move(attachment));
    }
  }
  return status;
}

Result<DeployReport> remove_deployment(const std::string& pin_dir, const DeployOptions& options) {
  Kernel& kernel = options.kernel != nullptr ? *options.kernel : system_kernel();
  DeployReport report;
  report.outcome = DeployOutcome::Removed;
  Result<bool> there = deploy::exists(kernel, pin_dir);
  if (!there.ok()) return std::move(there).error();
  Result<std::vector<deploy::StagingDir>> staging = deploy::staging_dirs(kernel, pin_dir);
  if (!staging.ok()) return std::move(staging).error();
  if (!*there && staging->empty())
    return make_error(ErrorKind::NotFound, fmt::format("{} does not exist: nothing is deployed there", pin_dir), ENOENT);
  BPFLOAD_TRY(check_bpffs(kernel, *there ? pin_dir : deploy::parent_dir(pin_dir)));
  if (options.dry_run) {
    Result<DeploymentStatus> status = deployment_status(pin_dir, &kernel);
    if (!status.ok()) return std::move(status).error();
    report.attachments = status->attachments;
    for (const DeployedAttachment& attachment : status->attachments)
      report.changes.push_back(fmt::format("would detach {}", attachment.pin));
    report.changes.push_back(fmt::format("would remove every pin in {} and the directory", pin_dir));
    return report;
  }
  Result<deploy::DeploymentLock> lock = deploy::lock_deployments_beside(kernel, pin_dir, options.lock_wait_ms);
  if (!lock.ok()) return std::move(lock).error();
  Result<std::vector<std::string>> recovered = deploy::recover(kernel, pin_dir);
  if (!recovered.ok()) return std::move(recovered).error();
  report.recovered = std::move(*recovered);
  if (!*there) return report;
  std::vector<std::string> log;
  Status removed = deploy::finish_switch(kernel, std::nullopt, pin_dir, log);
  report.changes = std::move(log);
  if (!removed.ok()) return removed.error().with_context(fmt::format("remove the deployment in {}", pin_dir));
  report.changes.push_back(fmt::format("removed every pin and directory of {}", pin_dir));
  return report;
}

Result<std::string> deployment_digest(const Deployment& deployment, Kernel* kernel_or_null) {
  Kernel& kernel = kernel_or_null != nullptr ? *kernel_or_null : system_kernel();
  Result<std::vector<deploy::PreparedObject>> objects = deploy::prepare(kernel, deployment);
  if (!objects.ok()) return std::move(objects).error();
  return deploy::digest_of(deployment, *objects);
}

}  // namespace bpfload
