#include "fake_attach_kernel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <linux/bpf.h>

#include <fmt/format.h>

namespace bpfload::test {
namespace {

// BPF_LINK_TYPE_SOCKMAP (6.10) is newer than Debian 12's UAPI headers.
constexpr uint32_t BPF_LINK_TYPE_SOCKMAP_FAKE = 14;

Error fake_error(const std::string& call, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("fake {}: {}", call, std::strerror(err)), err);
}

Fd null_fd() { return Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

ino_t inode_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

FakeAttachKernel::FakeAttachKernel() = default;

FakeAttachKernel::~FakeAttachKernel() {
  for (auto& [path, fd] : pins) ::close(fd);
  for (Link& link : links) ::close(link.read_end);
}

std::optional<Error> FakeAttachKernel::enter(const std::string& call) {
  calls.push_back(call);
  const std::string method = call.substr(0, call.find(' '));
  if (auto it = failing_methods_.find(method); it != failing_methods_.end()) return fake_error(method, it->second);
  if (static_cast<int>(calls.size()) == fail_at_) return fake_error(method, fail_errno_);
  return std::nullopt;
}

Result<Fd> FakeAttachKernel::new_link(LinkInfo info) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return fake_error("pipe2", errno);
  info.id = next_link_id_++;
  links.push_back(Link{info.id, info, ends[0]});
  return Fd(ends[1]);
}

FakeAttachKernel::Link* FakeAttachKernel::link_of(int fd) {
  const ino_t inode = inode_of(fd);
  for (Link& link : links) {
    if (inode != 0 && inode_of(link.read_end) == inode) return &link;
  }
  return nullptr;
}

int FakeAttachKernel::live_links() {
  int live = 0;
  for (Link& link : links) {
    if (link.detached) continue;
    pollfd poll_fd{link.read_end, POLLIN, 0};
    if (::poll(&poll_fd, 1, 0) == 0) ++live;  // no POLLHUP: a write end is still open
  }
  return live;
}

Result<Fd> FakeAttachKernel::link_create(const LinkCreateRequest& request) {
  if (auto error = enter(fmt::format("link_create type={} target={} flags={}", request.attach_type,
                                     request.target_fd, request.flags)))
    return *error;
  LinkInfo info;
  info.attach_type = request.attach_type;
  if (request.attach_type == BPF_XDP) {
    info.type = BPF_LINK_TYPE_XDP;
    info.ifindex = static_cast<uint32_t>(request.target_fd);
  } else if (request.attach_type == kAttachTcxIngress || request.attach_type == kAttachTcxEgress) {
    info.type = kLinkTypeTcx;
    info.ifindex = static_cast<uint32_t>(request.target_fd);
  } else if (request.attach_type == BPF_SK_MSG_VERDICT || request.attach_type == BPF_SK_SKB_STREAM_VERDICT ||
             request.attach_type == BPF_SK_SKB_STREAM_PARSER || request.attach_type == BPF_SK_SKB_VERDICT) {
    if (!sockmap_links) return fake_error("link_create", EINVAL);
    info.type = BPF_LINK_TYPE_SOCKMAP_FAKE;
  } else if (request.attach_type == BPF_PERF_EVENT) {
    if (!perf_links) return fake_error("link_create", EINVAL);
    info.type = BPF_LINK_TYPE_PERF_EVENT;
  } else {
    info.type = BPF_LINK_TYPE_CGROUP;
  }
  info.prog_id = 1;
  return new_link(info);
}

Status FakeAttachKernel::link_detach(int link_fd) {
  if (auto error = enter("link_detach")) return *error;
  Link* link = link_of(link_fd);
  if (link == nullptr) return fake_error("link_detach", EBADF);
  if (link->info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) return fake_error("link_detach", EOPNOTSUPP);
  link->detached = true;
  return {};
}

Result<LinkInfo> FakeAttachKernel::link_info(int link_fd) {
  if (auto error = enter("link_info")) return *error;
  Link* link = link_of(link_fd);
  if (link == nullptr) return fake_error("link_info", EINVAL);
  return link->info;
}

Result<std::vector<uint32_t>> FakeAttachKernel::link_ids() {
  if (auto error = enter("link_ids")) return *error;
  std::vector<uint32_t> ids;
  for (const Link& link : links) ids.push_back(link.id);
  return ids;
}

Result<Fd> FakeAttachKernel::link_by_id(uint32_t) {
  if (auto error = enter("link_by_id")) return *error;
  return fake_error("link_by_id", ENOENT);
}

Result<uint32_t> FakeAttachKernel::prog_id(int) {
  if (auto error = enter("prog_id")) return *error;
  return 1U;
}

Result<Fd> FakeAttachKernel::duplicate(int fd) {
  if (auto error = enter("duplicate")) return *error;
  return Fd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

Status FakeAttachKernel::pin(int fd, const std::string& path) {
  if (auto error = enter("pin " + path)) return *error;
  if (pins.count(path) != 0) return fake_error("pin", EEXIST);
  pins[path] = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return {};
}

Result<Fd> FakeAttachKernel::pinned(const std::string& path) {
  if (auto error = enter("pinned " + path)) return *error;
  auto it = pins.find(path);
  if (it == pins.end()) return fake_error("pinned", ENOENT);
  return Fd(::fcntl(it->second, F_DUPFD_CLOEXEC, 0));
}

Status FakeAttachKernel::unpin(const std::string& path) {
  if (auto error = enter("unpin " + path)) return *error;
  auto it = pins.find(path);
  if (it == pins.end()) return fake_error("unpin", ENOENT);
  ::close(it->second);
  pins.erase(it);
  return {};
}

Result<bool> FakeAttachKernel::make_directory(const std::string& path) {
  if (auto error = enter("make_directory " + path)) return *error;
  return directories.insert(path).second;
}

Status FakeAttachKernel::remove_directory(const std::string& path) {
  if (auto error = enter("remove_directory " + path)) return *error;
  directories.erase(path);
  return {};
}

Status FakeAttachKernel::prog_attach(int, int, uint32_t attach_type, uint32_t) {
  if (auto error = enter(fmt::format("prog_attach type={}", attach_type))) return *error;
  ++prog_attached;
  return {};
}

Status FakeAttachKernel::prog_detach(int, int, uint32_t attach_type) {
  if (auto error = enter(fmt::format("prog_detach type={}", attach_type))) return *error;
  if (prog_attached == 0) return fake_error("prog_detach", ENOENT);
  --prog_attached;
  return {};
}

Result<std::vector<uint32_t>> FakeAttachKernel::query_prog_ids(int target, uint32_t attach_type) {
  if (auto error = enter(fmt::format("query_prog_ids target={} type={}", target, attach_type))) return *error;
  std::vector<uint32_t> ids;
  for (const Link& link : links) {
    if (link.detached || link.info.attach_type != attach_type) continue;
    if (link.info.ifindex == static_cast<uint32_t>(target)) ids.push_back(link.info.prog_id);
  }
  return ids;
}

Result<uint32_t> FakeAttachKernel::interface_index(const std::string& name) {
  if (auto error = enter("interface_index " + name)) return *error;
  auto it = interfaces.find(name);
  if (it == interfaces.end()) {
    return make_error(ErrorKind::NotFound, fmt::format("no network interface '{}'", name), ENODEV);
  }
  return it->second;
}

Status FakeAttachKernel::xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) {
  if (auto error = enter(fmt::format("xdp_attach ifindex={} flags={}", ifindex, flags))) return *error;
  if ((flags & 1U) != 0 && xdp_netlink.count(ifindex) != 0) return fake_error("xdp_attach", EBUSY);
  xdp_netlink[ifindex] = static_cast<uint32_t>(prog_fd);
  return {};
}

Status FakeAttachKernel::xdp_detach(uint32_t ifindex, int, uint32_t flags) {
  if (auto error = enter(fmt::format("xdp_detach ifindex={} flags={}", ifindex, flags))) return *error;
  xdp_netlink.erase(ifindex);
  return {};
}

Result<uint32_t> FakeAttachKernel::xdp_attached_id(uint32_t ifindex, uint32_t) {
  if (auto error = enter("xdp_attached_id")) return *error;
  return xdp_netlink.count(ifindex) != 0 ? 42U : 0U;
}

Result<bool> FakeAttachKernel::clsact_create(uint32_t ifindex) {
  if (auto error = enter(fmt::format("clsact_create ifindex={}", ifindex))) return *error;
  return qdiscs.insert(ifindex).second;
}

Status FakeAttachKernel::clsact_destroy(uint32_t ifindex) {
  if (auto error = enter(fmt::format("clsact_destroy ifindex={}", ifindex))) return *error;
  if (qdiscs.erase(ifindex) == 0) {
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", ifindex), ENOENT);
  }
  std::erase_if(filters, [&](const Filter& filter) { return filter.ifindex == ifindex; });
  return {};
}

Result<TcFilterId> FakeAttachKernel::tc_filter_attach(uint32_t ifindex, TcDirection direction, int,
                                                      TcFilterId wanted, bool) {
  if (auto error = enter(fmt::format("tc_filter_attach ifindex={} {}", ifindex,
                                     direction == TcDirection::Ingress ? "ingress" : "egress")))
    return *error;
  if (qdiscs.count(ifindex) == 0) return fake_error("tc_filter_attach", EINVAL);
  TcFilterId id{wanted.handle == 0 ? 1U : wanted.handle, wanted.priority == 0 ? 49152U : wanted.priority};
  filters.push_back({ifindex, direction, id});
  return id;
}

Status FakeAttachKernel::tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) {
  if (auto error = enter(fmt::format("tc_filter_detach ifindex={}", ifindex))) return *error;
  std::erase_if(filters, [&](const Filter& f) {
    return f.ifindex == ifindex && f.direction == direction && f.id.handle == filter.handle &&
           f.id.priority == filter.priority;
  });
  return {};
}

Status FakeAttachKernel::tc_filters_flush(uint32_t ifindex, TcDirection direction) {
  if (auto error = enter(fmt::format("tc_filters_flush ifindex={} {}", ifindex,
                                     direction == TcDirection::Ingress ? "ingress" : "egress")))
    return *error;
  if (qdiscs.count(ifindex) == 0) {
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", ifindex), ENOENT);
  }
  std::erase_if(filters, [&](const Filter& f) { return f.ifindex == ifindex && f.direction == direction; });
  return {};
}

Result<uint32_t> FakeAttachKernel::tracepoint_id(const std::string& category, const std::string& name) {
  if (auto error = enter(fmt::format("tracepoint_id {}:{}", category, name))) return *error;
  if (tracepoints.count(category + ":" + name) == 0) {
    return make_error(ErrorKind::NotFound, fmt::format("no tracepoint '{}:{}'", category, name), ENOENT);
  }
  return 321U;
}

Result<uint32_t> FakeAttachKernel::pmu_type(const std::string& name) {
  if (auto error = enter("pmu_type " + name)) return *error;
  if (name == "kprobe" && !kprobe_pmu) {
    return make_error(ErrorKind::NotFound, "kernel feature missing: this kernel has no 'kprobe' PMU", ENOENT);
  }
  return name == "kprobe" ? 6U : 7U;
}

Result<uint32_t> FakeAttachKernel::pmu_retprobe_bit(const std::string& name) {
  if (auto error = enter("pmu_retprobe_bit " + name)) return *error;
  return 0U;
}

Result<Fd> FakeAttachKernel::perf_event_open(const PerfEventRequest& request) {
  if (auto error = enter(fmt::format("perf_event_open type={} config={}", request.type, request.config)))
    return *error;
  perf_requests.push_back(request);
  if (request.type == 6 || request.type == 7) {
    perf_names.emplace_back(reinterpret_cast<const char*>(static_cast<uintptr_t>(request.config1)));
  }
  return null_fd();
}

Status FakeAttachKernel::perf_event_set_bpf(int, int) {
  if (auto error = enter("perf_event_set_bpf")) return *error;
  return {};
}

Result<Fd> FakeAttachKernel::raw_tracepoint_open(const std::string& name, int) {
  if (auto error = enter("raw_tracepoint_open " + name)) return *error;
  LinkInfo info;
  info.type = name.empty() ? BPF_LINK_TYPE_TRACING : BPF_LINK_TYPE_RAW_TRACEPOINT;
  info.tracepoint = name;
  info.prog_id = 1;
  return new_link(info);
}

Result<Fd> FakeAttachKernel::open_cgroup(const std::string& path) {
  if (auto error = enter("open_cgroup " + path)) return *error;
  if (path != "/fake/cgroup") {
    return make_error(ErrorKind::NotFound, fmt::format("no cgroup directory '{}'", path), ENOENT);
  }
  return null_fd();
}

Status FakeAttachKernel::socket_attach_filter(int socket_fd, int) {
  if (auto error = enter(fmt::format("socket_attach_filter socket={}", socket_fd))) return *error;
  ++socket_filters;
  return {};
}

Status FakeAttachKernel::socket_detach_filter(int socket_fd) {
  if (auto error = enter(fmt::format("socket_detach_filter socket={}", socket_fd))) return *error;
  if (socket_filters == 0) return fake_error("socket_detach_filter", ENOENT);
  --socket_filters;
  return {};
}

}  // namespace bpfload::test
