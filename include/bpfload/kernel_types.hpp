// The values that cross the seam to the operating system (kernel.hpp): what bpf(),
// netlink, perf events and the filesystem are asked and what they answer, as plain
// structs. No system call is made by anything declared here.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include "bpfload/fd.hpp"
#include "bpfload/uapi.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Arguments of BPF_MAP_CREATE.
struct MapCreateRequest {
  uint32_t type = 0;
  std::string name;   ///< already valid for the kernel (the loader sanitises it)
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  std::optional<uint32_t> numa_node;
  int inner_map_fd = -1;
  int btf_fd = -1;
  uint32_t btf_key_type_id = 0;
  uint32_t btf_value_type_id = 0;
  uint64_t map_extra = 0;  ///< bloom filter hash count, arena address, ...
  /// struct_ops maps: the kernel's value type (bpf_struct_ops_<name>) in vmlinux's BTF.
  uint32_t btf_vmlinux_value_type_id = 0;
};

/// Arguments of BPF_PROG_LOAD. Spans must stay valid for the call.
struct ProgLoadRequest {
  uint32_t type = 0;
  std::string name;
  std::string license;
  std::span<const bpf_insn> insns;
  uint32_t expected_attach_type = 0;
  uint32_t kern_version = 0;
  uint32_t prog_flags = 0;
  int prog_btf_fd = -1;
  std::span<const bpf_func_info> func_info;
  std::span<const bpf_line_info> line_info;
  uint32_t log_level = 0;     ///< BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS bits
  std::span<char> log_buf;    ///< empty: no log
  /// BTF id of what a fentry/fexit/fmod_ret/lsm/tp_btf/iter program attaches to (0: none),
  /// in vmlinux or, with attach_btf_obj_fd, in that module's BTF object.
  uint32_t attach_btf_id = 0;
  int attach_btf_obj_fd = -1;  ///< a module's BTF object fd (-1: vmlinux)
  /// attr.fd_array: the BTF object fds of the modules whose kfuncs the program calls; a
  /// call's `off` is its slot. Slot 0 stands for vmlinux and is never read. Empty: none.
  std::span<const int> fd_array;
};

/// What BPF_PROG_LOAD returned besides the fd.
struct ProgLoadOutcome {
  Fd fd;                    ///< invalid when the load failed
  int sys_errno = 0;        ///< errno when it failed
  /// Size the kernel says the whole log needs (Linux 6.4+, including the NUL);
  /// 0 when the kernel does not report it.
  uint32_t log_true_size = 0;
};

/// Subset of struct bpf_map_info bpfload uses.
struct MapInfo {
  uint32_t id = 0;
  uint32_t type = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  uint64_t map_extra = 0;  ///< Linux 5.16+, else 0
  std::string name;
  uint32_t btf_id = 0;             ///< the map's BTF object (0: none); see Kernel::kernel_btf
  uint32_t btf_key_type_id = 0;    ///< type of the key in that BTF (0: none)
  uint32_t btf_value_type_id = 0;  ///< type of the value in that BTF (0: none)
};

/// Subset of struct bpf_prog_info bpfload uses.
struct ProgInfo {
  uint32_t id = 0;
  uint32_t type = 0;
  std::string name;
  uint32_t xlated_size = 0;     ///< bytes
  uint32_t jited_size = 0;      ///< bytes
  uint32_t verified_insns = 0;  ///< Linux 5.16+, else 0
};

/// Result of BPF_PROG_TEST_RUN.
struct TestRunOutcome {
  uint32_t retval = 0;
  uint32_t duration_ns = 0;
  std::vector<std::byte> data_out;
};

/// Arguments of BPF_PROG_TEST_RUN.
struct TestRunRequest {
  int prog_fd = -1;
  std::span<const std::byte> data_in;
  std::span<const std::byte> ctx_in;
  uint32_t repeat = 1;
  size_t data_out_capacity = 0;  ///< 0: data_in.size() + 256
};

/// Arguments of BPF_LINK_CREATE.
struct LinkCreateRequest {
  int prog_fd = -1;
  int target_fd = -1;        ///< cgroup fd, perf event fd, map fd, or ifindex for XDP/tcx
  uint32_t attach_type = 0;  ///< enum bpf_attach_type
  uint32_t flags = 0;        ///< XDP mode flags, BPF_F_* for cgroups
  uint64_t perf_cookie = 0;  ///< bpf_cookie for perf-event links
};

/// What BPF_OBJ_GET_INFO_BY_FD says about a link.
struct LinkInfo {
  uint32_t id = 0;
  uint32_t type = 0;         ///< enum bpf_link_type
  uint32_t prog_id = 0;
  uint32_t attach_type = 0;  ///< for cgroup, tcx (when the kernel reports it)
  uint32_t ifindex = 0;      ///< XDP and tcx links
  uint64_t cgroup_id = 0;    ///< cgroup links
  std::string tracepoint;    ///< raw tracepoint links: the tracepoint name
};

/// Which tc hook of a clsact qdisc.
enum class TcDirection { Ingress, Egress };

/// A `bpf da` filter as netlink reports it back.
struct TcFilterId {
  uint32_t handle = 0;
  uint32_t priority = 0;
};

/// Arguments of perf_event_open(2) that attaching uses.
struct PerfEventRequest {
  uint32_t type = 0;     ///< PERF_TYPE_* or a dynamic PMU type (kprobe, uprobe)
  uint64_t config = 0;
  uint64_t config1 = 0;  ///< kprobe: function name pointer; uprobe: path pointer (as integers)
  uint64_t config2 = 0;  ///< kprobe/uprobe: offset
  uint64_t sample_period = 0;
  uint64_t sample_type = 0;  ///< PERF_SAMPLE_* bits (PERF_SAMPLE_RAW for BPF output)
  int pid = -1;          ///< -1: every process (needs cpu >= 0)
  int cpu = 0;
};

/// What a path names.
enum class FileKind {
  Missing,    ///< nothing there (ENOENT or ENOTDIR on the way)
  Directory,
  Symlink,    ///< only from lstat-style queries (follow_links false) and directory listings
  Regular,    ///< a regular file; on bpffs, a pinned object
  Other,      ///< a device, FIFO, socket, ...
};

/// One entry of a directory listing.
struct DirectoryEntry {
  std::string name;
  FileKind kind = FileKind::Missing;  ///< as lstat says: a symlink is Symlink
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
