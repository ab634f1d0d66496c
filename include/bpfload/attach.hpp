// Attaching loaded programs where they run: XDP, tc, tracepoints, raw tracepoints, cgroups,
// kprobes, uprobes and perf events. Each attachment is one owned, movable Attachment that
// detaches when destroyed unless it was pinned or kept. Every OS call goes through the
// Kernel seam (kernel.hpp), so tests can use a fake or inject faults.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/system.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The mechanism behind an attachment, and what undoing it needs.
struct LinkHandle {
  Fd link;  ///< a BPF link: closing its last reference (fd or pin) detaches
};
struct XdpNetlinkHandle {
  uint32_t ifindex = 0;
  uint32_t flags = 0;  ///< XDP_FLAGS_*_MODE used to attach
  Fd prog;             ///< our program, so detach removes only ours
};
struct TcFilterHandle {
  uint32_t ifindex = 0;
  TcDirection direction = TcDirection::Ingress;
  TcFilterId filter;
  bool created_qdisc = false;  ///< the clsact qdisc is removed on detach only when this made it
};
struct PerfEventHandle {
  Fd event;  ///< a perf event with the program set through ioctl: closing it detaches
};
struct ProgAttachHandle {
  Fd target;  ///< cgroup (or other) fd
  Fd prog;
  uint32_t attach_type = 0;
};
struct SocketFilterHandle {
  Fd socket;  ///< our dup of the caller's socket: the filter is on the socket, not the fd
};
using AttachHandle = std::variant<LinkHandle, XdpNetlinkHandle, TcFilterHandle, PerfEventHandle,
                                  ProgAttachHandle, SocketFilterHandle>;

/// One program attached somewhere. Move-only. Destroying it detaches, unless pin() or
/// keep() was called: a pinned link stays until its pin is removed (bpfload detach), a
/// kept netlink attachment until it is removed with ip/tc or bpfload.
class Attachment {
 public:
  Attachment() = default;
  /// Takes ownership of `handle`; `program` and `target` are for messages and listings
  /// ("xdp on veth0 (native)").
  Attachment(Kernel& kernel, AttachHandle handle, std::string program, std::string target);
  ~Attachment();
  Attachment(Attachment&& other) noexcept;
  Attachment& operator=(Attachment&& other) noexcept;
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  /// Undoes the attachment now (and removes its pin, if any). Fails with the kernel's
  /// error; the attachment is released either way.
  [[nodiscard]] Status detach();
  /// Pins the link at `path`, so it outlives this object and the process. Only BPF links
  /// can be pinned: Unsupported for netlink, perf-ioctl and PROG_ATTACH attachments (use
  /// keep()). Kernel errors name the path.
  [[nodiscard]] Status pin(const std::string& path);
  /// Removes the pin made by pin(); destruction detaches again.
  [[nodiscard]] Status unpin();
  /// Leaves the attachment in place when this object is destroyed.
  void keep() noexcept { kept_ = true; }

  [[nodiscard]] bool attached() const noexcept { return kernel_ != nullptr; }
  [[nodiscard]] bool is_link() const noexcept { return std::holds_alternative<LinkHandle>(handle_); }
  [[nodiscard]] int link_fd() const noexcept;
  [[nodiscard]] const std::string& program() const noexcept { return program_; }
  [[nodiscard]] const std::string& target() const noexcept { return target_; }
  [[nodiscard]] const std::string& pin_path() const noexcept { return pin_path_; }
  /// "link", "netlink", "tc-filter", "perf-event", "prog-attach", "socket-filter".
  [[nodiscard]] std::string_view mechanism() const noexcept;
  [[nodiscard]] const AttachHandle& handle() const noexcept { return handle_; }

 private:
  void release() noexcept;
  Kernel* kernel_ = nullptr;
  AttachHandle handle_;
  std::string program_;
  std::string target_;
  std::string pin_path_;
  bool kept_ = false;
};

enum class XdpMode { Auto, Native, Generic, Offload };

struct XdpOptions {
  XdpMode mode = XdpMode::Auto;
  bool replace = false;  ///< replace a program already attached instead of failing
  /// true: netlink attachment that persists without a pin (what `ip link set ... xdp` does);
  /// false: a BPF link (pinnable, gone with its last fd).
  bool netlink = false;
};

/// Attaches XDP program `prog_fd` to interface `device`. Fails with NotFound (no such
/// interface), InvalidArgument (already attached, naming the attached program's id, when
/// !replace), Kernel.
[[nodiscard]] Result<Attachment> attach_xdp(Kernel& kernel, int prog_fd, const std::string& program,
                                            const std::string& device, const XdpOptions& options);

struct TcOptions {
  TcDirection direction = TcDirection::Ingress;
  uint32_t priority = 0;  ///< netlink filter priority; 0: the kernel chooses (tcx ignores it)
  uint32_t handle = 0;    ///< netlink filter handle; 0: the kernel chooses
  /// true: a clsact qdisc and a `bpf da` filter even where tcx exists (what tc does, and
  /// persists without a pin). Also used when priority or handle are given.
  bool netlink = false;
  bool replace = false;   ///< netlink: replace the filter with the same handle and priority
};

/// Attaches sched_cls program `prog_fd` to `device`'s ingress or egress: a tcx link on 6.6+,
/// else a clsact qdisc (added when missing, removed on detach only if added here) and a
/// direct-action filter. Fails with NotFound (no such interface), Kernel.
[[nodiscard]] Result<Attachment> attach_tc(Kernel& kernel, int prog_fd, const std::string& program,
                                           const std::string& device, const TcOptions& options);

/// Attaches a tracepoint program to `category:name` (tracefs id; perf link where the
/// kernel has them, else the perf ioctl). NotFound names the tracepoint.
[[nodiscard]] Result<Attachment> attach_tracepoint(Kernel& kernel, int prog_fd,
                                                   const std::string& program, const std::string& category,
                                                   const std::string& name);

/// Attaches a raw tracepoint program to tracepoint `name` (BPF_RAW_TRACEPOINT_OPEN; the fd
/// is a link). Also tp_btf programs, with an empty name. NotFound names the tracepoint.
[[nodiscard]] Result<Attachment> attach_raw_tracepoint(Kernel& kernel, int prog_fd,
                                                       const std::string& program, const std::string& name);

/// Attaches a program whose target was fixed at load time by its BTF id: fentry, fexit,
/// fmod_ret, tp_btf, lsm (BPF_RAW_TRACEPOINT_OPEN), iter (a BPF_TRACE_ITER link).
[[nodiscard]] Result<Attachment> attach_tracing(Kernel& kernel, int prog_fd, const std::string& program,
                                                const std::string& section, uint32_t expected_attach_type);

/// Attaches a cgroup program with `attach_type` to the cgroup v2 directory `cgroup_path`
/// (BPF link, falling back to BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI). NotFound names the
/// path; InvalidArgument when it is not a cgroup v2 directory.
[[nodiscard]] Result<Attachment> attach_cgroup(Kernel& kernel, int prog_fd, const std::string& program,
                                               const std::string& cgroup_path, uint32_t attach_type);

/// Attaches a kprobe program to `function` + `offset` (kretprobe when `retprobe`) through the
/// kprobe PMU. NotFound: this kernel has no kprobe PMU ("kernel feature missing: ...") or
/// no such function.
[[nodiscard]] Result<Attachment> attach_kprobe(Kernel& kernel, int prog_fd, const std::string& program,
                                               const std::string& function, uint64_t offset, bool retprobe);

/// Attaches a uprobe program to `binary` at file offset `offset` (uretprobe when `retprobe`);
/// `pid` -1 for every process. NotFound names the binary.
[[nodiscard]] Result<Attachment> attach_uprobe(Kernel& kernel, int prog_fd, const std::string& program,
                                               const std::string& binary, uint64_t offset, bool retprobe,
                                               int pid = -1);

/// Attaches a perf_event program to an existing perf event the caller opened (ownership
/// of `perf_event` passes to the attachment).
[[nodiscard]] Result<Attachment> attach_perf_event(Kernel& kernel, int prog_fd, const std::string& program,
                                                   Fd perf_event, const std::string& target);

/// Attaches an sk_skb or sk_msg program to the sockmap or sockhash `map_fd` (named
/// `map_name` in messages) with `attach_type` (BPF_SK_MSG_VERDICT, BPF_SK_SKB_STREAM_VERDICT,
/// BPF_SK_SKB_STREAM_PARSER, BPF_SK_SKB_VERDICT): a sockmap link where the kernel has them
/// (6.10+), else BPF_PROG_ATTACH on the map. Sockets added to the map afterwards run the
/// program; sockets already in it keep what they had. Fails with InvalidArgument (the map is
/// not a sockmap/sockhash, or the program and attach type do not fit, naming both), Kernel.
[[nodiscard]] Result<Attachment> attach_sockmap(Kernel& kernel, int prog_fd, const std::string& program,
                                                int map_fd, const std::string& map_name, uint32_t attach_type);

/// Attaches socket filter program `prog_fd` to the socket `socket_fd` the caller owns
/// (SO_ATTACH_BPF), replacing a filter it had. The attachment keeps a duplicate of the fd,
/// so the socket lives until it is detached; detach removes whatever filter the socket has
/// then (the kernel cannot say whose it is). Fails with InvalidArgument (not a socket, or
/// not a socket filter program), Kernel.
[[nodiscard]] Result<Attachment> attach_socket_filter(Kernel& kernel, int prog_fd, const std::string& program,
                                                      int socket_fd);

/// The file offset of function `symbol` in ELF `binary`, for uprobes, the binary read
/// through `kernel`. NotFound names the symbol and the binary (or a missing binary);
/// InvalidArgument when it is not an ELF file or not a regular file; Io when it cannot be
/// read; Malformed when its tables are out of bounds.
[[nodiscard]] Result<uint64_t> uprobe_offset(Kernel& kernel, const std::string& binary, const std::string& symbol);

/// Where programs attach when their section does not say: the network device for XDP and
/// tc, the cgroup for cgroup programs.
struct AttachTargets {
  std::string device;
  std::string cgroup;
  /// tc direction for every sched_cls program; unset: from the section's last component
  /// ("tc/ingress", "egress").
  std::optional<TcDirection> tc_direction;
  XdpOptions xdp;
  TcOptions tc;  ///< priority, handle, netlink, replace; direction as above
};

/// What a section says about where its program attaches, decided without the kernel.
struct AttachPlan {
  enum class Kind { Xdp, Tc, Tracepoint, RawTracepoint, Cgroup, Kprobe, Uprobe, Tracing, None };
  Kind kind = Kind::None;
  std::string first;    ///< tracepoint category, function, binary, cgroup path, device
  std::string second;   ///< tracepoint name, uprobe symbol
  uint64_t offset = 0;
  bool retprobe = false;
  std::optional<TcDirection> direction;
  std::string reason;   ///< why None: what the section does not say
};

/// Decides how program `section` of type `prog_type` attaches. Pure.
[[nodiscard]] AttachPlan plan_attach(const std::string& section, uint32_t prog_type,
                                     uint32_t expected_attach_type, const AttachTargets& targets);

/// Attaches one program as its section says (plan_attach). InvalidArgument when the
/// section says nothing about where, naming the program and the option that would say it.
[[nodiscard]] Result<Attachment> attach_program(Kernel& kernel, int prog_fd, const std::string& program,
                                                const std::string& section, uint32_t prog_type,
                                                uint32_t expected_attach_type, const AttachTargets& targets);

/// Attaches the loaded program named `program` of `object` (loaded from `spec`) where its
/// section says, as attach_program: what an agent calls after load_object instead of
/// splitting section names itself. `kernel` nullptr: system_kernel(). Fails with NotFound
/// when the object has no such program or it did not load (the message says why), and
/// as attach_program (InvalidArgument naming the option a section without a place needs:
/// AttachTargets::device for XDP and tc, ::cgroup for cgroup programs).
[[nodiscard]] Result<Attachment> attach(const ObjectSpec& spec, const LoadedObject& object, std::string_view program,
                                        const AttachTargets& targets = {}, Kernel* kernel = nullptr);

/// Registers the struct_ops map `map_fd` (a `.struct_ops.link` map, BPF_F_LINK, whose value
/// the load wrote) with BPF_LINK_CREATE: the kernel struct it implements (`type_name`, for
/// messages) is live until the link is detached or its last fd and pin go. Fails with the
/// kernel's error naming the map.
[[nodiscard]] Result<Attachment> attach_struct_ops(Kernel& kernel, int map_fd, const std::string& map,
                                                   const std::string& type_name);

/// A group of attachments made together: all or nothing.
class AttachSet {
 public:
  AttachSet() = default;
  AttachSet(AttachSet&&) noexcept = default;
  AttachSet& operator=(AttachSet&&) noexcept = default;
  /// Releases in reverse order (later attachments may depend on earlier ones, e.g. the
  /// clsact qdisc the first tc attach made): detached unless pinned or kept.
  ~AttachSet();

  void add(Attachment attachment) { attachments_.push_back(std::move(attachment)); }
  /// Pins every link at `<dir>/links/<program>` (`dir` must exist; links/ is made when
  /// missing). On failure the pins this call made are removed and nothing is kept. On
  /// success non-link attachments are kept instead (they persist by themselves).
  [[nodiscard]] Status pin_all(Kernel& kernel, const std::string& dir);
  /// Undoes everything now, pinned and kept ones too, in reverse order; the first error
  /// is returned.
  [[nodiscard]] Status detach_all();
  [[nodiscard]] const std::vector<Attachment>& attachments() const noexcept { return attachments_; }
  [[nodiscard]] std::vector<Attachment>& attachments() noexcept { return attachments_; }

 private:
  std::vector<Attachment> attachments_;
};

/// One loaded program to attach, as attach_all takes it.
struct ProgramToAttach {
  std::string name;
  std::string section;
  uint32_t type = 0;
  uint32_t expected_attach_type = 0;
  int fd = -1;
};

/// Attaches every program in order, as its section says. All or nothing: when one fails,
/// the ones attached before are detached (in reverse order) and the error names the
/// failing program and target.
[[nodiscard]] Result<AttachSet> attach_all(Kernel& kernel, const std::vector<ProgramToAttach>& programs,
                                           const AttachTargets& targets);

/// The programs of a loaded object whose section says where they attach (plan_attach is
/// not None), in spec order; `skipped` receives "name: reason" for the others.
[[nodiscard]] std::vector<ProgramToAttach> attachable_programs(const ObjectSpec& spec, const LoadedObject& object,
                                                               const AttachTargets& targets,
                                                               std::vector<std::string>* skipped = nullptr);

/// One BPF link in the system, for `bpfload link list`.
struct LinkEntry {
  LinkInfo info;
  std::string type_name;   ///< "xdp", "tcx", "raw_tracepoint", ...
  std::string target;      ///< "ifindex 3 (veth0)", "sys_enter", "cgroup 1234", ...
};

/// Every BPF link in the system. Links that vanish while listing are skipped.
[[nodiscard]] Result<std::vector<LinkEntry>> list_links(Kernel& kernel);

/// Detaches what `path` holds: a pinned link (detached, then unpinned), or a directory, in
/// which every pinned link below it (DIR/links/... included) is detached and every pin
/// removed, then the emptied directories. Returns the paths removed. Before anything is
/// touched the whole tree is checked through `kernel`, and InvalidArgument refuses it
/// (nothing removed) when `path` is not on a bpf filesystem, is the bpffs mount point
/// itself, or anything in it is a symlink or a file that is not a pinned BPF object.
/// NotFound names a missing path.
[[nodiscard]] Result<std::vector<std::string>> detach_pinned(Kernel& kernel, const std::string& path);

/// One thing detach_xdp_device or detach_tc_device removed from a device.
struct DeviceDetachment {
  std::string hook;       ///< "xdp native", "xdp generic", "xdp offload", "ingress", "egress", "clsact"
  std::string mechanism;  ///< "link" (BPF_LINK_DETACH), "netlink", "tc-filters" (every filter of
                          ///< the hook deleted), "qdisc" (the clsact qdisc deleted)
  uint32_t prog_id = 0;   ///< 0 for tc-filters and qdisc: netlink deleted them unnamed
  uint32_t link_id = 0;   ///< for mechanism "link"
};

/// Removes every XDP program from `device` in every mode, as `ip link set dev DEV xdp off`
/// does, and XDP links too (detached; a pin of one stays until `bpfload detach`). Returns
/// what was removed, empty when nothing was attached. NotFound names the interface.
[[nodiscard]] Result<std::vector<DeviceDetachment>> detach_xdp_device(Kernel& kernel,
                                                                      const std::string& device);

/// Removes the tc programs of `device`'s `direction` (both when unset): tcx links
/// (detached) and every filter of the clsact hook (`tc filter del dev DEV ingress`); for
/// both directions the clsact qdisc too (`tc qdisc del dev DEV clsact`). Returns what was
/// removed, empty when nothing was there. NotFound names the interface.
[[nodiscard]] Result<std::vector<DeviceDetachment>> detach_tc_device(Kernel& kernel, const std::string& device,
                                                                     std::optional<TcDirection> direction);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
