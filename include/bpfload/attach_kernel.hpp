// The operating-system calls attaching needs: BPF links, BPF_PROG_ATTACH, netlink for XDP
// and tc, perf events, tracefs. A sibling of Kernel (kernel.hpp) so the attach layer can be
// tested against a fake and with injected faults; SystemAttachKernel makes the real calls.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/fd.hpp"
#include "bpfload/result.hpp"

namespace bpfload {

/// Attach types of Linux 6.6+ that Debian 12's UAPI headers (6.1) lack.
inline constexpr uint32_t kAttachTcxIngress = 46;  ///< BPF_TCX_INGRESS
inline constexpr uint32_t kAttachTcxEgress = 47;   ///< BPF_TCX_EGRESS
/// Link type of tcx links (BPF_LINK_TYPE_TCX, 6.6+).
inline constexpr uint32_t kLinkTypeTcx = 11;

/// Arguments of BPF_LINK_CREATE.
struct LinkCreateRequest {
  int prog_fd = -1;
  int target_fd = -1;        ///< cgroup fd, perf event fd, or ifindex for XDP/tcx
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
  int pid = -1;          ///< -1: every process (needs cpu >= 0)
  int cpu = 0;
};

/// Every OS operation of the attach layer. Failures are ErrorKind::Kernel (errno set),
/// NotFound for names that resolve to nothing (interface, tracepoint, PMU).
class AttachKernel {
 public:
  virtual ~AttachKernel() = default;

  virtual Result<Fd> link_create(const LinkCreateRequest& request) = 0;
  /// BPF_LINK_DETACH: detaches even while other fds or pins hold the link (5.9+).
  virtual Status link_detach(int link_fd) = 0;
  virtual Result<LinkInfo> link_info(int link_fd) = 0;
  /// Ids of every BPF link in the system, ascending.
  virtual Result<std::vector<uint32_t>> link_ids() = 0;
  virtual Result<Fd> link_by_id(uint32_t id) = 0;
  /// The kernel id of a loaded program.
  virtual Result<uint32_t> prog_id(int prog_fd) = 0;
  /// A second fd for `fd` (close-on-exec), so an attachment can outlive its loader.
  virtual Result<Fd> duplicate(int fd) = 0;

  virtual Status pin(int fd, const std::string& path) = 0;
  virtual Result<Fd> pinned(const std::string& path) = 0;
  virtual Status unpin(const std::string& path) = 0;
  /// mkdir (mode 0700) on bpffs for link pins: true when made, false when it existed.
  virtual Result<bool> make_directory(const std::string& path) = 0;
  /// rmdir; fails (ENOTEMPTY, ...) when the directory cannot go.
  virtual Status remove_directory(const std::string& path) = 0;

  /// BPF_PROG_ATTACH / BPF_PROG_DETACH (cgroups before links, sockmaps).
  virtual Status prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags) = 0;
  virtual Status prog_detach(int prog_fd, int target_fd, uint32_t attach_type) = 0;
  /// BPF_PROG_QUERY: ids of the programs attached to `target` (an fd, or an ifindex for
  /// tcx) with `attach_type`, in order.
  virtual Result<std::vector<uint32_t>> query_prog_ids(int target, uint32_t attach_type) = 0;

  /// The index of network interface `name`; NotFound when there is none (in this netns).
  virtual Result<uint32_t> interface_index(const std::string& name) = 0;
  /// Netlink XDP: attach (flags XDP_FLAGS_*), detach only if `expected_prog_fd` is attached
  /// (any program when `expected_prog_fd` is negative, as `ip link set dev DEV xdp off`).
  virtual Status xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) = 0;
  virtual Status xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) = 0;
  /// Id of the XDP program attached in the mode of `flags`, 0 when none.
  virtual Result<uint32_t> xdp_attached_id(uint32_t ifindex, uint32_t flags) = 0;

  /// Adds a clsact qdisc; false when one was already there.
  virtual Result<bool> clsact_create(uint32_t ifindex) = 0;
  /// Deletes the clsact qdisc and its filters; NotFound when the device has none.
  virtual Status clsact_destroy(uint32_t ifindex) = 0;
  /// Adds a `bpf da` filter; handle/priority 0 let the kernel choose. `replace`: replace a
  /// filter with the same handle and priority instead of failing with EEXIST.
  virtual Result<TcFilterId> tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd,
                                              TcFilterId wanted, bool replace) = 0;
  virtual Status tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) = 0;
  /// Deletes every filter on `direction`'s hook of the clsact qdisc (what `tc filter del dev
  /// DEV ingress` does). NotFound when the device has no clsact qdisc.
  virtual Status tc_filters_flush(uint32_t ifindex, TcDirection direction) = 0;
  /// True when this kernel has tcx links (6.6+). Asked once per process by the real kernel.
  virtual bool has_tcx() = 0;

  /// The id of tracepoint `category:name` from tracefs (mounted when it is not).
  virtual Result<uint32_t> tracepoint_id(const std::string& category, const std::string& name) = 0;
  /// The type of dynamic PMU `name` ("kprobe", "uprobe"); NotFound when the kernel has none.
  virtual Result<uint32_t> pmu_type(const std::string& name) = 0;
  /// The config bit that makes a kprobe/uprobe PMU event a return probe.
  virtual Result<uint32_t> pmu_retprobe_bit(const std::string& name) = 0;
  virtual Result<Fd> perf_event_open(const PerfEventRequest& request) = 0;
  /// PERF_EVENT_IOC_SET_BPF then PERF_EVENT_IOC_ENABLE (kernels without perf links).
  virtual Status perf_event_set_bpf(int perf_fd, int prog_fd) = 0;
  /// BPF_RAW_TRACEPOINT_OPEN; an empty `name` for tp_btf/fentry/fexit/lsm programs, whose
  /// target was given at load time.
  virtual Result<Fd> raw_tracepoint_open(const std::string& name, int prog_fd) = 0;
  /// Opens a cgroup v2 directory; NotFound when absent.
  virtual Result<Fd> open_cgroup(const std::string& path) = 0;

  /// setsockopt(SO_ATTACH_BPF): socket filter `prog_fd` on socket `socket_fd`, replacing
  /// any filter it had. InvalidArgument when `socket_fd` is not a socket.
  virtual Status socket_attach_filter(int socket_fd, int prog_fd) = 0;
  /// setsockopt(SO_DETACH_BPF); Kernel (ENOENT) when the socket has no filter.
  virtual Status socket_detach_filter(int socket_fd) = 0;
};

/// The AttachKernel that makes real calls. Thread-safe; lives for the process.
[[nodiscard]] AttachKernel& system_attach_kernel();

}  // namespace bpfload
