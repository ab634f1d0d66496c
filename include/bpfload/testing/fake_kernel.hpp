// A whole operating system in memory behind the Kernel seam, for testing without
// privileges: maps, programs, BTF, links, netlink XDP and tc, perf events, cgroups, socket
// filters, and a filesystem with bpffs pins, directories, files and symlinks. Load, then
// attach, then pin runs against it exactly as against the real kernel. Part of
// libbpfload_testing (bpfload_testing.pc), not of libbpfload.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bpfload/kernel.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The fake world. Where a kernel rule is modelled (map sizes and flags, frozen maps, full
/// hash maps, pin paths, XDP modes, tc priorities, link lifetimes) it fails with the
/// kernel's errno, so code above the seam sees what it would see on a real kernel; what is
/// not modelled (the verifier, running programs) says so. Every fd it returns is a real
/// descriptor (one end of a pipe whose other end the fake keeps), so Fd closes it, dup
/// works, and the fake sees when the last fd of an object is gone: a link with neither fd
/// nor pin is released, as in the kernel. Every call is logged. It never fails a call
/// on its own accord: wrap it in a FaultInjectingKernel for that. Thread-safe.
class FakeKernel final : public Kernel {
 public:
  /// One loaded program, as the loader asked for it.
  struct Program {
    uint32_t id = 0;
    uint32_t type = 0;
    std::string name;
    std::string license;
    std::vector<bpf_insn> insns;
    uint32_t expected_attach_type = 0;
    uint32_t kern_version = 0;
    uint32_t prog_flags = 0;
    bool with_btf = false;
    size_t func_info_count = 0;
    size_t line_info_count = 0;
    uint32_t log_level = 0;
    uint32_t attach_btf_id = 0;
    /// Id of the BTF object attach_btf_obj_fd referred to (a module_btf_fd), 0 for none.
    uint32_t attach_btf_obj_id = 0;
    /// Per fd_array slot, the id of the BTF object its fd referred to (0: slot 0, or not
    /// a BTF object); empty when the load passed no fd_array.
    std::vector<uint32_t> fd_array_btf_ids;
    /// Per BPF_PSEUDO_BTF_ID ld_imm64 with a BTF fd (a module's) in its second imm: the
    /// instruction index -> that BTF object's id.
    std::map<uint32_t, uint32_t> btf_id_load_objects;
  };

  /// One map: its creation attributes and contents (key bytes -> value bytes).
  struct Map {
    uint32_t id = 0;
    MapCreateRequest request;  ///< fds in it are as given (they may be closed since)
    bool frozen = false;
    std::map<std::vector<std::byte>, std::vector<std::byte>> entries;
  };

  /// One BPF link, as the fake sees it now.
  struct Link {
    LinkInfo info;          ///< id, type, prog_id, attach_type, ifindex, tracepoint
    bool detached = false;  ///< BPF_LINK_DETACH was called
    bool open = false;      ///< some fd of it is open
    bool pinned = false;    ///< some pin holds it
    /// Attached: not detached, and held by an fd or a pin.
    [[nodiscard]] bool live() const noexcept { return !detached && (open || pinned); }
  };

  /// One `bpf da` filter of a clsact qdisc.
  struct Filter {
    uint32_t ifindex = 0;
    TcDirection direction = TcDirection::Ingress;
    TcFilterId id;
    uint32_t prog_id = 0;
  };

  FakeKernel();
  ~FakeKernel() override;

  Status call(KernelOp& op) override;

  // ---- the world, as a test sets it up ----
  /// Makes every load of the program named `name` fail with `err` (EACCES: the verifier
  /// refuses it) and write `log` to the log buffer.
  void refuse_program(const std::string& name, int err, std::string log);
  /// Makes btf_load refuse, with EINVAL and the kernel's "[id] Invalid kind:N" log, every
  /// blob that uses `feature` (for Enum64 also a signed ENUM; for FuncGlobal a non-static
  /// FUNC), as a kernel older than the feature does.
  void refuse_btf_feature(BtfFeature feature);
  /// What kernel_release(), possible_cpus() and process_id() return (default
  /// "6.18.0-fake", 4, 4242).
  void set_kernel_release(std::string release);
  void set_possible_cpus(unsigned cpus);
  void set_process_id(int pid);
  /// What page_size() returns (default 4096).
  void set_page_size(size_t bytes);
  /// Adds a directory (and parents) on the filesystem with magic `filesystem_magic`
  /// (every directory under it inherits it). /, /sys, /sys/fs, /sys/fs/bpf (bpffs),
  /// /proc, /tmp exist from the start; the root is ext4.
  void add_mount(const std::string& path, uint64_t filesystem_magic);
  /// Adds a regular file (and its parent directories) holding `contents`.
  void add_file(const std::string& path, std::string contents);
  /// Adds a FIFO at `path`: a file that is not regular (read_file refuses it).
  void add_fifo(const std::string& path);
  /// Adds a symbolic link at `path` pointing to `target` (parents made as needed).
  void add_symlink(const std::string& path, const std::string& target);
  /// Makes module_btf_fd(`module`) succeed; returns the id its BTF object gets.
  uint32_t add_module_btf(const std::string& module);
  /// Network interfaces (default: lo 1, veth0 7, veth1 8).
  void add_interface(const std::string& name, uint32_t ifindex);
  /// Tracepoints tracefs lists (default: syscalls:sys_enter_getpid, id 321).
  void add_tracepoint(const std::string& category, const std::string& name, uint32_t id);
  /// cgroup v2 directories (default: /fake/cgroup).
  void add_cgroup(const std::string& path);
  /// Kernel features: tcx links (default on), the kprobe PMU (off), perf links (on),
  /// sockmap links (on; off is a kernel before 6.10).
  void set_tcx(bool available);
  void set_kprobe_pmu(bool available);
  void set_perf_links(bool available);
  void set_sockmap_links(bool available);

  // ---- inspection ----
  /// Every call made, in order, as describe() writes it ("obj_pin /sys/fs/bpf/x").
  [[nodiscard]] std::vector<std::string> calls() const;
  /// Number of calls of the op named `name` ("map_create").
  [[nodiscard]] size_t calls_named(const std::string& name) const;
  /// Forgets the call log (the world stays).
  void clear_calls();
  /// Every program loaded so far, in load order (also ones whose fd is closed).
  [[nodiscard]] std::vector<Program> programs() const;
  /// The bytes of every BTF blob btf_load accepted, in load order (probes included).
  [[nodiscard]] std::vector<std::vector<std::byte>> loaded_btf() const;
  /// The map an fd refers to; nullopt when it is no map of this fake.
  [[nodiscard]] std::optional<Map> map_of_fd(int fd) const;
  /// The map pinned at `path`; nullopt when nothing (or not a map) is pinned there.
  [[nodiscard]] std::optional<Map> pinned_map(const std::string& path) const;
  /// Kernel id of the object pinned at `path`, 0 when nothing is pinned there.
  [[nodiscard]] uint32_t pinned_id(const std::string& path) const;
  /// Every pin path, every directory, every symlink that exists, sorted.
  [[nodiscard]] std::vector<std::string> pins() const;
  [[nodiscard]] std::vector<std::string> directories() const;
  [[nodiscard]] std::vector<std::string> symlinks() const;
  /// Every link ever made, in creation order.
  [[nodiscard]] std::vector<Link> links() const;
  /// Links attached now (Link::live()).
  [[nodiscard]] int live_links() const;
  /// Interfaces with a clsact qdisc; the filters on them.
  [[nodiscard]] std::set<uint32_t> qdiscs() const;
  [[nodiscard]] std::vector<Filter> filters() const;
  /// Netlink XDP attachments: ifindex -> program id (any mode).
  [[nodiscard]] std::map<uint32_t, uint32_t> xdp_attached() const;
  /// BPF_PROG_ATTACHes not detached.
  [[nodiscard]] int prog_attachments() const;
  /// Sockets with a filter attached.
  [[nodiscard]] int socket_filters() const;
  /// Every perf event opened, and the names (config1 strings) of kprobe/uprobe ones.
  [[nodiscard]] std::vector<PerfEventRequest> perf_events() const;
  [[nodiscard]] std::vector<std::string> perf_names() const;
  /// Objects (maps, programs, BTF, links, perf events, cgroups) with an fd open.
  [[nodiscard]] int open_objects() const;
  /// One line per thing that would outlive the process or leak in it: pins, directories,
  /// symlinks, files, live links, qdiscs, filters, XDP, prog attachments, socket filters,
  /// objects with open fds. Two equal states mean nothing was left behind in between.
  [[nodiscard]] std::vector<std::string> state() const;

  struct World;

 private:
  std::unique_ptr<World> world_;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
