// The state of a FakeKernel and one handler per op, split by subject over fake_bpf.cpp
// (maps, programs, BTF), fake_attach.cpp (links, netlink, perf, sockets) and
// fake_files.cpp (the filesystem and the machine). Every handler runs under `mutex`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "bpfload/testing/fake_kernel.hpp"

namespace bpfload {

struct FakeKernel::World {
  /// A kernel object. Its fds are write ends of one pipe whose read end the world keeps,
  /// so the object is found by the pipe's inode and its last fd closing shows as POLLHUP.
  struct Object {
    enum class Kind { Map, Program, Btf, Link, PerfEvent, Cgroup } kind = Kind::Map;
    uint32_t id = 0;
    int read_end = -1;
    ino_t inode = 0;
    Map map;                       // Kind::Map
    size_t program = 0;            // Kind::Program: index into programs
    std::vector<std::byte> btf;    // Kind::Btf: the blob (empty for module BTF)
    Link link;                     // Kind::Link: info and detached
    PerfEventRequest perf;         // Kind::PerfEvent
    uint32_t perf_prog_id = 0;     // Kind::PerfEvent: program set by ioctl
    std::string path;              // Kind::Cgroup
    ~Object();
  };
  using ObjectPtr = std::shared_ptr<Object>;

  /// A filesystem entry.
  struct Node {
    enum class Type { Directory, Pin, File, Fifo, Symlink } type = Type::Directory;
    ObjectPtr object;          // Pin
    std::string contents;      // File; Symlink: the target
  };

  struct ProgAttachment {
    ino_t target = 0;
    uint32_t attach_type = 0;
    uint32_t prog_id = 0;
  };

  World();

  // ---- objects and fds ----
  Result<Fd> new_object(ObjectPtr object);
  Result<Fd> new_fd(const ObjectPtr& object);
  ObjectPtr object_of(int fd) const;
  ObjectPtr object_by_id(uint32_t id) const;
  static bool has_open_fd(const Object& object);
  bool pinned(const Object& object) const;

  // ---- paths ----
  static std::string normalized(const std::string& path);
  static std::string parent_of(const std::string& path);
  static std::string base_of(const std::string& path);
  uint64_t magic_of(const std::string& path) const;
  const Node* node(const std::string& path) const;
  /// `path` with every symlink in it followed (the last one only when `follow_last`).
  /// With `refuse_bpffs_symlinks`, a symlink in a directory on bpffs is an error, as the
  /// hardened pin walk makes it. Fails with Kernel (ENOENT, ENOTDIR, ELOOP).
  Result<std::string> resolve(const std::string& path, bool follow_last, bool refuse_bpffs_symlinks = false) const;
  void make_parents(const std::string& path);

  // ---- handlers ----
  Status run(op::MapCreate& op);
  Status run(op::MapUpdate& op);
  Status run(op::MapLookup& op);
  Status run(op::MapDelete& op);
  Status run(op::MapNextKey& op);
  Status run(op::MapFreeze& op);
  Status run(op::MapWriteValue& op);
  Status run(op::MapGetInfo& op);
  Status run(op::MapById& op);
  Status run(op::ProgLoad& op);
  Status run(op::ProgGetInfo& op);
  Status run(op::ProgTestRun& op);
  Status run(op::BtfLoad& op);
  Status run(op::KernelBtf& op);
  Status run(op::ModuleBtf& op);
  Status run(op::ObjPin& op);
  Status run(op::ObjGet& op);
  Status run(op::Unpin& op);
  Status run(op::LinkCreate& op);
  Status run(op::LinkDetach& op);
  Status run(op::LinkGetInfo& op);
  Status run(op::LinkIds& op);
  Status run(op::LinkById& op);
  Status run(op::ProgAttach& op);
  Status run(op::ProgDetach& op);
  Status run(op::ProgQuery& op);
  Status run(op::RawTracepointOpen& op);
  Status run(op::DuplicateFd& op);
  Status run(op::InterfaceIndex& op);
  Status run(op::XdpAttach& op);
  Status run(op::XdpDetach& op);
  Status run(op::XdpQuery& op);
  Status run(op::ClsactCreate& op);
  Status run(op::ClsactDestroy& op);
  Status run(op::TcFilterAttach& op);
  Status run(op::TcFilterDetach& op);
  Status run(op::TcFiltersFlush& op);
  Status run(op::ProbeTcx& op);
  Status run(op::TracepointId& op);
  Status run(op::PmuType& op);
  Status run(op::PmuRetprobeBit& op);
  Status run(op::PerfEventOpen& op);
  Status run(op::PerfEventSetBpf& op);
  Status run(op::OpenCgroup& op);
  Status run(op::SocketAttachFilter& op);
  Status run(op::SocketDetachFilter& op);
  Status run(op::MakeDirectory& op);
  Status run(op::RemoveDirectory& op);
  Status run(op::PathKind& op);
  Status run(op::FilesystemMagic& op);
  Status run(op::ListDirectory& op);
  Status run(op::Rename& op);
  Status run(op::ReadFile& op);
  Status run(op::KernelRelease& op);
  Status run(op::PossibleCpus& op);
  Status run(op::ProcessId& op);
  Status run(op::RaiseMemlockLimit& op);
  Status run(op::PageSize& op);
  Status run(op::LockDirectory& op);
  Status run(op::InterfaceName& op);
  Status run(op::LinkUpdate& op);
  Status run(op::PerfEventEnable& op);
  Status run(op::MemoryMap& op);
  Status run(op::EpollCreate& op);
  Status run(op::EpollAdd& op);
  Status run(op::EpollWait& op);

  Kernel* self = nullptr;  ///< the FakeKernel, for error hints that look at the filesystem
  mutable std::recursive_mutex mutex;
  std::vector<std::string> calls;
  std::map<std::string, size_t> per_name;

  // bpf objects
  uint32_t next_id = 1;
  std::map<ino_t, ObjectPtr> objects;  ///< every object ever made, by pipe inode
  std::vector<Program> programs;
  std::map<std::string, std::pair<int, std::string>> refused_programs;
  std::map<std::string, uint32_t> module_btf_ids;
  BtfFeatures btf_kinds;
  std::vector<std::vector<std::byte>> loaded_btf;

  // the machine
  std::string release = "6.18.0-fake";
  unsigned cpus = 4;
  int pid = 4242;
  size_t page = 4096;

  // network and attachments
  std::map<std::string, uint32_t> interfaces{{"lo", 1}, {"veth0", 7}, {"veth1", 8}};
  std::map<std::string, uint32_t> tracepoints{{"syscalls:sys_enter_getpid", 321}};
  std::set<std::string> cgroups{"/fake/cgroup"};
  bool tcx = true;
  bool kprobe_pmu = false;
  bool perf_links = true;
  bool sockmap_links = true;
  std::set<uint32_t> qdiscs;
  std::vector<Filter> filters;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> xdp;  ///< (ifindex, mode flag) -> prog id
  std::vector<ProgAttachment> prog_attachments;
  std::map<ino_t, uint32_t> socket_filters;  ///< socket inode -> prog id
  std::vector<PerfEventRequest> perf_events;
  std::vector<std::string> perf_names;
  uint32_t next_link_id = 100;

  // the filesystem
  std::map<std::string, Node> nodes;
  std::map<std::string, uint64_t> mounts;
};

}  // namespace bpfload
