// Deployment files in YAML (yaml-cpp; JSON is YAML too), every refusal naming its line.
#include "bpfload/deploy_file.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "bpfload/numbers.hpp"
#include "bpfload/system.hpp"

namespace bpfload {
namespace {

#define DEPLOY_TRY_ASSIGN(target, expr)           \
  do {                                            \
    auto deploy_result_ = (expr);                 \
    if (!deploy_result_.ok()) return std::move(deploy_result_).error(); \
    (target) = std::move(*deploy_result_);        \
  } while (0)

/// Flow collections nest by recursion in yaml-cpp: deeper than this is refused first.
constexpr int kMaxNesting = 32;

Error at(const YAML::Node& node, const std::string& message) {
  const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  return make_error(ErrorKind::InvalidArgument, line > 0 ? fmt::format("line {}: {}", line, message) : message);
}

Status only_keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& what) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (!allowed.contains(key))
      return at(entry.first, fmt::format("unknown key '{}' in {}; the keys there are: {}", key, what,
                                         fmt::join(allowed, ", ")));
  }
  return {};
}

Result<std::string> string_of(const YAML::Node& node, const std::string& key, const std::string& example) {
  if (!node.IsScalar()) return at(node, fmt::format("'{}' must be a string, e.g. {}: {}", key, key, example));
  return node.Scalar();
}

Result<uint32_t> number_of(const YAML::Node& node, const std::string& key, const std::string& example) {
  if (!node.IsScalar()) return at(node, fmt::format("'{}' must be a number, e.g. {}: {}", key, key, example));
  Result<uint64_t> value = parse_unsigned_number(node.Scalar(), UINT32_MAX);
  if (!value.ok()) return at(node, fmt::format("'{}': {} (write e.g. {}: {})", key, value.error().message, key, example));
  return static_cast<uint32_t>(*value);
}

Result<std::vector<std::string>> strings_of(const YAML::Node& node, const std::string& key, const std::string& example) {
  if (!node.IsSequence()) return at(node, fmt::format("'{}' must be a list, e.g. {}: [{}]", key, key, example));
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    Result<std::string> text = string_of(item, key, example);
    if (!text.ok()) return std::move(text).error();
    out.push_back(*text);
  }
  return out;
}

std::string joined_path(const std::string& base, const std::string& path) {
  if (path.empty() || path.front() == '/' || base.empty()) return path;
  return base + "/" + path;
}

/// Where an attachment goes, to find two of one program in one place.
std::string place_of(const std::string& object, const AttachmentSpec& a) {
  return fmt::format("{}/{} dev={} cgroup={} dir={}", object, a.program, a.targets.device, a.targets.cgroup,
                     a.targets.tc_direction ? static_cast<int>(*a.targets.tc_direction) : -1);
}

Result<AttachmentSpec> parse_attachment(const YAML::Node& node) {
  if (!node.IsMap())
    return at(node, "an attachment is a map, e.g. {program: count, device: eth0}");
  BPFLOAD_TRY(only_keys(node, {"program", "device", "cgroup", "direction", "xdp_mode", "xdp_attach", "tc_attach",
                               "handle", "priority"},
                        "an attachment"));
  AttachmentSpec a;
  a.origin = fmt::format("line {}", node.Mark().line + 1);
  if (!node["program"]) return at(node, "an attachment needs 'program': the program's name in the object");
  DEPLOY_TRY_ASSIGN(a.program, string_of(node["program"], "program", "count"));
  if (node["device"]) DEPLOY_TRY_ASSIGN(a.targets.device, string_of(node["device"], "device", "eth0"));
  if (node["cgroup"]) DEPLOY_TRY_ASSIGN(a.targets.cgroup, string_of(node["cgroup"], "cgroup", "/sys/fs/cgroup/app"));
  if (node["direction"]) {
    Result<std::string> direction = string_of(node["direction"], "direction", "ingress");
    if (!direction.ok()) return std::move(direction).error();
    if (*direction == "ingress") a.targets.tc_direction = TcDirection::Ingress;
    else if (*direction == "egress") a.targets.tc_direction = TcDirection::Egress;
    else return at(node["direction"], fmt::format("direction '{}': write ingress or egress", *direction));
  }
  if (node["xdp_mode"]) {
    Result<std::string> mode = string_of(node["xdp_mode"], "xdp_mode", "native");
    if (!mode.ok()) return std::move(mode).error();
    if (*mode == "native") a.targets.xdp.mode = XdpMode::Native;
    else if (*mode == "generic") a.targets.xdp.mode = XdpMode::Generic;
    else if (*mode == "offload") a.targets.xdp.mode = XdpMode::Offload;
    else if (*mode != "auto") return at(node["xdp_mode"], fmt::format("xdp_mode '{}': write auto, native, generic or offload", *mode));
  }
  if (node["xdp_attach"]) {
    Result<std::string> how = string_of(node["xdp_attach"], "xdp_attach", "link");
    if (!how.ok()) return std::move(how).error();
    if (*how == "netlink") a.targets.xdp.netlink = true;
    else if (*how != "link") return at(node["xdp_attach"], fmt::format("xdp_attach '{}': write link or netlink", *how));
  }
  if (node["tc_attach"]) {
    Result<std::string> how = string_of(node["tc_attach"], "tc_attach", "tcx");
    if (!how.ok()) return std::move(how).error();
    if (*how == "clsact") a.targets.tc.netlink = true;
    else if (*how != "tcx") return at(node["tc_attach"], fmt::format("tc_attach '{}': write tcx or clsact", *how));
  }
  if (node["handle"]) DEPLOY_TRY_ASSIGN(a.targets.tc.handle, number_of(node["handle"], "handle", "1"));
  if (node["priority"]) DEPLOY_TRY_ASSIGN(a.targets.tc.priority, number_of(node["priority"], "priority", "1"));
  if (a.targets.tc.handle != 0 || a.targets.tc.priority != 0) a.targets.tc.netlink = true;
  return a;
}

Result<ObjectDeployment> parse_object_entry(const YAML::Node& node, const std::string& base_dir) {
  if (!node.IsMap()) return at(node, "an object is a map, e.g. {name: counter, file: counter.o}");
  BPFLOAD_TRY(only_keys(node, {"name", "file", "set", "max_entries", "object_id", "pin_root", "btf", "recreate_maps",
                               "attach"},
                        "an object"));
  ObjectDeployment o;
  o.origin = fmt::format("line {}", node.Mark().line + 1);
  if (!node["name"]) return at(node, "an object needs 'name' (its directory under pin_dir), e.g. name: counter");
  DEPLOY_TRY_ASSIGN(o.name, string_of(node["name"], "name", "counter"));
  if (!node["file"]) return at(node, "an object needs 'file', the object file, e.g. file: counter.o");
  std::string file;
  DEPLOY_TRY_ASSIGN(file, string_of(node["file"], "file", "counter.o"));
  o.path = joined_path(base_dir, file);
  if (node["set"]) {
    if (!node["set"].IsMap()) return at(node["set"], "'set' must be a map of NAME: VALUE, e.g. set: {mode: 1}");
    for (const auto& entry : node["set"]) {
      if (!entry.second.IsScalar()) return at(entry.second, fmt::format("set: '{}' must be a value", entry.first.Scalar()));
      o.settings.emplace_back(entry.first.Scalar(), entry.second.Scalar());
    }
  }
  if (node["max_entries"]) {
    if (!node["max_entries"].IsMap())
      return at(node["max_entries"], "'max_entries' must be a map of MAP: N, e.g. max_entries: {counts: 1024}");
    for (const auto& entry : node["max_entries"]) {
      uint32_t value = 0;
      DEPLOY_TRY_ASSIGN(value, number_of(entry.second, "max_entries", "{" + entry.first.Scalar() + ": 1024}"));
      o.maps[entry.first.Scalar()].max_entries = value;
    }
  }
  if (node["object_id"]) DEPLOY_TRY_ASSIGN(o.object_id, string_of(node["object_id"], "object_id", "myobject"));
  if (node["pin_root"]) DEPLOY_TRY_ASSIGN(o.pin_root, string_of(node["pin_root"], "pin_root", "/sys/fs/bpf"));
  if (node["btf"]) {
    std::string btf;
    DEPLOY_TRY_ASSIGN(btf, string_of(node["btf"], "btf", "vmlinux.btf"));
    o.btf_path = joined_path(base_dir, btf);
  }
  if (node["recreate_maps"]) {
    std::vector<std::string> maps;
    DEPLOY_TRY_ASSIGN(maps, strings_of(node["recreate_maps"], "recreate_maps", "counts"));
    o.recreate_maps.insert(maps.begin(), maps.end());
  }
  if (node["attach"]) {
    if (!node["attach"].IsSequence())
      return at(node["attach"], "'attach' must be a list, e.g. attach: [{program: count, device: eth0}]");
    std::map<std::string, int> seen;
    for (const YAML::Node& item : node["attach"]) {
      Result<AttachmentSpec> attachment = parse_attachment(item);
      if (!attachment.ok()) return std::move(attachment).error();
      const std::string place = place_of(o.name, *attachment);
      if (const auto it = seen.find(place); it != seen.end())
        return at(item, fmt::format("program '{}' is attached to the same place twice (first at line {}); remove one",
                                    attachment->program, it->second));
      seen[place] = item.Mark().line + 1;
      o.attachments.push_back(std::move(*attachment));
    }
  }
  return o;
}

Result<Deployment> parse_deployment(const YAML::Node& node, const std::string& base_dir) {
  if (!node.IsMap()) return at(node, "a deployment is a map with pin_dir and objects");
  BPFLOAD_TRY(only_keys(node, {"pin_dir", "objects"}, "a deployment"));
  Deployment d;
  if (!node["pin_dir"]) return at(node, "a deployment needs 'pin_dir', e.g. pin_dir: /sys/fs/bpf/myapp");
  DEPLOY_TRY_ASSIGN(d.pin_dir, string_of(node["pin_dir"], "pin_dir", "/sys/fs/bpf/myapp"));
  if (d.pin_dir.empty() || d.pin_dir.front() != '/')
    return at(node["pin_dir"], "pin_dir must be an absolute path under a bpf filesystem, e.g. /sys/fs/bpf/myapp");
  while (d.pin_dir.size() > 1 && d.pin_dir.back() == '/') d.pin_dir.pop_back();
  if (!node["objects"] || !node["objects"].IsSequence() || node["objects"].size() == 0)
    return at(node["objects"] ? node["objects"] : node, "a deployment needs 'objects', a list of at least one object");
  std::map<std::string, int> names;
  for (const YAML::Node& item : node["objects"]) {
    Result<ObjectDeployment> object = parse_object_entry(item, base_dir);
    if (!object.ok()) return std::move(object).error();
    if (const auto it = names.find(object->name); it != names.end())
      return at(item, fmt::format("two objects are named '{}' (first at line {}); names must differ", object->name,
                                  it->second));
    names[object->name] = item.Mark().line + 1;
    d.objects.push_back(std::move(*object));
  }
  return d;
}

Status check_nesting(const std::string& text) {
  int depth = 0;
  int line = 1;
  char quote = 0;
  for (const char c : text) {
    if (c == '\n') ++line;
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (depth > kMaxNesting)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("line {}: lists and maps nest more than {} deep; a deployment never does", line,
                                    kMaxNesting));
  }
  return {};
}

bool inside(const std::string& dir, const std::string& other) {
  return dir == other || dir.starts_with(other + "/");
}

}  // namespace

Result<std::vector<Deployment>> parse_deployments(const std::string& text, const std::string& base_dir,
                                                 const std::string& file_name) {
  BPFLOAD_TRY(check_nesting(text));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("line {}: {} is not valid YAML: {}", error.mark.line + 1, file_name, error.msg));
  }
  std::vector<Deployment> deployments;
  std::vector<int> lines;
  try {
    if (!root.IsMap()) return at(root, fmt::format("{} must hold a map: pin_dir and objects, or deployments", file_name));
    if (root["deployments"]) {
      BPFLOAD_TRY(only_keys(root, {"deployments"}, "the file"));
      if (!root["deployments"].IsSequence())
        return at(root["deployments"], "'deployments' must be a list of deployments");
      for (const YAML::Node& item : root["deployments"]) {
        Result<Deployment> d = parse_deployment(item, base_dir);
        if (!d.ok()) return std::move(d).error();
        for (size_t i = 0; i < deployments.size(); ++i)
          if (inside(d->pin_dir, deployments[i].pin_dir) || inside(deployments[i].pin_dir, d->pin_dir))
            return at(item["pin_dir"], fmt::format("pin_dir {} is claimed by the deployment at line {} too ({}); "
                                                   "give each deployment its own directory",
                                                   d->pin_dir, lines[i], deployments[i].pin_dir));
        lines.push_back(item.Mark().line + 1);
        deployments.push_back(std::move(*d));
      }
    } else {
      Result<Deployment> d = parse_deployment(root, base_dir);
      if (!d.ok()) return std::move(d).error();
      deployments.push_back(std::move(*d));
    }
  } catch (const YAML::Exception& error) {
    return make_error(ErrorKind::InvalidArgument, fmt::format("line {}: {}", error.mark.line + 1, error.msg));
  }
  return deployments;
}

Result<std::vector<Deployment>> read_deployment_file(const std::string& path, Kernel* kernel_or_null) {
  Kernel& kernel = kernel_or_null != nullptr ? *kernel_or_null : system_kernel();
  Result<std::vector<std::byte>> bytes = kernel.read_file(path, kMaxDeploymentFileBytes);
  if (!bytes.ok()) return std::move(bytes).error();
  const std::string text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
  Result<std::vector<Deployment>> deployments = parse_deployments(text, base, path);
  if (!deployments.ok()) return deployments.error().with_context(path);
  for (const Deployment& deployment : *deployments) {
    for (const ObjectDeployment& object : deployment.objects) {
      Result<FileKind> kind = kernel.file_kind(object.path, true);
      if (!kind.ok()) return kind.error().with_context(fmt::format("{}: {}", path, object.origin));
      if (*kind == FileKind::Missing)
        return make_error(ErrorKind::NotFound,
                          fmt::format("{}: {}: object file {} does not exist (paths are relative to the file's "
                                      "directory)",
                                      path, object.origin, object.path),
                          ENOENT);
    }
  }
  return deployments;
}

}  // namespace bpfload
