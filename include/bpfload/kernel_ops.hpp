// Every request bpfload makes of the operating system, one small struct each: its
// arguments, then the fields the call fills in (its reply). KernelOp, the variant of all
// of them, is what Kernel::call() (kernel.hpp) takes, so a fake, a fault injector or a
// counter that handles KernelOp sees every call there is; none can be forgotten.
//
// Failures are ErrorKind::Kernel with errno and the call named ("bpf(MAP_CREATE) for map
// 'x': Operation not permitted") unless an op says otherwise. Spans and pointers in a
// request must stay valid for the call. Adding an op appends it to KernelOp (the index
// of an op is its kind number, kept stable within a release).
#pragma once

#include "bpfload/export.h"

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers make no system calls: do not include the kernel interface"
#endif

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "bpfload/btf.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/mapped_memory.hpp"
#include "bpfload/kernel_types.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload::op {

// ---- bpf(): maps ----

/// BPF_MAP_CREATE.
struct MapCreate {
  static constexpr std::string_view kName = "map_create";
  MapCreateRequest request;
  Fd fd;  ///< reply
};

/// BPF_MAP_UPDATE_ELEM. The spans are checked against the map first: a key of key_size
/// bytes, a value of value_size (per-CPU maps: rounded up to 8, times possible CPUs);
/// otherwise InvalidArgument naming both sizes, and nothing is written.
struct MapUpdate {
  static constexpr std::string_view kName = "map_update";
  int map_fd = -1;
  std::span<const std::byte> key;
  std::span<const std::byte> value;
  uint64_t flags = 0;  ///< BPF_ANY, BPF_NOEXIST, BPF_EXIST
};

/// BPF_MAP_LOOKUP_ELEM into `value` (sizes checked as MapUpdate). ENOENT: no such key.
struct MapLookup {
  static constexpr std::string_view kName = "map_lookup";
  int map_fd = -1;
  std::span<const std::byte> key;
  std::span<std::byte> value;
};

/// BPF_MAP_DELETE_ELEM (key size checked).
struct MapDelete {
  static constexpr std::string_view kName = "map_delete";
  int map_fd = -1;
  std::span<const std::byte> key;
};

/// BPF_MAP_GET_NEXT_KEY: the key after `key` (the first key when `key` is empty).
struct MapNextKey {
  static constexpr std::string_view kName = "map_next_key";
  int map_fd = -1;
  std::span<const std::byte> key;
  std::span<std::byte> next_key;
  bool found = false;  ///< reply: false at the end of the map
};

/// BPF_MAP_FREEZE.
struct MapFreeze {
  static constexpr std::string_view kName = "map_freeze";
  int map_fd = -1;
};

/// Writes `bytes` at `offset` of the one value of a one-entry array map (a global-data
/// section, `value_size` bytes). The real kernel writes through a shared mapping of the
/// map, so what programs write meanwhile to the value's other bytes is kept; where the
/// map cannot be mapped it reads, changes and writes back the value. InvalidArgument when
/// the range does not fit in `value_size`.
struct MapWriteValue {
  static constexpr std::string_view kName = "map_write_value";
  int map_fd = -1;
  uint32_t value_size = 0;
  uint64_t offset = 0;
  std::span<const std::byte> bytes;
};

/// BPF_OBJ_GET_INFO_BY_FD on a map. InvalidArgument when the fd is another kind of object.
struct MapGetInfo {
  static constexpr std::string_view kName = "map_info";
  int map_fd = -1;
  MapInfo info;  ///< reply
};

/// BPF_MAP_GET_FD_BY_ID: a map by its kernel id (bpftool's `map show id N`).
struct MapById {
  static constexpr std::string_view kName = "map_by_id";
  uint32_t id = 0;
  Fd fd;  ///< reply
};

// ---- bpf(): programs and BTF ----

/// BPF_PROG_LOAD. A refusal by the verifier is a Kernel error carrying errno; the log is
/// in request.log_buf and `log_true_size` says how big it wanted to be (Linux 6.4+).
struct ProgLoad {
  static constexpr std::string_view kName = "prog_load";
  ProgLoadRequest request;
  Fd fd;                       ///< reply
  uint32_t log_true_size = 0;  ///< reply, also on failure; 0 when the kernel does not say
};

/// BPF_OBJ_GET_INFO_BY_FD on a program. InvalidArgument when the fd is another kind of object.
struct ProgGetInfo {
  static constexpr std::string_view kName = "prog_info";
  int prog_fd = -1;
  ProgInfo info;  ///< reply
};

/// BPF_PROG_TEST_RUN.
struct ProgTestRun {
  static constexpr std::string_view kName = "prog_test_run";
  TestRunRequest request;
  TestRunOutcome outcome;  ///< reply
};

/// BPF_BTF_LOAD of raw BTF; on failure `log` (when not empty) holds the kernel's BTF log.
struct BtfLoad {
  static constexpr std::string_view kName = "btf_load";
  std::span<const std::byte> btf;
  std::span<char> log;
  Fd fd;  ///< reply
};

/// The kernel's BTF object `id` (a map's MapInfo::btf_id) read back and parsed
/// (BTF_GET_FD_BY_ID, OBJ_GET_INFO_BY_FD). ENOENT: no such id (any more).
struct KernelBtf {
  static constexpr std::string_view kName = "kernel_btf";
  uint32_t id = 0;
  BtfHandle btf;  ///< reply
};

/// An fd of the kernel's BTF object of module `module` (the one /sys/kernel/btf/<module>
/// shows), for attach_btf_obj_fd and kfunc fd_array slots. NotFound when no loaded module
/// of that name has BTF.
struct ModuleBtf {
  static constexpr std::string_view kName = "module_btf";
  std::string module;
  Fd fd;  ///< reply
};

// ---- bpffs pins ----

/// BPF_OBJ_PIN. The parent directory is opened one component at a time without following
/// symlinks inside a bpf filesystem (InvalidArgument naming a planted symlink), so a pin
/// lands exactly where `path` says. ENOENT: the directory is missing; EEXIST: taken.
struct ObjPin {
  static constexpr std::string_view kName = "obj_pin";
  int fd = -1;
  std::string path;
};

/// BPF_OBJ_GET: an fd of the object pinned at `path`.
struct ObjGet {
  static constexpr std::string_view kName = "obj_get";
  std::string path;
  Fd fd;  ///< reply
};

/// Removes the pin (or any non-directory) at `path`: unlink(2).
struct Unpin {
  static constexpr std::string_view kName = "unpin";
  std::string path;
};

// ---- bpf(): links and attachments ----

/// BPF_LINK_CREATE.
struct LinkCreate {
  static constexpr std::string_view kName = "link_create";
  LinkCreateRequest request;
  Fd fd;  ///< reply
};

/// BPF_LINK_DETACH: detaches even while other fds or pins hold the link (5.9+).
/// EOPNOTSUPP/EINVAL for links that end only when closed (raw tracepoints, perf events).
struct LinkDetach {
  static constexpr std::string_view kName = "link_detach";
  int link_fd = -1;
};

/// BPF_LINK_UPDATE: puts program `new_prog_fd` behind link `link_fd` atomically (the link,
/// its id and its pins stay). With `expected_prog_fd` >= 0, BPF_F_REPLACE: only while that
/// program is the link's (EPERM otherwise). EINVAL or EOPNOTSUPP for link kinds the kernel
/// cannot update (tracepoints, perf events, raw tracepoints).
struct LinkUpdate {
  static constexpr std::string_view kName = "link_update";
  int link_fd = -1;
  int new_prog_fd = -1;
  int expected_prog_fd = -1;
};

/// BPF_OBJ_GET_INFO_BY_FD on a link.
struct LinkGetInfo {
  static constexpr std::string_view kName = "link_info";
  int link_fd = -1;
  LinkInfo info;  ///< reply
};

/// BPF_LINK_GET_NEXT_ID over every link in the system.
struct LinkIds {
  static constexpr std::string_view kName = "link_ids";
  std::vector<uint32_t> ids;  ///< reply, ascending
};

/// BPF_LINK_GET_FD_BY_ID.
struct LinkById {
  static constexpr std::string_view kName = "link_by_id";
  uint32_t id = 0;
  Fd fd;  ///< reply
};

/// BPF_PROG_ATTACH (cgroups before links, sockmaps).
struct ProgAttach {
  static constexpr std::string_view kName = "prog_attach";
  int prog_fd = -1;
  int target_fd = -1;
  uint32_t attach_type = 0;
  uint32_t flags = 0;
};

/// BPF_PROG_DETACH.
struct ProgDetach {
  static constexpr std::string_view kName = "prog_detach";
  int prog_fd = -1;
  int target_fd = -1;
  uint32_t attach_type = 0;
};

/// BPF_PROG_QUERY: ids of the programs attached to `target` (an fd, or an ifindex for
/// tcx) with `attach_type`, in order.
struct ProgQuery {
  static constexpr std::string_view kName = "prog_query";
  int target = -1;
  uint32_t attach_type = 0;
  std::vector<uint32_t> prog_ids;  ///< reply
};

/// BPF_RAW_TRACEPOINT_OPEN; an empty `name` for tp_btf/fentry/fexit/lsm programs, whose
/// target was given at load time. NotFound: no such raw tracepoint.
struct RawTracepointOpen {
  static constexpr std::string_view kName = "raw_tracepoint_open";
  std::string name;
  int prog_fd = -1;
  Fd fd;  ///< reply, a link
};

/// fcntl(F_DUPFD_CLOEXEC): a second fd for `fd`, so an attachment can outlive its loader.
struct DuplicateFd {
  static constexpr std::string_view kName = "duplicate_fd";
  int fd = -1;
  Fd copy;  ///< reply
};

// ---- netlink: XDP and tc ----

/// The index of network interface `name`. NotFound when there is none in this netns.
struct InterfaceIndex {
  static constexpr std::string_view kName = "interface_index";
  std::string name;
  uint32_t ifindex = 0;  ///< reply
};

/// The name of network interface `ifindex` in this netns. NotFound when there is none
/// here (a link listed system-wide may be on a device of another namespace).
struct InterfaceName {
  static constexpr std::string_view kName = "interface_name";
  uint32_t ifindex = 0;
  std::string name;  ///< reply
};

/// Netlink XDP attach of `prog_fd` with XDP_FLAGS_* `flags`. With `expected_prog_fd` >= 0,
/// XDP_FLAGS_REPLACE: the program is swapped in only while that program is the one
/// attached (EEXIST otherwise), atomically, so no frame meets an empty hook.
struct XdpAttach {
  static constexpr std::string_view kName = "xdp_attach";
  uint32_t ifindex = 0;
  int prog_fd = -1;
  uint32_t flags = 0;
  int expected_prog_fd = -1;
};

/// Netlink XDP detach, only if `expected_prog_fd` is attached (any program when negative,
/// as `ip link set dev DEV xdp off`).
struct XdpDetach {
  static constexpr std::string_view kName = "xdp_detach";
  uint32_t ifindex = 0;
  int expected_prog_fd = -1;
  uint32_t flags = 0;
};

/// Id of the XDP program attached in the mode of `flags`, 0 when none.
struct XdpQuery {
  static constexpr std::string_view kName = "xdp_query";
  uint32_t ifindex = 0;
  uint32_t flags = 0;
  uint32_t prog_id = 0;  ///< reply
};

/// Adds a clsact qdisc; `created` false when one was already there.
struct ClsactCreate {
  static constexpr std::string_view kName = "clsact_create";
  uint32_t ifindex = 0;
  bool created = false;  ///< reply
};

/// Deletes the clsact qdisc and its filters. NotFound when the device has none.
struct ClsactDestroy {
  static constexpr std::string_view kName = "clsact_destroy";
  uint32_t ifindex = 0;
};

/// Adds a `bpf da` filter; handle/priority 0 let the kernel choose. `replace`: replace a
/// filter with the same handle and priority instead of failing with EEXIST.
struct TcFilterAttach {
  static constexpr std::string_view kName = "tc_filter_attach";
  uint32_t ifindex = 0;
  TcDirection direction = TcDirection::Ingress;
  int prog_fd = -1;
  TcFilterId wanted;
  bool replace = false;
  TcFilterId attached;  ///< reply
};

/// Deletes one filter.
struct TcFilterDetach {
  static constexpr std::string_view kName = "tc_filter_detach";
  uint32_t ifindex = 0;
  TcDirection direction = TcDirection::Ingress;
  TcFilterId filter;
};

/// Deletes every filter on one hook of the clsact qdisc (`tc filter del dev DEV ingress`).
/// NotFound when the device has no clsact qdisc.
struct TcFiltersFlush {
  static constexpr std::string_view kName = "tc_filters_flush";
  uint32_t ifindex = 0;
  TcDirection direction = TcDirection::Ingress;
};

/// Whether this kernel has tcx links (6.6+). Never fails; the real kernel probes once.
struct ProbeTcx {
  static constexpr std::string_view kName = "probe_tcx";
  bool available = false;  ///< reply
};

// ---- perf events, tracefs, cgroups, sockets ----

/// The id of tracepoint `category:name` from tracefs (mounted when it is not). NotFound
/// names the tracepoint.
struct TracepointId {
  static constexpr std::string_view kName = "tracepoint_id";
  std::string category;
  std::string name;
  uint32_t id = 0;  ///< reply
};

/// The type of dynamic PMU `name` ("kprobe", "uprobe"). NotFound when the kernel has none.
struct PmuType {
  static constexpr std::string_view kName = "pmu_type";
  std::string name;
  uint32_t type = 0;  ///< reply
};

/// The config bit that makes a kprobe/uprobe PMU event a return probe.
struct PmuRetprobeBit {
  static constexpr std::string_view kName = "pmu_retprobe_bit";
  std::string name;
  uint32_t bit = 0;  ///< reply
};

/// perf_event_open(2), close-on-exec.
struct PerfEventOpen {
  static constexpr std::string_view kName = "perf_event_open";
  PerfEventRequest request;
  Fd fd;  ///< reply
};

/// PERF_EVENT_IOC_SET_BPF then PERF_EVENT_IOC_ENABLE (kernels without perf links).
struct PerfEventSetBpf {
  static constexpr std::string_view kName = "perf_event_set_bpf";
  int perf_fd = -1;
  int prog_fd = -1;
};

/// PERF_EVENT_IOC_ENABLE on a perf event opened disabled or stopped.
struct PerfEventEnable {
  static constexpr std::string_view kName = "perf_event_enable";
  int perf_fd = -1;
};

// ---- shared memory and readiness: ring buffers and perf buffers ----

/// mmap(2), MAP_SHARED, of `length` bytes of `fd` from `offset` (a multiple of the page
/// size), readable, and writable when `writable`: how the pages of a BPF ring buffer and
/// of a perf event's ring are read. Kernel errors with errno: EINVAL or ENODEV when the fd
/// cannot be mapped so (not a ring buffer, a range past its end), EPERM when asking to
/// write what the kernel maps read-only.
struct MemoryMap {
  static constexpr std::string_view kName = "memory_map";
  int fd = -1;
  size_t length = 0;
  uint64_t offset = 0;
  bool writable = false;
  MappedMemory memory;  ///< reply
};

/// epoll_create1(EPOLL_CLOEXEC).
struct EpollCreate {
  static constexpr std::string_view kName = "epoll_create";
  Fd fd;  ///< reply
};

/// epoll_ctl(EPOLL_CTL_ADD) of `fd` for EPOLLIN; `token` comes back from EpollWait when
/// `fd` is ready.
struct EpollAdd {
  static constexpr std::string_view kName = "epoll_add";
  int epoll_fd = -1;
  int fd = -1;
  uint64_t token = 0;
};

/// epoll_wait(2) for at most `max_events` (at least 1) ready fds, `timeout_ms` -1 waiting
/// for ever, 0 not at all. A wait interrupted by a signal (EINTR) is not an error: it
/// returns with `ready` empty, so a caller can look at why it was woken.
struct EpollWait {
  static constexpr std::string_view kName = "epoll_wait";
  int epoll_fd = -1;
  int timeout_ms = 0;
  size_t max_events = 1;
  std::vector<uint64_t> ready;  ///< reply: the tokens of the ready fds
};

/// Opens a cgroup v2 directory. NotFound when absent, InvalidArgument when not cgroup v2.
struct OpenCgroup {
  static constexpr std::string_view kName = "open_cgroup";
  std::string path;
  Fd fd;  ///< reply
};

/// setsockopt(SO_ATTACH_BPF). InvalidArgument when `socket_fd` is not a socket or the
/// program is not a socket filter.
struct SocketAttachFilter {
  static constexpr std::string_view kName = "socket_attach_filter";
  int socket_fd = -1;
  int prog_fd = -1;
};

/// setsockopt(SO_DETACH_BPF); ENOENT when the socket has no filter.
struct SocketDetachFilter {
  static constexpr std::string_view kName = "socket_detach_filter";
  int socket_fd = -1;
};

// ---- files and directories ----

/// mkdir(2), mode 0700. EEXIST when something is there, ENOENT when the parent is missing.
struct MakeDirectory {
  static constexpr std::string_view kName = "make_directory";
  std::string path;
};

/// rmdir(2) of an empty directory (ENOTEMPTY, ENOENT, ...).
struct RemoveDirectory {
  static constexpr std::string_view kName = "remove_directory";
  std::string path;
};

/// What is at `path`: stat() when `follow_links`, lstat() otherwise. Missing is a
/// reply, not an error; errors are EACCES, ELOOP, ...
struct PathKind {
  static constexpr std::string_view kName = "path_kind";
  std::string path;
  bool follow_links = true;
  FileKind kind = FileKind::Missing;  ///< reply
  uint64_t device = 0;                ///< reply: st_dev (which mounted filesystem)
  uint64_t inode = 0;                 ///< reply: st_ino
};

/// statfs(2) f_type of the filesystem holding `path` (BPF_FS_MAGIC for bpffs). NotFound
/// when `path` does not exist.
struct FilesystemMagic {
  static constexpr std::string_view kName = "filesystem_magic";
  std::string path;
  uint64_t magic = 0;  ///< reply
};

/// The entries of directory `path` ("." and ".." left out), sorted by name, each with
/// its kind as lstat says. NotFound when `path` does not exist.
struct ListDirectory {
  static constexpr std::string_view kName = "list_directory";
  std::string path;
  std::vector<DirectoryEntry> entries;  ///< reply
};

/// rename(2) of `from` to `to`; with `exchange`, renameat2(RENAME_EXCHANGE), which swaps
/// two existing paths atomically (EINVAL where the filesystem cannot).
struct Rename {
  static constexpr std::string_view kName = "rename";
  std::string from;
  std::string to;
  bool exchange = false;
};

/// Reads the regular file `path` (kallsyms, a kernel configuration, a BTF file, a uprobe
/// binary, an object file). Opened O_NONBLOCK, so a FIFO cannot block; anything but a
/// regular file is InvalidArgument naming what it is; more than `max_bytes` (by its size
/// or by what reading it gives, for /proc files that report size 0) is LimitExceeded.
/// When `prefix` is not empty the file must start with it (Malformed otherwise), checked
/// before the rest is read. With a `sink`, the bytes are handed over in chunks as they are
/// read (memory stays bounded; an error from the sink stops the read and is returned) and
/// `bytes` stays empty. Failures to open or read are Io with errno (ENOENT: missing).
struct ReadFile {
  static constexpr std::string_view kName = "read_file";
  std::string path;
  uint64_t max_bytes = 0;
  std::string prefix;
  std::function<Status(std::span<const std::byte>)> sink;
  std::vector<std::byte> bytes;  ///< reply (without a sink)
};

/// An exclusive flock(2) on directory `path`, held while the reply's `fd` is open (and
/// released by the kernel when the process dies, so a crash never leaves it held). Waits
/// up to `wait_ms` for another holder to let go; still held then: Kernel with
/// EWOULDBLOCK. NotFound when `path` does not exist.
struct LockDirectory {
  static constexpr std::string_view kName = "lock_directory";
  std::string path;
  unsigned wait_ms = 0;
  Fd fd;  ///< reply
};

// ---- the machine and the process ----

/// The running kernel's release (uname -r), e.g. "6.18.0-1-amd64".
struct KernelRelease {
  static constexpr std::string_view kName = "kernel_release";
  std::string release;  ///< reply
};

/// Number of possible CPUs (/sys/devices/system/cpu/possible): how many values a per-CPU
/// map holds per key. Io when it cannot be read.
struct PossibleCpus {
  static constexpr std::string_view kName = "possible_cpus";
  unsigned count = 0;  ///< reply
};

/// This process's id, which names temporary pin directories.
struct ProcessId {
  static constexpr std::string_view kName = "process_id";
  int pid = 0;  ///< reply
};

/// setrlimit(RLIMIT_MEMLOCK, unlimited). EPERM without CAP_SYS_RESOURCE.
struct RaiseMemlockLimit {
  static constexpr std::string_view kName = "raise_memlock_limit";
};

/// The kernel's page size, which ring buffer sizes are multiples of.
struct PageSize {
  static constexpr std::string_view kName = "page_size";
  size_t bytes = 0;  ///< reply
};

}  // namespace bpfload::op

namespace bpfload {

/// One request to the operating system: any op of bpfload::op.
using KernelOp = std::variant<
    op::MapCreate, op::MapUpdate, op::MapLookup, op::MapDelete, op::MapNextKey, op::MapFreeze, op::MapWriteValue,
    op::MapGetInfo, op::ProgLoad, op::ProgGetInfo, op::ProgTestRun, op::BtfLoad, op::KernelBtf, op::ModuleBtf,
    op::ObjPin, op::ObjGet, op::Unpin, op::LinkCreate, op::LinkDetach, op::LinkGetInfo, op::LinkIds, op::LinkById,
    op::ProgAttach, op::ProgDetach, op::ProgQuery, op::RawTracepointOpen, op::DuplicateFd, op::InterfaceIndex,
    op::XdpAttach, op::XdpDetach, op::XdpQuery, op::ClsactCreate, op::ClsactDestroy, op::TcFilterAttach,
    op::TcFilterDetach, op::TcFiltersFlush, op::ProbeTcx, op::TracepointId, op::PmuType, op::PmuRetprobeBit,
    op::PerfEventOpen, op::PerfEventSetBpf, op::OpenCgroup, op::SocketAttachFilter, op::SocketDetachFilter,
    op::MakeDirectory, op::RemoveDirectory, op::PathKind, op::FilesystemMagic, op::ListDirectory, op::Rename,
    op::ReadFile, op::KernelRelease, op::PossibleCpus, op::ProcessId, op::RaiseMemlockLimit, op::PageSize,
    op::LinkUpdate, op::LockDirectory, op::InterfaceName, op::MapById, op::PerfEventEnable, op::MemoryMap,
    op::EpollCreate, op::EpollAdd, op::EpollWait>;

/// The kind of an op: its index in KernelOp.
using OpKind = size_t;

/// Number of kinds of op.
inline constexpr OpKind kOpKindCount = std::variant_size_v<KernelOp>;

namespace detail {
template <typename Op, typename Variant>
struct OpIndex;
template <typename Op, typename... Ops>
struct OpIndex<Op, std::variant<Ops...>> {
  static constexpr OpKind value = [] {
    OpKind index = 0;
    (void)((std::is_same_v<Op, Ops> ? true : (++index, false)) || ...);
    return index;
  }();
};
}  // namespace detail

/// The kind of op type `Op`.
template <typename Op>
[[nodiscard]] constexpr OpKind op_kind() noexcept {
  static_assert(detail::OpIndex<Op, KernelOp>::value < kOpKindCount, "not an op of KernelOp");
  return detail::OpIndex<Op, KernelOp>::value;
}

/// The kind of `op` (op.index()).
[[nodiscard]] inline OpKind op_kind(const KernelOp& op) noexcept { return op.index(); }

/// "map_create", "obj_pin", ... for a kind; "" past the last.
[[nodiscard]] std::string_view op_name(OpKind kind) noexcept;
/// The name of `op`'s kind.
[[nodiscard]] inline std::string_view op_name(const KernelOp& op) noexcept { return op_name(op.index()); }
/// The kind named `name`, or kOpKindCount when no op has that name.
[[nodiscard]] OpKind op_kind_named(std::string_view name) noexcept;

/// One line describing `op` for call logs: its name and main argument ("obj_pin
/// /sys/fs/bpf/x", "map_create counters", "link_create type=46 target=7").
[[nodiscard]] std::string describe(const KernelOp& op);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
