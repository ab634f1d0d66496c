// Perf events, tracefs lookups, PMU descriptions and cgroup directories on the real system.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <sstream>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include <fmt/format.h>

#include "system_kernel.hpp"

namespace bpfload::sys {
namespace {

constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kDebugTracefs = "/sys/kernel/debug/tracing";

bool is_tracefs(const char* dir) {
  struct statfs fs {};
  return ::statfs(dir, &fs) == 0 && static_cast<unsigned long>(fs.f_type) == TRACEFS_MAGIC;
}

// Where tracefs is, mounting it at /sys/kernel/tracing as bpftool does when it is nowhere.
Result<std::string> tracefs_root() {
  if (is_tracefs(kTracefs)) return std::string(kTracefs);
  if (is_tracefs(kDebugTracefs)) return std::string(kDebugTracefs);
  static std::mutex mount_mutex;
  const std::lock_guard lock(mount_mutex);
  if (is_tracefs(kTracefs)) return std::string(kTracefs);
  if (::mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) {
    return os_error("mount tracefs", fmt::format("at {} (mount it with 'mount -t tracefs tracefs {}')",
                                                 kTracefs, kTracefs),
                    errno);
  }
  return std::string(kTracefs);
}

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::string line;
  std::getline(file, line);
  return line;
}

Result<uint32_t> parse_u32(const std::string& text, const std::string& path) {
  try {
    size_t used = 0;
    const unsigned long value = std::stoul(text, &used, 10);
    if (used == 0 || value > UINT32_MAX) throw std::invalid_argument(text);
    return static_cast<uint32_t>(value);
  } catch (const std::exception&) {
    return make_error(ErrorKind::Malformed, fmt::format("'{}' holds '{}', not a number", path, text));
  }
}

}  // namespace

Status run(op::TracepointId& op) {
  auto root = tracefs_root();
  if (!root) return std::move(root).error();
  const std::string path = fmt::format("{}/events/{}/{}/id", *root, op.category, op.name);
  auto line = read_first_line(path);
  if (!line)
    return make_error(ErrorKind::NotFound,
                      fmt::format("no tracepoint '{}:{}' ({} is missing; see {}/available_events)", op.category,
                                  op.name, path, *root),
                      ENOENT);
  Result<uint32_t> id = parse_u32(*line, path);
  if (!id.ok()) return std::move(id).error();
  op.id = *id;
  return {};
}

Status run(op::PmuType& op) {
  const std::string path = fmt::format("/sys/bus/event_source/devices/{}/type", op.name);
  auto line = read_first_line(path);
  if (!line)
    return make_error(ErrorKind::NotFound,
                      fmt::format("kernel feature missing: this kernel has no '{}' PMU ({} is absent)", op.name, path),
                      ENOENT);
  Result<uint32_t> type = parse_u32(*line, path);
  if (!type.ok()) return std::move(type).error();
  op.type = *type;
  return {};
}

Status run(op::PmuRetprobeBit& op) {
  const std::string path = fmt::format("/sys/bus/event_source/devices/{}/format/retprobe", op.name);
  auto line = read_first_line(path);
  const std::string prefix = "config:";
  if (!line || line->rfind(prefix, 0) != 0)
    return make_error(ErrorKind::NotFound,
                      fmt::format("kernel feature missing: the '{}' PMU has no retprobe format ({})", op.name, path),
                      ENOENT);
  Result<uint32_t> bit = parse_u32(line->substr(prefix.size()), path);
  if (!bit.ok()) return std::move(bit).error();
  op.bit = *bit;
  return {};
}

Status run(op::PerfEventOpen& op) {
  const PerfEventRequest& request = op.request;
  perf_event_attr attr {};
  attr.size = sizeof(attr);
  attr.type = request.type;
  attr.config = request.config;
  attr.config1 = request.config1;
  attr.config2 = request.config2;
  attr.sample_period = request.sample_period;
  attr.sample_type = request.sample_type;
  attr.wakeup_events = 1;
  const long fd = ::syscall(__NR_perf_event_open, &attr, request.pid, request.cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0)
    return os_error("perf_event_open", fmt::format("for type {} config {}", request.type, request.config), errno);
  op.fd = Fd(static_cast<int>(fd));
  return {};
}

Status run(op::PerfEventSetBpf& op) {
  if (::ioctl(op.perf_fd, PERF_EVENT_IOC_SET_BPF, op.prog_fd) != 0)
    return os_error("ioctl(PERF_EVENT_IOC_SET_BPF)", "", errno);
  if (::ioctl(op.perf_fd, PERF_EVENT_IOC_ENABLE, 0) != 0) return os_error("ioctl(PERF_EVENT_IOC_ENABLE)", "", errno);
  return {};
}

Status run(op::PerfEventEnable& op) {
  if (::ioctl(op.perf_fd, PERF_EVENT_IOC_ENABLE, 0) != 0) return os_error("ioctl(PERF_EVENT_IOC_ENABLE)", "", errno);
  return {};
}

Status run(op::OpenCgroup& op) {
  const int fd = ::open(op.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return make_error(ErrorKind::NotFound, fmt::format("no cgroup directory '{}'", op.path), err);
    return os_error("open cgroup", fmt::format("'{}'", op.path), err);
  }
  Fd owned(fd);
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0 || static_cast<unsigned long>(fs.f_type) != CGROUP2_SUPER_MAGIC)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is not a cgroup v2 directory (see 'mount -t cgroup2')", op.path));
  op.fd = std::move(owned);
  return {};
}

}  // namespace bpfload::sys
