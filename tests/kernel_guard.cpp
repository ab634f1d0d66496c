#include "kernel_guard.hpp"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <bpf/bpf.h>

namespace bpfload::test {
namespace {

bool is_bpffs(const char* path) {
  struct statfs fs {};
  return statfs(path, &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

std::string probe() {
  const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfload_probe", 4, 4, 1, nullptr);
  if (fd < 0) return std::string("bpf(MAP_CREATE) failed: ") + std::strerror(errno);
  close(fd);
  if (!is_bpffs("/sys/fs/bpf")) {
    mkdir("/sys/fs/bpf", 0755);
    if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
      return std::string("/sys/fs/bpf is not a bpffs and mounting it failed: ") + std::strerror(errno);
  }
  return {};
}

}  // namespace

const std::string& kernel_unavailable_reason() {
  static const std::string reason = probe();
  return reason;
}

bool kernel_required() {
  const char* value = std::getenv("BPFLOAD_REQUIRE_KERNEL");
  return value != nullptr && std::string(value) == "1";
}

bool tool_installed(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (path == nullptr || tool.empty() || tool.find('/') != std::string::npos) return false;
  const std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end == start ? "." : dirs.substr(start, end - start);
    if (access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace bpfload::test
