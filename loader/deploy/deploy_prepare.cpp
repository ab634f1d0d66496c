// A deployment's description checked and its objects read, before the kernel is touched.
#include "deploy_prepare.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <set>

#include <fmt/format.h>

#include "bpfload/constants.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"

namespace bpfload::deploy {
namespace {

Status check_object_name(const std::string& name) {
  if (name.empty()) return {};
  const bool valid = name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!valid)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("object name '{}': use letters, digits, '_' and '-' (at most 64): it names "
                                  "the object's directory on bpffs",
                                  name));
  if (name == "maps" || name == "progs" || name == "links" || name == "netlink" || name.starts_with("bpfload-"))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("object name '{}' is one bpfload uses for its own directories; choose another",
                                  name));
  return {};
}

std::string targets_text(const AttachTargets& t) {
  return fmt::format("device={} cgroup={} direction={} xdp_mode={} xdp_netlink={} tc_netlink={} handle={} priority={}",
                     t.device, t.cgroup,
                     t.tc_direction ? (*t.tc_direction == TcDirection::Ingress ? "ingress" : "egress") : "-",
                     static_cast<int>(t.xdp.mode), t.xdp.netlink, t.tc.netlink, t.tc.handle, t.tc.priority);
}

// bpffs refuses every lookup of a name holding '.' with EPERM, even as root: say so
// instead of passing on a bare "Operation not permitted".
Status check_pin_dir_lookup(Kernel& kernel, const std::string& pin_dir) {
  for (std::string path = pin_dir; !path.empty() && path != "/";) {
    Result<FileKind> kind = kernel.file_kind(path, false);
    if (kind.ok()) return {};
    if (kind.error().sys_errno != EPERM) return kind.error().with_context(fmt::format("pin directory {}", pin_dir));
    const size_t slash = path.find_last_of('/');
    const std::string name = path.substr(slash + 1);
    if (name.find('.') != std::string::npos && name != "." && name != "..")
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("pin directory {}: a bpf filesystem refuses names containing '.' ('{}'); use '-' "
                                    "or '_' instead",
                                    pin_dir, name),
                        EPERM);
    path = slash == 0 ? std::string("/") : path.substr(0, slash);
  }
  return {};
}

}  // namespace

Result<std::vector<PreparedObject>> prepare(Kernel& kernel, const Deployment& deployment) {
  if (deployment.pin_dir.empty() || deployment.pin_dir.front() != '/')
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("pin directory '{}': give an absolute path under a bpf filesystem "
                                  "(e.g. /sys/fs/bpf/myapp)",
                                  deployment.pin_dir));
  BPFLOAD_TRY(check_pin_dir_lookup(kernel, deployment.pin_dir));
  if (deployment.objects.empty())
    return make_error(ErrorKind::InvalidArgument, "the deployment has no objects");
  std::set<std::string> names;
  for (const ObjectDeployment& object : deployment.objects) {
    BPFLOAD_TRY(check_object_name(object.name));
    if (object.name.empty() && deployment.objects.size() > 1)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("object {}: a deployment of several objects names each one (its directory)",
                                    object.path));
    if (!names.insert(object.name).second)
      return make_error(ErrorKind::InvalidArgument, fmt::format("two objects are named '{}'", object.name));
  }
  std::vector<PreparedObject> prepared;
  for (const ObjectDeployment& object : deployment.objects) {
    const std::string what = object.name.empty() ? object.path : fmt::format("object '{}' ({})", object.name, object.path);
    Result<std::vector<std::byte>> bytes =
        kernel.read_file(object.path, object.parse.limits.max_object_bytes, std::string(kElfMagic));
    if (!bytes.ok()) return bytes.error().with_context(what);
    Result<ObjectSpec> spec = parse_object(*bytes, object.parse);
    if (!spec.ok()) return spec.error().with_context(what);
    for (const auto& [name, value] : object.settings) {
      Status set = set_constant(*spec, name, value);
      if (!set.ok()) return set.error().with_context(fmt::format("{}: setting {}", what, name));
    }
    for (const auto& [name, type] : object.program_types) {
      bool found = false;
      for (ProgramSpec& program : spec->programs) {
        if (program.name != name || program.type == type) {
          found |= program.name == name;
          continue;
        }
        found = true;
        program.type = type;
        program.expected_attach_type = type == BPF_PROG_TYPE_XDP ? BPF_XDP : 0;
        program.prog_flags = 0;
        program.type_overridden = true;
      }
      if (!found) return make_error(ErrorKind::NotFound, fmt::format("{}: no program '{}'", what, name));
    }
    for (const AttachmentSpec& attachment : object.attachments) {
      bool found = false;
      for (const ProgramSpec& program : spec->programs) found |= program.name == attachment.program;
      if (!found) {
        std::vector<std::string> programs;
        for (const ProgramSpec& program : spec->programs) programs.push_back(program.name);
        return make_error(ErrorKind::NotFound,
                          fmt::format("{}{}: attachment of program '{}': the object has no such program (its "
                                      "programs: {})",
                                      attachment.origin.empty() ? "" : attachment.origin + ": ", what,
                                      attachment.program, fmt::join(programs, ", ")));
      }
    }
    Result<std::string> sha1 = object_id_for(*bytes);
    if (!sha1.ok()) return std::move(sha1).error();
    PreparedObject ready;
    ready.description = &object;
    ready.sha1 = *sha1;
    ready.object_id = object.object_id;
    bool needs_object_id = false;
    for (const MapSpec& map : spec->maps) needs_object_id |= map.pinning == Pinning::ObjectNs;
    if (ready.object_id.empty() && needs_object_id) ready.object_id = *sha1;  // as tc names it
    ready.spec = std::move(*spec);
    prepared.push_back(std::move(ready));
  }
  return prepared;
}

Result<std::string> digest_of(const Deployment& deployment, const std::vector<PreparedObject>& objects) {
  std::string text = fmt::format("bpfload deployment 1\npin_dir {}\n", deployment.pin_dir);
  for (const PreparedObject& object : objects) {
    const ObjectDeployment& d = *object.description;
    text += fmt::format("object {} sha1 {} object_id {} pin_root {} btf {} log_level {}\n", d.name, object.sha1,
                        object.object_id, d.pin_root, d.btf_path, d.log_level);
    for (const auto& [name, value] : d.settings) text += fmt::format("set {}={}\n", name, value);
    for (const auto& [name, map] : d.maps)
      text += fmt::format("map {} max_entries {} flags {} inner {}\n", name, map.max_entries.value_or(0),
                          map.flags.value_or(0), map.inner_map.value_or(""));
    for (const std::string& name : d.only_programs) text += fmt::format("only {}\n", name);
    for (const auto& [name, type] : d.program_types) text += fmt::format("type {} {}\n", name, type);
    for (const auto& [name, flags] : d.program_flags) text += fmt::format("prog_flags {} {}\n", name, flags);
    for (const auto& [name, level] : d.program_log_levels) text += fmt::format("prog_log_level {} {}\n", name, level);
    // Only when set, so deployments made before these options keep their digest.
    for (const auto& [name, map] : d.maps)
      if (map.value_size) text += fmt::format("map {} value_size {}\n", name, *map.value_size);
    for (const std::string& name : d.no_attach) text += fmt::format("no_attach {}\n", name);
    if (d.attach_all) text += fmt::format("attach_all {}\n", targets_text(d.targets));
    for (const AttachmentSpec& attachment : d.attachments)
      text += fmt::format("attach {} {}\n", attachment.program, targets_text(attachment.targets));
  }
  return object_id_for(std::as_bytes(std::span(text.data(), text.size())));
}

Status check_targets(Kernel& kernel, const std::vector<PreparedObject>& objects) {
  std::set<std::string> devices;
  std::set<std::string> cgroups;
  for (const PreparedObject& object : objects) {
    const ObjectDeployment& d = *object.description;
    if (d.attach_all) {
      if (!d.targets.device.empty()) devices.insert(d.targets.device);
      if (!d.targets.cgroup.empty()) cgroups.insert(d.targets.cgroup);
    }
    for (const AttachmentSpec& attachment : d.attachments) {
      if (!attachment.targets.device.empty()) devices.insert(attachment.targets.device);
      if (!attachment.targets.cgroup.empty()) cgroups.insert(attachment.targets.cgroup);
    }
  }
  for (const std::string& device : devices) {
    Result<uint32_t> index = kernel.interface_index(device);
    if (!index.ok()) return index.error().with_context("checked before loading anything");
  }
  for (const std::string& cgroup : cgroups) {
    Result<FileKind> kind = kernel.file_kind(cgroup, true);
    if (!kind.ok()) return kind.error().with_context(fmt::format("cgroup {}", cgroup));
    if (*kind != FileKind::Directory)
      return make_error(ErrorKind::NotFound,
                        fmt::format("cgroup {} is not a directory (checked before loading anything)", cgroup), ENOENT);
  }
  return {};
}

}  // namespace bpfload::deploy
