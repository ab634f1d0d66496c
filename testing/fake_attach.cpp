// The fake world's attachments: BPF links (released with their last fd or pin), netlink
// XDP per mode, clsact qdiscs and filters, BPF_PROG_ATTACH, perf events, tracefs, cgroups
// and socket filters.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "fake_world.hpp"
#include "kernel_errors.hpp"

namespace bpfload {
namespace {

using World = FakeKernel::World;
using Object = World::Object;

Error fake_error(std::string_view call, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{}: {}", call, errno_text(err)), err);
}

uint32_t xdp_mode(uint32_t flags) {
  const uint32_t mode = flags & XDP_FLAGS_MODES;
  return mode == 0 ? XDP_FLAGS_DRV_MODE : mode;  // no mode: native where the driver has it
}

bool is_sockmap_attach(uint32_t type) {
  return type == BPF_SK_MSG_VERDICT || type == BPF_SK_SKB_STREAM_VERDICT || type == BPF_SK_SKB_STREAM_PARSER ||
         type == BPF_SK_SKB_VERDICT;
}

ino_t inode_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

Status World::run(op::LinkCreate& op) {
  const LinkCreateRequest& request = op.request;
  if (request.attach_type == uapi::kAttachStructOps) {
    // A struct_ops map registered: the link's "program" field holds the map fd.
    const ObjectPtr map = object_of(request.prog_fd);
    if (!map || map->kind != Object::Kind::Map || map->map.request.type != BPF_MAP_TYPE_STRUCT_OPS)
      return fake_error("bpf(LINK_CREATE)", EINVAL);
    auto object = std::make_shared<Object>();
    object->kind = Object::Kind::Link;
    object->id = next_link_id++;
    object->link.info.id = object->id;
    object->link.info.type = BPF_LINK_TYPE_STRUCT_OPS;
    object->link.info.attach_type = request.attach_type;
    Result<Fd> fd = new_object(std::move(object));
    if (!fd.ok()) return std::move(fd).error();
    op.fd = std::move(*fd);
    return {};
  }
  const ObjectPtr prog = object_of(request.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("bpf(LINK_CREATE)", EBADF);
  LinkInfo info;
  info.attach_type = request.attach_type;
  info.prog_id = prog->id;
  const uint32_t type = request.attach_type;
  if (type == BPF_XDP) {
    info.type = BPF_LINK_TYPE_XDP;
    info.ifindex = static_cast<uint32_t>(request.target_fd);
    const uint32_t mode = xdp_mode(request.flags);
    // One XDP program per device and mode, whether by link or by netlink.
    if (xdp.contains({info.ifindex, mode})) return fake_error("bpf(LINK_CREATE)", EBUSY);
    for (const auto& [inode, object] : objects)
      if (object->kind == Object::Kind::Link && object->link.info.type == BPF_LINK_TYPE_XDP &&
          object->link.info.ifindex == info.ifindex && (has_open_fd(*object) || pinned(*object)) &&
          !object->link.detached)
        return fake_error("bpf(LINK_CREATE)", EBUSY);
  } else if (type == uapi::kAttachTcxIngress || type == uapi::kAttachTcxEgress) {
    if (!tcx) return fake_error("bpf(LINK_CREATE)", EINVAL);
    info.type = uapi::kLinkTypeTcx;
    info.ifindex = static_cast<uint32_t>(request.target_fd);
  } else if (is_sockmap_attach(type)) {
    if (!sockmap_links) return fake_error("bpf(LINK_CREATE)", EINVAL);
    info.type = uapi::kLinkTypeSockmap;
  } else if (type == BPF_PERF_EVENT) {
    if (!perf_links) return fake_error("bpf(LINK_CREATE)", EINVAL);
    const ObjectPtr event = object_of(request.target_fd);
    if (!event || event->kind != Object::Kind::PerfEvent) return fake_error("bpf(LINK_CREATE)", EBADF);
    info.type = BPF_LINK_TYPE_PERF_EVENT;
  } else if (type == BPF_TRACE_ITER) {
    info.type = BPF_LINK_TYPE_ITER;
  } else {
    const ObjectPtr cgroup = object_of(request.target_fd);
    if (!cgroup || cgroup->kind != Object::Kind::Cgroup) return fake_error("bpf(LINK_CREATE)", EBADF);
    info.type = BPF_LINK_TYPE_CGROUP;
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Link;
  object->id = next_link_id++;
  info.id = object->id;
  object->link.info = info;
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::LinkDetach& op) {
  const ObjectPtr link = object_of(op.link_fd);
  if (!link || link->kind != Object::Kind::Link) return fake_error("bpf(LINK_DETACH)", EBADF);
  // Raw tracepoint and perf-event links end only when closed.
  if (link->link.info.type == BPF_LINK_TYPE_RAW_TRACEPOINT || link->link.info.type == BPF_LINK_TYPE_PERF_EVENT ||
      link->link.info.type == BPF_LINK_TYPE_TRACING)
    return fake_error("bpf(LINK_DETACH)", EOPNOTSUPP);
  link->link.detached = true;
  return {};
}

Status World::run(op::LinkUpdate& op) {
  const ObjectPtr link = object_of(op.link_fd);
  if (!link || link->kind != Object::Kind::Link) return fake_error("bpf(LINK_UPDATE)", EBADF);
  const ObjectPtr prog = object_of(op.new_prog_fd);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("bpf(LINK_UPDATE)", EBADF);
  const uint32_t type = link->link.info.type;
  // The kernel updates XDP, tcx, cgroup, netkit and struct_ops links; the others have no
  // update operation.
  if (type != BPF_LINK_TYPE_XDP && type != uapi::kLinkTypeTcx && type != BPF_LINK_TYPE_CGROUP)
    return fake_error("bpf(LINK_UPDATE)", EOPNOTSUPP);
  if (link->link.detached) return fake_error("bpf(LINK_UPDATE)", ENOLINK);
  if (op.expected_prog_fd >= 0) {
    const ObjectPtr expected = object_of(op.expected_prog_fd);
    if (!expected || expected->kind != Object::Kind::Program) return fake_error("bpf(LINK_UPDATE)", EBADF);
    if (expected->id != link->link.info.prog_id) return fake_error("bpf(LINK_UPDATE)", EPERM);
  }
  // A link takes only a program of the type of the one it has.
  const ObjectPtr current = object_by_id(link->link.info.prog_id);
  if (current && programs[current->program].type != programs[prog->program].type)
    return fake_error("bpf(LINK_UPDATE)", EINVAL);
  link->link.info.prog_id = prog->id;
  return {};
}

Status World::run(op::LinkGetInfo& op) {
  const ObjectPtr link = object_of(op.link_fd);
  if (!link || link->kind != Object::Kind::Link)
    return fake_error(fmt::format("bpf(OBJ_GET_INFO_BY_FD) for link fd {}", op.link_fd), EINVAL);
  op.info = link->link.info;
  return {};
}

Status World::run(op::LinkIds& op) {
  op.ids.clear();
  for (const auto& [inode, object] : objects)
    if (object->kind == Object::Kind::Link && (has_open_fd(*object) || pinned(*object))) op.ids.push_back(object->id);
  std::sort(op.ids.begin(), op.ids.end());
  return {};
}

Status World::run(op::LinkById& op) {
  const ObjectPtr link = object_by_id(op.id);
  if (!link || link->kind != Object::Kind::Link || !(has_open_fd(*link) || pinned(*link)))
    return fake_error(fmt::format("bpf(LINK_GET_FD_BY_ID) for link {}", op.id), ENOENT);
  Result<Fd> fd = new_fd(link);
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::MapById& op) {
  const ObjectPtr map = object_by_id(op.id);
  if (!map || map->kind != Object::Kind::Map || !(has_open_fd(*map) || pinned(*map)))
    return fake_error(fmt::format("bpf(MAP_GET_FD_BY_ID) for map {}", op.id), ENOENT);
  Result<Fd> fd = new_fd(map);
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::ProgAttach& op) {
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("bpf(PROG_ATTACH)", EBADF);
  const ino_t target = inode_of(op.target_fd);
  if (target == 0) return fake_error("bpf(PROG_ATTACH)", EBADF);
  prog_attachments.push_back({target, op.attach_type, prog->id});
  return {};
}

Status World::run(op::ProgDetach& op) {
  const ObjectPtr prog = object_of(op.prog_fd);
  const ino_t target = inode_of(op.target_fd);
  const auto it = std::find_if(prog_attachments.begin(), prog_attachments.end(), [&](const ProgAttachment& a) {
    return a.target == target && a.attach_type == op.attach_type && (!prog || a.prog_id == prog->id);
  });
  if (it == prog_attachments.end()) return fake_error("bpf(PROG_DETACH)", ENOENT);
  prog_attachments.erase(it);
  return {};
}

Status World::run(op::ProgQuery& op) {
  op.prog_ids.clear();
  for (const auto& [inode, object] : objects) {
    if (object->kind != Object::Kind::Link || object->link.detached) continue;
    if (!has_open_fd(*object) && !pinned(*object)) continue;
    const LinkInfo& info = object->link.info;
    if (info.attach_type == op.attach_type && info.ifindex == static_cast<uint32_t>(op.target))
      op.prog_ids.push_back(info.prog_id);
  }
  const ino_t target = inode_of(op.target);
  for (const ProgAttachment& attached : prog_attachments)
    if (target != 0 && attached.target == target && attached.attach_type == op.attach_type)
      op.prog_ids.push_back(attached.prog_id);
  return {};
}

Status World::run(op::RawTracepointOpen& op) {
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("bpf(RAW_TRACEPOINT_OPEN)", EBADF);
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Link;
  object->id = next_link_id++;
  LinkInfo& info = object->link.info;
  info.id = object->id;
  info.type = op.name.empty() ? BPF_LINK_TYPE_TRACING : BPF_LINK_TYPE_RAW_TRACEPOINT;
  info.tracepoint = op.name;
  info.prog_id = prog->id;
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::DuplicateFd& op) {
  const int copy = ::fcntl(op.fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return fake_error(fmt::format("fcntl(F_DUPFD_CLOEXEC) of fd {}", op.fd), errno);
  op.copy = Fd(copy);
  return {};
}

Status World::run(op::InterfaceIndex& op) {
  const auto it = interfaces.find(op.name);
  if (it == interfaces.end())
    return make_error(ErrorKind::NotFound,
                      fmt::format("no network interface '{}' in this network namespace (see 'ip link')", op.name),
                      ENODEV);
  op.ifindex = it->second;
  return {};
}

Status World::run(op::InterfaceName& op) {
  for (const auto& [name, ifindex] : interfaces) {
    if (ifindex != op.ifindex) continue;
    op.name = name;
    return {};
  }
  return make_error(ErrorKind::NotFound,
                    fmt::format("no network interface with index {} in this network namespace", op.ifindex), ENODEV);
}

Status World::run(op::XdpAttach& op) {
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("netlink(XDP attach)", EBADF);
  const std::pair key{op.ifindex, xdp_mode(op.flags)};
  if ((op.flags & XDP_FLAGS_UPDATE_IF_NOEXIST) != 0 && xdp.contains(key))
    return fake_error(fmt::format("netlink(XDP attach) on ifindex {}", op.ifindex), EBUSY);
  if (op.expected_prog_fd >= 0) {
    // XDP_FLAGS_REPLACE: only over the expected program.
    const ObjectPtr expected = object_of(op.expected_prog_fd);
    const auto it = xdp.find(key);
    if (!expected || it == xdp.end() || it->second != expected->id)
      return fake_error(fmt::format("netlink(XDP attach) on ifindex {}", op.ifindex), EEXIST);
  }
  xdp[key] = prog->id;
  return {};
}

Status World::run(op::XdpDetach& op) {
  const uint32_t mode = xdp_mode(op.flags);
  const auto it = xdp.find({op.ifindex, mode});
  if (op.expected_prog_fd >= 0) {
    const ObjectPtr prog = object_of(op.expected_prog_fd);
    // XDP_FLAGS_REPLACE with an expected program: only that one goes.
    if (it == xdp.end() || !prog || it->second != prog->id)
      return fake_error(fmt::format("netlink(XDP detach) on ifindex {}", op.ifindex), EEXIST);
  }
  if (it != xdp.end()) xdp.erase(it);
  return {};
}

Status World::run(op::XdpQuery& op) {
  op.prog_id = 0;
  const uint32_t mode = op.flags & XDP_FLAGS_MODES;
  for (const auto& [key, prog_id] : xdp)
    if (key.first == op.ifindex && (mode == 0 || key.second == mode)) op.prog_id = prog_id;
  if (op.prog_id != 0) return {};
  for (const auto& [inode, object] : objects) {
    const LinkInfo& info = object->link.info;
    if (object->kind == Object::Kind::Link && info.type == BPF_LINK_TYPE_XDP && info.ifindex == op.ifindex &&
        !object->link.detached && (has_open_fd(*object) || pinned(*object)))
      op.prog_id = info.prog_id;
  }
  return {};
}

Status World::run(op::ClsactCreate& op) {
  if (!std::any_of(interfaces.begin(), interfaces.end(), [&](const auto& i) { return i.second == op.ifindex; }))
    return fake_error(fmt::format("netlink(add clsact qdisc) on ifindex {}", op.ifindex), ENODEV);
  op.created = qdiscs.insert(op.ifindex).second;
  return {};
}

Status World::run(op::ClsactDestroy& op) {
  if (qdiscs.erase(op.ifindex) == 0)
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", op.ifindex), ENOENT);
  std::erase_if(filters, [&](const Filter& filter) { return filter.ifindex == op.ifindex; });
  return {};
}

Status World::run(op::TcFilterAttach& op) {
  if (!qdiscs.contains(op.ifindex))
    return fake_error(fmt::format("netlink(add bpf filter) on ifindex {}", op.ifindex), EINVAL);
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program)
    return fake_error(fmt::format("netlink(add bpf filter) on ifindex {}", op.ifindex), EBADF);
  TcFilterId id{op.wanted.handle == 0 ? 1U : op.wanted.handle, op.wanted.priority};
  const auto same_hook = [&](const Filter& f) { return f.ifindex == op.ifindex && f.direction == op.direction; };
  if (id.priority == 0) {
    // The kernel picks the priority below the lowest in use, from 49152.
    id.priority = 49152;
    for (const Filter& f : filters)
      if (same_hook(f) && f.id.priority <= id.priority) id.priority = f.id.priority - 1;
  }
  const auto existing = std::find_if(filters.begin(), filters.end(), [&](const Filter& f) {
    return same_hook(f) && f.id.handle == id.handle && f.id.priority == id.priority;
  });
  if (existing != filters.end()) {
    if (!op.replace) return fake_error(fmt::format("netlink(add bpf filter) on ifindex {}", op.ifindex), EEXIST);
    existing->prog_id = prog->id;
  } else {
    filters.push_back({op.ifindex, op.direction, id, prog->id});
  }
  op.attached = id;
  return {};
}

Status World::run(op::TcFilterDetach& op) {
  const size_t removed = std::erase_if(filters, [&](const Filter& f) {
    return f.ifindex == op.ifindex && f.direction == op.direction && f.id.handle == op.filter.handle &&
           f.id.priority == op.filter.priority;
  });
  if (removed == 0) return fake_error(fmt::format("netlink(delete bpf filter) on ifindex {}", op.ifindex), ENOENT);
  return {};
}

Status World::run(op::TcFiltersFlush& op) {
  if (!qdiscs.contains(op.ifindex))
    return make_error(ErrorKind::NotFound, fmt::format("no clsact qdisc on ifindex {}", op.ifindex), ENOENT);
  std::erase_if(filters, [&](const Filter& f) { return f.ifindex == op.ifindex && f.direction == op.direction; });
  return {};
}

Status World::run(op::ProbeTcx& op) {
  op.available = tcx;
  return {};
}

Status World::run(op::TracepointId& op) {
  const auto it = tracepoints.find(op.category + ":" + op.name);
  if (it == tracepoints.end())
    return make_error(ErrorKind::NotFound, fmt::format("no tracepoint '{}:{}'", op.category, op.name), ENOENT);
  op.id = it->second;
  return {};
}

Status World::run(op::PmuType& op) {
  if (op.name == "kprobe" && !kprobe_pmu)
    return make_error(ErrorKind::NotFound, "kernel feature missing: this kernel has no 'kprobe' PMU", ENOENT);
  if (op.name != "kprobe" && op.name != "uprobe")
    return make_error(ErrorKind::NotFound, fmt::format("kernel feature missing: this kernel has no '{}' PMU", op.name),
                      ENOENT);
  op.type = op.name == "kprobe" ? 6U : 7U;
  return {};
}

Status World::run(op::PmuRetprobeBit& op) {
  op.bit = 0;
  return {};
}

Status World::run(op::PerfEventOpen& op) {
  perf_events.push_back(op.request);
  if (op.request.type == 6 || op.request.type == 7)
    perf_names.emplace_back(reinterpret_cast<const char*>(static_cast<uintptr_t>(op.request.config1)));
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::PerfEvent;
  object->id = next_id++;
  object->perf = op.request;
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::PerfEventSetBpf& op) {
  const ObjectPtr event = object_of(op.perf_fd);
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!event || event->kind != Object::Kind::PerfEvent) return fake_error("ioctl(PERF_EVENT_IOC_SET_BPF)", EBADF);
  if (!prog || prog->kind != Object::Kind::Program) return fake_error("ioctl(PERF_EVENT_IOC_SET_BPF)", EBADF);
  if (event->perf_prog_id != 0) return fake_error("ioctl(PERF_EVENT_IOC_SET_BPF)", EEXIST);
  event->perf_prog_id = prog->id;
  return {};
}

Status World::run(op::OpenCgroup& op) {
  const std::string path = normalized(op.path);
  if (!cgroups.contains(path)) {
    const Node* at = node(path);
    if (at == nullptr) return make_error(ErrorKind::NotFound, fmt::format("no cgroup directory '{}'", op.path), ENOENT);
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is not a cgroup v2 directory (see 'mount -t cgroup2')", op.path));
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Cgroup;
  object->id = next_id++;
  object->path = path;
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::SocketAttachFilter& op) {
  struct stat st {};
  if (::fstat(op.socket_fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return make_error(ErrorKind::InvalidArgument, fmt::format("fd {} is not an open socket", op.socket_fd), ENOTSOCK);
  const ino_t socket = st.st_ino;
  const ObjectPtr prog = object_of(op.prog_fd);
  if (!prog || prog->kind != Object::Kind::Program || programs[prog->program].type != BPF_PROG_TYPE_SOCKET_FILTER)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("setsockopt(SO_ATTACH_BPF) on socket fd {}: program fd {} is not a socket filter "
                                  "program (section \"socket\")",
                                  op.socket_fd, op.prog_fd),
                      EINVAL);
  socket_filters[socket] = prog->id;
  return {};
}

Status World::run(op::SocketDetachFilter& op) {
  if (socket_filters.erase(inode_of(op.socket_fd)) == 0)
    return fake_error(fmt::format("setsockopt(SO_DETACH_BPF) on socket fd {}", op.socket_fd), ENOENT);
  return {};
}

}  // namespace bpfload
