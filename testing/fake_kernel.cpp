// FakeKernel: the world's objects, fds and paths, the one entry point, and what tests set
// up and inspect. The handlers live in fake_bpf.cpp, fake_attach.cpp and fake_files.cpp.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "fake_world.hpp"

namespace bpfload {
namespace {

constexpr uint64_t kExt4Magic = 0xEF53;
constexpr uint64_t kProcMagic = 0x9fa0;
constexpr uint64_t kTmpfsMagic = 0x01021994;

ino_t inode_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

std::string_view kind_name(FakeKernel::World::Object::Kind kind) {
  using Kind = FakeKernel::World::Object::Kind;
  switch (kind) {
    case Kind::Map: return "map";
    case Kind::Program: return "program";
    case Kind::Btf: return "btf";
    case Kind::Link: return "link";
    case Kind::PerfEvent: return "perf event";
    case Kind::Cgroup: return "cgroup";
  }
  return "object";
}

}  // namespace

// ---- World: objects and fds ----

FakeKernel::World::Object::~Object() {
  if (read_end >= 0) ::close(read_end);
}

FakeKernel::World::World() {
  for (const char* dir : {"/", "/sys", "/sys/fs", "/sys/fs/bpf", "/proc", "/tmp", "/fake", "/fake/cgroup"})
    nodes[dir] = Node{};
  mounts["/"] = kExt4Magic;
  mounts["/sys/fs/bpf"] = BPF_FS_MAGIC;
  mounts["/proc"] = kProcMagic;
  mounts["/tmp"] = kTmpfsMagic;
  mounts["/fake/cgroup"] = CGROUP2_SUPER_MAGIC;
}

Result<Fd> FakeKernel::World::new_object(ObjectPtr object) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0)
    return make_error(ErrorKind::Kernel, fmt::format("fake kernel: pipe2: {}", std::strerror(errno)), errno);
  object->read_end = ends[0];
  object->inode = inode_of(ends[0]);
  objects[object->inode] = object;
  return Fd(ends[1]);
}

Result<Fd> FakeKernel::World::new_fd(const ObjectPtr& object) {
  // A new write end of the object's pipe, as BPF_OBJ_GET gives a new fd of the object.
  const std::string path = fmt::format("/proc/self/fd/{}", object->read_end);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::Kernel, fmt::format("fake kernel: reopen: {}", std::strerror(errno)), errno);
  return Fd(fd);
}

FakeKernel::World::ObjectPtr FakeKernel::World::object_of(int fd) const {
  if (fd < 0) return nullptr;
  const ino_t inode = inode_of(fd);
  if (inode == 0) return nullptr;
  const auto it = objects.find(inode);
  if (it == objects.end()) return nullptr;
  // The read end is ours: an fd that is it is no handle of the object.
  if (fd == it->second->read_end) return nullptr;
  return it->second;
}

FakeKernel::World::ObjectPtr FakeKernel::World::object_by_id(uint32_t id) const {
  for (const auto& [inode, object] : objects)
    if (object->id == id) return object;
  return nullptr;
}

bool FakeKernel::World::has_open_fd(const Object& object) {
  pollfd poll_fd{object.read_end, POLLIN, 0};
  // POLLHUP once every write end is closed.
  return ::poll(&poll_fd, 1, 0) == 0 || (poll_fd.revents & POLLHUP) == 0;
}

bool FakeKernel::World::pinned(const Object& object) const {
  return std::any_of(nodes.begin(), nodes.end(), [&](const auto& entry) {
    return entry.second.type == Node::Type::Pin && entry.second.object.get() == &object;
  });
}

// ---- World: paths ----

std::string FakeKernel::World::normalized(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

std::string FakeKernel::World::parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string FakeKernel::World::base_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

uint64_t FakeKernel::World::magic_of(const std::string& path) const {
  for (std::string at = path;; at = parent_of(at)) {
    const auto it = mounts.find(at);
    if (it != mounts.end()) return it->second;
    if (at == "/") break;
  }
  return kExt4Magic;
}

const FakeKernel::World::Node* FakeKernel::World::node(const std::string& path) const {
  const auto it = nodes.find(path);
  return it == nodes.end() ? nullptr : &it->second;
}

Result<std::string> FakeKernel::World::resolve(const std::string& raw, bool follow_last,
                                               bool refuse_bpffs_symlinks) const {
  std::string pending = normalized(raw.empty() || raw.front() != '/' ? "/" + raw : raw);
  for (int hops = 0; hops <= 40; ++hops) {
    std::string walked = "/";
    size_t pos = 1;
    bool restarted = false;
    while (pos <= pending.size() && pos < pending.size()) {
      size_t end = pending.find('/', pos);
      if (end == std::string::npos) end = pending.size();
      const std::string part = pending.substr(pos, end - pos);
      const bool last = end == pending.size();
      const std::string next = walked == "/" ? "/" + part : walked + "/" + part;
      const Node* at = node(next);
      if (at != nullptr && at->type == Node::Type::Symlink && (!last || follow_last)) {
        if (refuse_bpffs_symlinks && magic_of(walked) == BPF_FS_MAGIC)
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format("'{}' is a symbolic link inside a bpf filesystem; bpfload does not pin "
                                        "through symlinks (the pins would land elsewhere): remove it or give the "
                                        "real directory",
                                        next),
                            ELOOP);
        if (at->contents.empty())
          return make_error(ErrorKind::Kernel, fmt::format("'{}': {}", next, std::strerror(ENOENT)), ENOENT);
        const std::string target = at->contents.front() == '/' ? at->contents : walked + "/" + at->contents;
        pending = normalized(target + (last ? "" : pending.substr(end)));
        restarted = true;
        break;
      }
      if (!last) {
        if (at == nullptr)
          return make_error(ErrorKind::Kernel, fmt::format("'{}': {}", next, std::strerror(ENOENT)), ENOENT);
        if (at->type != Node::Type::Directory)
          return make_error(ErrorKind::Kernel, fmt::format("'{}': {}", next, std::strerror(ENOTDIR)), ENOTDIR);
      }
      walked = next;
      pos = end + 1;
    }
    if (!restarted) return pending;
  }
  return make_error(ErrorKind::Kernel, fmt::format("'{}': {}", raw, std::strerror(ELOOP)), ELOOP);
}

void FakeKernel::World::make_parents(const std::string& path) {
  for (std::string at = parent_of(path); at != "/"; at = parent_of(at))
    if (nodes.find(at) == nodes.end()) nodes[at] = Node{};
}

// ---- FakeKernel ----

FakeKernel::FakeKernel() : world_(std::make_unique<World>()) { world_->self = this; }

FakeKernel::~FakeKernel() = default;

Status FakeKernel::call(KernelOp& op) {
  std::lock_guard lock(world_->mutex);
  world_->calls.push_back(describe(op));
  ++world_->per_name[std::string(op_name(op))];
  return std::visit([this](auto& request) { return world_->run(request); }, op);
}

void FakeKernel::refuse_program(const std::string& name, int err, std::string log) {
  std::lock_guard lock(world_->mutex);
  world_->refused_programs[name] = {err, std::move(log)};
}

void FakeKernel::refuse_btf_feature(BtfFeature feature) {
  std::lock_guard lock(world_->mutex);
  world_->btf_kinds.set(feature, false);
}

void FakeKernel::set_kernel_release(std::string release) {
  std::lock_guard lock(world_->mutex);
  world_->release = std::move(release);
}

void FakeKernel::set_possible_cpus(unsigned cpus) {
  std::lock_guard lock(world_->mutex);
  world_->cpus = cpus;
}

void FakeKernel::set_process_id(int pid) {
  std::lock_guard lock(world_->mutex);
  world_->pid = pid;
}

void FakeKernel::set_page_size(size_t bytes) {
  std::lock_guard lock(world_->mutex);
  world_->page = bytes;
}

void FakeKernel::add_mount(const std::string& path, uint64_t filesystem_magic) {
  std::lock_guard lock(world_->mutex);
  const std::string dir = World::normalized(path);
  world_->make_parents(dir);
  world_->nodes[dir] = World::Node{};
  world_->mounts[dir] = filesystem_magic;
}

void FakeKernel::add_file(const std::string& path, std::string contents) {
  std::lock_guard lock(world_->mutex);
  const std::string file = World::normalized(path);
  world_->make_parents(file);
  world_->nodes[file] = World::Node{World::Node::Type::File, nullptr, std::move(contents)};
}

void FakeKernel::add_fifo(const std::string& path) {
  std::lock_guard lock(world_->mutex);
  const std::string file = World::normalized(path);
  world_->make_parents(file);
  world_->nodes[file] = World::Node{World::Node::Type::Fifo, nullptr, {}};
}

void FakeKernel::add_symlink(const std::string& path, const std::string& target) {
  std::lock_guard lock(world_->mutex);
  const std::string link = World::normalized(path);
  world_->make_parents(link);
  world_->nodes[link] = World::Node{World::Node::Type::Symlink, nullptr, target};
}

uint32_t FakeKernel::add_module_btf(const std::string& module) {
  std::lock_guard lock(world_->mutex);
  const uint32_t id = world_->next_id++;
  world_->module_btf_ids[module] = id;
  return id;
}

void FakeKernel::add_interface(const std::string& name, uint32_t ifindex) {
  std::lock_guard lock(world_->mutex);
  world_->interfaces[name] = ifindex;
}

void FakeKernel::add_tracepoint(const std::string& category, const std::string& name, uint32_t id) {
  std::lock_guard lock(world_->mutex);
  world_->tracepoints[category + ":" + name] = id;
}

void FakeKernel::add_cgroup(const std::string& path) {
  std::lock_guard lock(world_->mutex);
  const std::string dir = World::normalized(path);
  world_->make_parents(dir);
  world_->nodes[dir] = World::Node{};
  world_->mounts[dir] = CGROUP2_SUPER_MAGIC;
  world_->cgroups.insert(dir);
}

void FakeKernel::set_tcx(bool available) {
  std::lock_guard lock(world_->mutex);
  world_->tcx = available;
}

void FakeKernel::set_kprobe_pmu(bool available) {
  std::lock_guard lock(world_->mutex);
  world_->kprobe_pmu = available;
}

void FakeKernel::set_perf_links(bool available) {
  std::lock_guard lock(world_->mutex);
  world_->perf_links = available;
}

void FakeKernel::set_sockmap_links(bool available) {
  std::lock_guard lock(world_->mutex);
  world_->sockmap_links = available;
}

std::vector<std::string> FakeKernel::calls() const {
  std::lock_guard lock(world_->mutex);
  return world_->calls;
}

size_t FakeKernel::calls_named(const std::string& name) const {
  std::lock_guard lock(world_->mutex);
  const auto it = world_->per_name.find(name);
  return it == world_->per_name.end() ? 0 : it->second;
}

void FakeKernel::clear_calls() {
  std::lock_guard lock(world_->mutex);
  world_->calls.clear();
  world_->per_name.clear();
}

std::vector<FakeKernel::Program> FakeKernel::programs() const {
  std::lock_guard lock(world_->mutex);
  return world_->programs;
}

std::vector<std::vector<std::byte>> FakeKernel::loaded_btf() const {
  std::lock_guard lock(world_->mutex);
  return world_->loaded_btf;
}

std::optional<FakeKernel::Map> FakeKernel::map_of_fd(int fd) const {
  std::lock_guard lock(world_->mutex);
  const World::ObjectPtr object = world_->object_of(fd);
  if (!object || object->kind != World::Object::Kind::Map) return std::nullopt;
  return object->map;
}

std::optional<FakeKernel::Map> FakeKernel::pinned_map(const std::string& path) const {
  std::lock_guard lock(world_->mutex);
  const World::Node* at = world_->node(World::normalized(path));
  if (at == nullptr || at->type != World::Node::Type::Pin || at->object->kind != World::Object::Kind::Map)
    return std::nullopt;
  return at->object->map;
}

uint32_t FakeKernel::pinned_id(const std::string& path) const {
  std::lock_guard lock(world_->mutex);
  const World::Node* at = world_->node(World::normalized(path));
  return at == nullptr || at->type != World::Node::Type::Pin ? 0 : at->object->id;
}

namespace {

std::vector<std::string> paths_of(const std::map<std::string, FakeKernel::World::Node>& nodes,
                                  FakeKernel::World::Node::Type type) {
  std::vector<std::string> out;
  for (const auto& [path, node] : nodes)
    if (node.type == type) out.push_back(path);
  return out;
}

}  // namespace

std::vector<std::string> FakeKernel::pins() const {
  std::lock_guard lock(world_->mutex);
  return paths_of(world_->nodes, World::Node::Type::Pin);
}

std::vector<std::string> FakeKernel::directories() const {
  std::lock_guard lock(world_->mutex);
  return paths_of(world_->nodes, World::Node::Type::Directory);
}

std::vector<std::string> FakeKernel::symlinks() const {
  std::lock_guard lock(world_->mutex);
  return paths_of(world_->nodes, World::Node::Type::Symlink);
}

std::vector<FakeKernel::Link> FakeKernel::links() const {
  std::lock_guard lock(world_->mutex);
  std::vector<std::pair<uint32_t, Link>> ordered;
  for (const auto& [inode, object] : world_->objects) {
    if (object->kind != World::Object::Kind::Link) continue;
    Link link = object->link;
    link.open = World::has_open_fd(*object);
    link.pinned = world_->pinned(*object);
    ordered.emplace_back(object->id, link);
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Link> out;
  for (auto& [id, link] : ordered) out.push_back(std::move(link));
  return out;
}

int FakeKernel::live_links() const {
  const std::vector<Link> all = links();
  return static_cast<int>(std::count_if(all.begin(), all.end(), [](const Link& link) { return link.live(); }));
}

std::set<uint32_t> FakeKernel::qdiscs() const {
  std::lock_guard lock(world_->mutex);
  return world_->qdiscs;
}

std::vector<FakeKernel::Filter> FakeKernel::filters() const {
  std::lock_guard lock(world_->mutex);
  return world_->filters;
}

std::map<uint32_t, uint32_t> FakeKernel::xdp_attached() const {
  std::lock_guard lock(world_->mutex);
  std::map<uint32_t, uint32_t> out;
  for (const auto& [key, prog_id] : world_->xdp) out[key.first] = prog_id;
  return out;
}

int FakeKernel::prog_attachments() const {
  std::lock_guard lock(world_->mutex);
  return static_cast<int>(world_->prog_attachments.size());
}

int FakeKernel::socket_filters() const {
  std::lock_guard lock(world_->mutex);
  return static_cast<int>(world_->socket_filters.size());
}

std::vector<PerfEventRequest> FakeKernel::perf_events() const {
  std::lock_guard lock(world_->mutex);
  return world_->perf_events;
}

std::vector<std::string> FakeKernel::perf_names() const {
  std::lock_guard lock(world_->mutex);
  return world_->perf_names;
}

int FakeKernel::open_objects() const {
  std::lock_guard lock(world_->mutex);
  return static_cast<int>(std::count_if(world_->objects.begin(), world_->objects.end(),
                                        [](const auto& entry) { return World::has_open_fd(*entry.second); }));
}

std::vector<std::string> FakeKernel::state() const {
  std::lock_guard lock(world_->mutex);
  std::vector<std::string> out;
  for (const auto& [path, node] : world_->nodes) {
    switch (node.type) {
      case World::Node::Type::Directory: out.push_back("directory " + path); break;
      case World::Node::Type::Pin:
        out.push_back(fmt::format("pin {} ({})", path, kind_name(node.object->kind)));
        break;
      case World::Node::Type::File: out.push_back("file " + path); break;
      case World::Node::Type::Fifo: out.push_back("fifo " + path); break;
      case World::Node::Type::Symlink: out.push_back(fmt::format("symlink {} -> {}", path, node.contents)); break;
    }
  }
  for (const Link& link : links())
    if (link.live()) out.push_back(fmt::format("link {} type {} prog {}", link.info.id, link.info.type, link.info.prog_id));
  for (const uint32_t ifindex : world_->qdiscs) out.push_back(fmt::format("clsact qdisc on ifindex {}", ifindex));
  for (const Filter& filter : world_->filters)
    out.push_back(fmt::format("tc filter on ifindex {} {} handle {} priority {}", filter.ifindex,
                              filter.direction == TcDirection::Ingress ? "ingress" : "egress", filter.id.handle,
                              filter.id.priority));
  for (const auto& [key, prog_id] : world_->xdp)
    out.push_back(fmt::format("xdp on ifindex {} mode {:#x} prog {}", key.first, key.second, prog_id));
  for (const World::ProgAttachment& attached : world_->prog_attachments)
    out.push_back(fmt::format("prog attach type {} prog {}", attached.attach_type, attached.prog_id));
  for (const auto& [socket, prog_id] : world_->socket_filters) out.push_back(fmt::format("socket filter prog {}", prog_id));
  for (const auto& [inode, object] : world_->objects)
    if (World::has_open_fd(*object)) out.push_back(fmt::format("open fd of {} {}", kind_name(object->kind), object->id));
  return out;
}

}  // namespace bpfload
