// The fake world's filesystem and machine: directories, bpffs pins, files, FIFOs and
// symlinks resolved as the kernel resolves paths, renames (RENAME_EXCHANGE too), the one
// file reader's rules, uname, the CPU count and the process id.
#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <functional>

#include <fmt/format.h>

#include "fake_world.hpp"
#include "kernel_errors.hpp"

namespace bpfload {
namespace {

using World = FakeKernel::World;
using Node = World::Node;

Error path_error(std::string_view call, const std::string& path, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{} '{}': {}", call, path, errno_text(err)), err);
}

bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && (dir == "/" || path[dir.size()] == '/');
}

bool has_children(const std::map<std::string, Node>& nodes, const std::string& dir) {
  const auto it = nodes.upper_bound(dir);
  return it != nodes.end() && under(it->first, dir);
}

/// Moves `from` and everything below it to `to`.
void move_tree(std::map<std::string, Node>& nodes, const std::string& from, const std::string& to) {
  std::vector<std::pair<std::string, Node>> moved;
  for (auto it = nodes.begin(); it != nodes.end();) {
    if (it->first == from || under(it->first, from)) {
      moved.emplace_back(to + it->first.substr(from.size()), std::move(it->second));
      it = nodes.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [path, node] : moved) nodes[path] = std::move(node);
}

FileKind kind_of(const Node& node) {
  switch (node.type) {
    case Node::Type::Directory: return FileKind::Directory;
    case Node::Type::Symlink: return FileKind::Symlink;
    case Node::Type::Pin:
    case Node::Type::File: return FileKind::Regular;
    case Node::Type::Fifo: return FileKind::Other;
  }
  return FileKind::Other;
}

}  // namespace

Status World::run(op::ObjPin& op) {
  const auto fail = [&](int err) -> Status {
    return kernel_error(KernelCommand::ObjPin, fmt::format("of fd {} at '{}'", op.fd, op.path), err, op.path, self);
  };
  const ObjectPtr object = object_of(op.fd);
  if (!object) return fail(EBADF);
  // The parent walked as the real kernel's hardened pin walks it: no symlink inside bpffs.
  Result<std::string> parent = resolve(parent_of(normalized(op.path)), true, true);
  if (!parent.ok()) {
    if (parent.error().kind != ErrorKind::Kernel)
      return parent.error().with_context(fmt::format("pin at '{}'", op.path));
    return fail(parent.error().sys_errno);
  }
  const Node* dir = node(*parent);
  if (dir == nullptr) return fail(ENOENT);
  if (dir->type != Node::Type::Directory) return fail(ENOTDIR);
  const std::string path = (*parent == "/" ? "" : *parent) + "/" + base_of(normalized(op.path));
  if (node(path) != nullptr) return fail(EEXIST);
  if (magic_of(*parent) != BPF_FS_MAGIC) return fail(EPERM);
  nodes[path] = Node{Node::Type::Pin, object, {}};
  return {};
}

Status World::run(op::ObjGet& op) {
  const auto fail = [&](int err) -> Status {
    return kernel_error(KernelCommand::ObjGet, fmt::format("of '{}'", op.path), err, op.path, self);
  };
  Result<std::string> path = resolve(op.path, true);
  if (!path.ok()) return fail(path.error().sys_errno);
  const Node* at = node(*path);
  if (at == nullptr) return fail(ENOENT);
  if (at->type != Node::Type::Pin) return fail(at->type == Node::Type::Directory ? EPERM : EINVAL);
  Result<Fd> fd = new_fd(at->object);
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::Unpin& op) {
  const auto fail = [&](int err) -> Status {
    return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", op.path), err);
  };
  Result<std::string> path = resolve(op.path, false);
  if (!path.ok()) return fail(path.error().sys_errno);
  const auto it = nodes.find(*path);
  if (it == nodes.end()) return fail(ENOENT);
  if (it->second.type == Node::Type::Directory) return fail(EISDIR);
  nodes.erase(it);
  return {};
}

Status World::run(op::MakeDirectory& op) {
  Result<std::string> path = resolve(op.path, false);
  if (!path.ok()) return path_error("mkdir", op.path, path.error().sys_errno);
  if (node(*path) != nullptr) return path_error("mkdir", op.path, EEXIST);
  const Node* parent = node(parent_of(*path));
  if (parent == nullptr) return path_error("mkdir", op.path, ENOENT);
  if (parent->type != Node::Type::Directory) return path_error("mkdir", op.path, ENOTDIR);
  nodes[*path] = Node{};
  return {};
}

Status World::run(op::RemoveDirectory& op) {
  Result<std::string> path = resolve(op.path, false);
  if (!path.ok()) return path_error("rmdir", op.path, path.error().sys_errno);
  const auto it = nodes.find(*path);
  if (it == nodes.end()) return path_error("rmdir", op.path, ENOENT);
  if (it->second.type != Node::Type::Directory) return path_error("rmdir", op.path, ENOTDIR);
  if (*path == "/" || mounts.contains(*path)) return path_error("rmdir", op.path, EBUSY);
  if (has_children(nodes, *path)) return path_error("rmdir", op.path, ENOTEMPTY);
  nodes.erase(it);
  return {};
}

Status World::run(op::PathKind& op) {
  Result<std::string> path = resolve(op.path, op.follow_links);
  op.kind = FileKind::Missing;
  if (!path.ok()) {
    const int err = path.error().sys_errno;
    if (err == ENOENT || err == ENOTDIR) return {};
    return path_error(op.follow_links ? "stat" : "lstat", op.path, err);
  }
  if (const Node* at = node(*path)) {
    op.kind = kind_of(*at);
    // One device per mount, one inode per path: enough to tell a mount point.
    std::string mount = *path;
    while (!mounts.contains(mount) && mount != "/") mount = parent_of(mount);
    op.device = std::hash<std::string>{}(mount);
    op.inode = std::hash<std::string>{}(*path);
  }
  return {};
}

Status World::run(op::FilesystemMagic& op) {
  Result<std::string> path = resolve(op.path, true);
  if (!path.ok() || node(*path) == nullptr) {
    const int err = path.ok() ? ENOENT : path.error().sys_errno;
    if (err == ENOENT)
      return make_error(ErrorKind::NotFound, fmt::format("statfs '{}': it does not exist", op.path), err);
    return path_error("statfs", op.path, err);
  }
  op.magic = magic_of(*path);
  return {};
}

Status World::run(op::ListDirectory& op) {
  Result<std::string> path = resolve(op.path, true);
  if (!path.ok() || node(*path) == nullptr) {
    const int err = path.ok() ? ENOENT : path.error().sys_errno;
    if (err == ENOENT)
      return make_error(ErrorKind::NotFound, fmt::format("open directory '{}': it does not exist", op.path), err);
    return path_error("open directory", op.path, err);
  }
  if (node(*path)->type != Node::Type::Directory) return path_error("open directory", op.path, ENOTDIR);
  op.entries.clear();
  for (auto it = nodes.upper_bound(*path); it != nodes.end() && under(it->first, *path); ++it) {
    const std::string rest = it->first.substr(*path == "/" ? 1 : path->size() + 1);
    if (rest.find('/') != std::string::npos) continue;
    op.entries.push_back({rest, kind_of(it->second)});
  }
  return {};
}

Status World::run(op::Rename& op) {
  const auto fail = [&](int err) -> Status {
    if (op.exchange)
      return make_error(ErrorKind::Kernel, fmt::format("swap '{}' and '{}': {}", op.from, op.to, errno_text(err)), err);
    return make_error(ErrorKind::Kernel, fmt::format("rename '{}' to '{}': {}", op.from, op.to, errno_text(err)), err);
  };
  Result<std::string> from = resolve(op.from, false);
  if (!from.ok()) return fail(from.error().sys_errno);
  Result<std::string> to = resolve(op.to, false);
  if (!to.ok()) return fail(to.error().sys_errno);
  const Node* source = node(*from);
  const Node* target = node(*to);
  if (source == nullptr) return fail(ENOENT);
  if (*from == *to) return {};
  if (under(*to, *from) || under(*from, *to)) return fail(EINVAL);
  if (op.exchange) {
    if (target == nullptr) return fail(ENOENT);
    const std::string aside = "/\x01" "fake-exchange";
    move_tree(nodes, *from, aside);
    move_tree(nodes, *to, *from);
    move_tree(nodes, aside, *to);
    return {};
  }
  const Node* parent = node(parent_of(*to));
  if (parent == nullptr) return fail(ENOENT);
  if (parent->type != Node::Type::Directory) return fail(ENOTDIR);
  if (target != nullptr) {
    const bool source_dir = source->type == Node::Type::Directory;
    const bool target_dir = target->type == Node::Type::Directory;
    if (source_dir && !target_dir) return fail(ENOTDIR);
    if (!source_dir && target_dir) return fail(EISDIR);
    if (target_dir && has_children(nodes, *to)) return fail(ENOTEMPTY);
    nodes.erase(*to);
  }
  move_tree(nodes, *from, *to);
  return {};
}

Status World::run(op::ReadFile& op) {
  const auto io = [&](int err) -> Status {
    return make_error(ErrorKind::Io, fmt::format("open '{}': {}", op.path, errno_text(err)), err);
  };
  Result<std::string> path = resolve(op.path, true);
  if (!path.ok()) return io(path.error().sys_errno);
  const Node* at = node(*path);
  if (at == nullptr) return io(ENOENT);
  if (at->type == Node::Type::Pin) return io(EPERM);
  if (at->type != Node::Type::File)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is {}, not a regular file; copy it to a file first", op.path,
                                  at->type == Node::Type::Directory ? "a directory" : "a FIFO"));
  const std::string& contents = at->contents;
  if (contents.size() > op.max_bytes)
    return make_error(ErrorKind::LimitExceeded, fmt::format("'{}': {} bytes is larger than the limit of {} bytes",
                                                            op.path, contents.size(), op.max_bytes));
  if (!op.prefix.empty() && contents.compare(0, op.prefix.size(), op.prefix) != 0)
    return make_error(ErrorKind::Malformed,
                      fmt::format("'{}': does not start with the expected magic bytes (not an ELF file?)", op.path));
  const auto bytes = std::as_bytes(std::span(contents.data(), contents.size()));
  op.bytes.clear();
  if (!op.sink) {
    op.bytes.assign(bytes.begin(), bytes.end());
    return {};
  }
  constexpr size_t kChunk = 64 * 1024;
  for (size_t at_byte = 0; at_byte < bytes.size(); at_byte += kChunk)
    BPFLOAD_TRY(op.sink(bytes.subspan(at_byte, std::min(kChunk, bytes.size() - at_byte))));
  return {};
}

Status World::run(op::KernelRelease& op) {
  op.release = release;
  return {};
}

Status World::run(op::PossibleCpus& op) {
  op.count = cpus;
  return {};
}

Status World::run(op::ProcessId& op) {
  op.pid = pid;
  return {};
}

Status World::run(op::RaiseMemlockLimit&) { return {}; }

Status World::run(op::PageSize& op) {
  op.bytes = page;
  return {};
}

// One process, no other holder: the lock is always free. Its fd is a pipe end, so the
// caller holds and closes something real.
Status World::run(op::LockDirectory& op) {
  const Node* at = node(normalized(op.path));
  if (at == nullptr) return make_error(ErrorKind::NotFound, fmt::format("no directory '{}' to lock", op.path), ENOENT);
  if (at->type != Node::Type::Directory)
    return make_error(ErrorKind::Kernel, fmt::format("open '{}': Not a directory", op.path), ENOTDIR);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0)
    return make_error(ErrorKind::Kernel, fmt::format("fake kernel: pipe2: {}", std::strerror(errno)), errno);
  ::close(ends[0]);
  op.fd = Fd(ends[1]);
  return {};
}

}  // namespace bpfload
