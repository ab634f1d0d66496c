// Reading the BTF that CO-RE and attach targets resolve against: the running kernel's
// (vmlinux, then every module's split BTF beside it) or a file the user names.
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "bpfload/kernel_btf.hpp"

namespace bpfload {
namespace {

constexpr const char* kSysBtf = "/sys/kernel/btf";

Error parse_failure(const std::string& path, int err) {
  if (err == ENOENT)
    return make_error(ErrorKind::NotFound,
                      fmt::format("BTF '{}' does not exist; this kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF): give "
                                  "one with --btf PATH (e.g. from BTFHub)",
                                  path),
                      err);
  return make_error(ErrorKind::Malformed, fmt::format("BTF '{}': libbpf cannot parse it: {}", path, std::strerror(err)),
                    err);
}

std::vector<std::string> module_names() {
  std::vector<std::string> names;
  DIR* dir = opendir(kSysBtf);
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || name == "vmlinux") continue;
    names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());  // a stable order keeps decisions deterministic
  return names;
}

}  // namespace

Result<std::shared_ptr<const TargetBtf>> read_target_btf(const std::string& path) try {
  auto target = std::make_shared<TargetBtf>();
  const bool kernel = path.empty();
  target->origin = kernel ? std::string(kSysBtf) + "/vmlinux" : path;
  errno = 0;
  // btf__parse takes raw BTF (what /sys/kernel/btf holds) and ELF files with .BTF alike.
  target->vmlinux.reset(btf__parse(target->origin.c_str(), nullptr));
  if (target->vmlinux == nullptr) return parse_failure(target->origin, errno != 0 ? errno : EINVAL);
  if (!kernel) return std::shared_ptr<const TargetBtf>(std::move(target));
  for (const std::string& name : module_names()) {
    const std::string module_path = fmt::format("{}/{}", kSysBtf, name);
    errno = 0;
    BtfHandle module(btf__parse_split(module_path.c_str(), target->vmlinux.get()));
    // A module unloaded meanwhile, or one whose BTF libbpf refuses, only costs its types.
    if (module == nullptr) continue;
    target->modules.push_back({name, std::move(module)});
  }
  return std::shared_ptr<const TargetBtf>(std::move(target));
} catch (const std::bad_alloc&) {
  return out_of_memory_error("reading the kernel's BTF");
}

}  // namespace bpfload
