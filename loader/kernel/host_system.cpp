// The System of this machine: mkdir, rmdir, stat, statfs, uname and libbpf's count of
// possible CPUs. Stateless apart from the CPU count, which is read once.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <bpf/libbpf.h>

#include <fmt/format.h>

#include "bpfload/system.hpp"
#include "kernel_errors.hpp"

namespace bpfload {

size_t System::page_size() {
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<size_t>(page) : size_t{4096};
}

namespace {

Error os_error(std::string_view call, const std::string& path, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{} '{}': {}", call, path, errno_text(err)), err);
}

class HostSystem final : public System {
 public:
  Status make_directory(const std::string& path) override {
    if (::mkdir(path.c_str(), 0700) == 0) return {};
    return os_error("mkdir", path, errno);
  }

  Status remove_directory(const std::string& path) override {
    if (::rmdir(path.c_str()) == 0) return {};
    return os_error("rmdir", path, errno);
  }

  Result<FileKind> file_kind(const std::string& path, bool follow_links) override {
    struct stat st {};
    const int ret = follow_links ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (ret != 0) {
      const int err = errno;
      if (err == ENOENT || err == ENOTDIR) return FileKind::Missing;
      return os_error(follow_links ? "stat" : "lstat", path, err);
    }
    if (S_ISDIR(st.st_mode)) return FileKind::Directory;
    if (S_ISLNK(st.st_mode)) return FileKind::Symlink;
    return FileKind::Other;
  }

  Result<uint64_t> filesystem_magic(const std::string& path) override {
    struct statfs fs {};
    if (::statfs(path.c_str(), &fs) == 0) return static_cast<uint64_t>(fs.f_type);
    const int err = errno;
    if (err == ENOENT) {
      return make_error(ErrorKind::NotFound, fmt::format("statfs '{}': it does not exist", path), err);
    }
    return os_error("statfs", path, err);
  }

  Result<std::string> kernel_release() override {
    utsname names {};
    if (::uname(&names) != 0) {
      return make_error(ErrorKind::Kernel, fmt::format("uname: {}", errno_text(errno)), errno);
    }
    return std::string(names.release);
  }

  Result<unsigned> possible_cpus() override {
    // libbpf parses /sys/devices/system/cpu/possible once and caches the answer.
    const int cpus = libbpf_num_possible_cpus();
    if (cpus > 0) return static_cast<unsigned>(cpus);
    return make_error(ErrorKind::Io,
                      fmt::format("cannot count the possible CPUs (/sys/devices/system/cpu/possible): {}",
                                  errno_text(-cpus)),
                      -cpus);
  }
};

}  // namespace

System& host_system() {
  static HostSystem system;
  return system;
}

Status raise_memlock_limit(System& system) {
  Result<std::string> release = system.kernel_release();
  if (!release.ok()) return std::move(release).error().with_context("raise RLIMIT_MEMLOCK");
  Result<uint32_t> version = kernel_version_code(*release);
  if (!version.ok()) return std::move(version).error().with_context("raise RLIMIT_MEMLOCK");
  if (*version >= ((5u << 16) | (11u << 8))) return {};
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) return {};
  const int err = errno;
  return make_error(ErrorKind::Kernel,
                    fmt::format("setrlimit(RLIMIT_MEMLOCK, unlimited) on Linux {}: {} (needs "
                                "CAP_SYS_RESOURCE; kernels before 5.11 charge BPF memory to it)",
                                *release, errno_text(err)),
                    err);
}

}  // namespace bpfload
