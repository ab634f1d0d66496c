// The one seam between bpfload and the operating system. Every bpf() command, perf event,
// netlink request, bpffs pin, directory change and file read of the loader, the attacher
// and the pin journal is a KernelOp (kernel_ops.hpp) passed to Kernel::call(), the only
// virtual function. system_kernel() makes the real calls; a test replaces it with a fake
// world or wraps it in a decorator (libbpfload_testing: FakeKernel, FaultInjectingKernel),
// which sees every call because there is no other way in. The typed helpers below build
// an op, call it and unpack the reply, so callers read as plain function calls.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bpfload/btf_features.hpp"
#include "bpfload/export.h"
#include "bpfload/fd.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/kernel_ops.hpp"
#include "bpfload/kernel_types.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The operating system as bpfload sees it. Implementations override call() alone; the
/// helpers are not virtual, so nothing reaches the OS except through call(). Failures
/// are as each op in kernel_ops.hpp says. Implementations must be thread-safe: programs
/// load in parallel.
class Kernel {
 public:
  Kernel() = default;
  virtual ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  /// Performs `op` and fills in its reply fields. The only way to the operating system.
  [[nodiscard]] virtual Status call(KernelOp& op) = 0;

  /// Performs `op` and returns it with its reply, or the error.
  template <typename Op>
  [[nodiscard]] Result<Op> run(Op op) {
    KernelOp any(std::in_place_type<Op>, std::move(op));
    Status done = call(any);
    if (!done.ok()) return std::move(done).error();
    return std::move(std::get<Op>(any));
  }

  // ---- maps ----
  [[nodiscard]] Result<Fd> map_create(const MapCreateRequest& request);
  [[nodiscard]] Status map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                                  uint64_t flags);
  [[nodiscard]] Status map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value);
  [[nodiscard]] Status map_delete(int map_fd, std::span<const std::byte> key);
  /// Next key after `key` (first key when empty). Returns false at the end.
  [[nodiscard]] Result<bool> map_next_key(int map_fd, std::span<const std::byte> key, std::span<std::byte> next_key);
  [[nodiscard]] Status map_freeze(int map_fd);
  /// op::MapWriteValue: part of a global-data section's value, keeping the rest.
  [[nodiscard]] Status map_write_value_bytes(int map_fd, uint32_t value_size, uint64_t offset,
                                             std::span<const std::byte> bytes);
  [[nodiscard]] Result<MapInfo> map_info(int map_fd);
  /// op::MapById: an fd of the map with kernel id `id`. Kernel error ENOENT when no map
  /// has it, EPERM without CAP_SYS_ADMIN.
  [[nodiscard]] Result<Fd> map_by_id(uint32_t id);

  // ---- programs and BTF ----
  /// Loads a program. A verifier refusal is not a Result error: it comes back as an
  /// outcome with an invalid fd and errno, so the caller can retry with a bigger log.
  [[nodiscard]] ProgLoadOutcome prog_load(const ProgLoadRequest& request);
  [[nodiscard]] Result<ProgInfo> prog_info(int prog_fd);
  /// The kernel id of a loaded program (prog_info().id).
  [[nodiscard]] Result<uint32_t> prog_id(int prog_fd);
  [[nodiscard]] Result<TestRunOutcome> prog_test_run(const TestRunRequest& request);
  /// Loads raw BTF; `log` receives the kernel's BTF log on failure when non-empty.
  [[nodiscard]] Result<Fd> btf_load(std::span<const std::byte> btf, std::span<char> log);
  /// op::KernelBtf: the kernel's BTF object `id`, parsed.
  [[nodiscard]] Result<BtfHandle> kernel_btf(uint32_t id);
  /// op::ModuleBtf: an fd of module `module`'s BTF object.
  [[nodiscard]] Result<Fd> module_btf_fd(const std::string& module);

  // ---- pins ----
  /// op::ObjPin: pins `fd` at `path`, refusing symlinks planted inside bpffs.
  [[nodiscard]] Status obj_pin(int fd, const std::string& path);
  [[nodiscard]] Result<Fd> obj_get(const std::string& path);
  /// Removes a pin (unlink).
  [[nodiscard]] Status unpin(const std::string& path);

  // ---- links and attachments ----
  [[nodiscard]] Result<Fd> link_create(const LinkCreateRequest& request);
  [[nodiscard]] Status link_detach(int link_fd);
  /// op::LinkUpdate: `new_prog_fd` behind link `link_fd`; `expected_prog_fd` -1 for any.
  [[nodiscard]] Status link_update(int link_fd, int new_prog_fd, int expected_prog_fd);
  [[nodiscard]] Result<LinkInfo> link_info(int link_fd);
  /// Ids of every BPF link in the system, ascending.
  [[nodiscard]] Result<std::vector<uint32_t>> link_ids();
  [[nodiscard]] Result<Fd> link_by_id(uint32_t id);
  [[nodiscard]] Status prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags);
  [[nodiscard]] Status prog_detach(int prog_fd, int target_fd, uint32_t attach_type);
  [[nodiscard]] Result<std::vector<uint32_t>> query_prog_ids(int target, uint32_t attach_type);
  [[nodiscard]] Result<Fd> raw_tracepoint_open(const std::string& name, int prog_fd);
  /// A second fd for `fd` (close-on-exec).
  [[nodiscard]] Result<Fd> duplicate(int fd);

  // ---- netlink ----
  [[nodiscard]] Result<uint32_t> interface_index(const std::string& name);
  /// op::InterfaceName: the name of interface `ifindex` in this netns.
  [[nodiscard]] Result<std::string> interface_name(uint32_t ifindex);
  [[nodiscard]] Status xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags);
  [[nodiscard]] Status xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags);
  /// op::XdpAttach with XDP_FLAGS_REPLACE: `prog_fd` in place of `expected_prog_fd`.
  [[nodiscard]] Status xdp_replace(uint32_t ifindex, int prog_fd, int expected_prog_fd, uint32_t flags);
  /// Id of the XDP program attached in the mode of `flags`, 0 when none.
  [[nodiscard]] Result<uint32_t> xdp_attached_id(uint32_t ifindex, uint32_t flags);
  /// Adds a clsact qdisc; false when one was already there.
  [[nodiscard]] Result<bool> clsact_create(uint32_t ifindex);
  [[nodiscard]] Status clsact_destroy(uint32_t ifindex);
  [[nodiscard]] Result<TcFilterId> tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd,
                                                    TcFilterId wanted, bool replace);
  [[nodiscard]] Status tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter);
  [[nodiscard]] Status tc_filters_flush(uint32_t ifindex, TcDirection direction);
  /// True when this kernel has tcx links (6.6+); false when it cannot tell.
  [[nodiscard]] bool has_tcx();

  // ---- perf events, tracefs, cgroups, sockets ----
  [[nodiscard]] Result<uint32_t> tracepoint_id(const std::string& category, const std::string& name);
  [[nodiscard]] Result<uint32_t> pmu_type(const std::string& name);
  [[nodiscard]] Result<uint32_t> pmu_retprobe_bit(const std::string& name);
  [[nodiscard]] Result<Fd> perf_event_open(const PerfEventRequest& request);
  [[nodiscard]] Status perf_event_set_bpf(int perf_fd, int prog_fd);
  [[nodiscard]] Result<Fd> open_cgroup(const std::string& path);
  [[nodiscard]] Status socket_attach_filter(int socket_fd, int prog_fd);
  [[nodiscard]] Status socket_detach_filter(int socket_fd);

  // ---- files and directories ----
  [[nodiscard]] Status make_directory(const std::string& path);
  /// mkdir that accepts an existing directory: true when made here, false when it was
  /// there already. Fails with Kernel (ENOTDIR when something else is there).
  [[nodiscard]] Result<bool> ensure_directory(const std::string& path);
  [[nodiscard]] Status remove_directory(const std::string& path);
  [[nodiscard]] Result<FileKind> file_kind(const std::string& path, bool follow_links);
  [[nodiscard]] Result<uint64_t> filesystem_magic(const std::string& path);
  [[nodiscard]] Result<std::vector<DirectoryEntry>> list_directory(const std::string& path);
  [[nodiscard]] Status rename(const std::string& from, const std::string& to);
  /// Swaps two existing paths atomically (RENAME_EXCHANGE).
  [[nodiscard]] Status exchange(const std::string& first, const std::string& second);
  /// op::ReadFile: the whole regular file, at most `max_bytes`.
  [[nodiscard]] Result<std::vector<std::byte>> read_file(const std::string& path, uint64_t max_bytes,
                                                         std::string prefix = {});
  /// op::ReadFile with a sink: the file in chunks, memory bounded by one chunk.
  [[nodiscard]] Status read_file_chunks(const std::string& path, uint64_t max_bytes,
                                        std::function<Status(std::span<const std::byte>)> sink);

  /// op::LockDirectory: an exclusive flock on directory `path`, held until the Fd closes,
  /// waiting up to `wait_ms` for another holder.
  [[nodiscard]] Result<Fd> lock_directory(const std::string& path, unsigned wait_ms);

  // ---- the machine ----
  [[nodiscard]] Result<std::string> kernel_release();
  [[nodiscard]] Result<unsigned> possible_cpus();
  [[nodiscard]] Result<int> process_id();
  /// The kernel's page size. Never fails: 4096 when the op does.
  [[nodiscard]] size_t page_size();

  /// The BTF kinds this kernel's BPF_BTF_LOAD accepts. Probed on the first call by loading
  /// one tiny blob per feature through btf_load() (btf_feature_probe_blob(), as libbpf's
  /// probe_kern_btf_* do), so a fake or decorated kernel is probed through its own call();
  /// later calls return the same set. One probe per Kernel object, whichever thread asks
  /// first; thread-safe. When even a one-INT blob is refused (no BTF support, no
  /// privilege) nothing can be learned and every feature is reported present: the
  /// object's own BTF load then fails with the kernel's own error. Never fails.
  [[nodiscard]] BtfFeatures btf_features();

 private:
  std::once_flag btf_features_once_;
  BtfFeatures btf_features_;
};

/// The BTF blob (host byte order) whose acceptance by BPF_BTF_LOAD shows that a kernel
/// has `feature`: libbpf's probe for it ("void x(int a)" for Func, a FLOAT for Float, ...).
[[nodiscard]] std::vector<std::byte> btf_feature_probe_blob(BtfFeature feature);
/// A blob of one INT type, which every kernel with BTF accepts.
[[nodiscard]] std::vector<std::byte> btf_basic_probe_blob();

/// The Kernel that makes real system calls. Thread-safe; lives for the process. It changes
/// no process state: raising RLIMIT_MEMLOCK on old kernels is the caller's explicit step
/// (raise_memlock_limit() in system.hpp).
[[nodiscard]] Kernel& system_kernel();

/// The size a value span must have for a map: value_size, or for per-CPU maps
/// value_size rounded up to 8 bytes times `possible_cpus`.
[[nodiscard]] size_t map_value_span_size(uint32_t map_type, uint32_t value_size, unsigned possible_cpus);

/// True for the map types whose lookups return one value per possible CPU.
[[nodiscard]] bool is_per_cpu_map(uint32_t map_type) noexcept;

/// Removes a pin set made with LoadOptions::pin_dir through `kernel`: the pins in
/// `dir`/maps and `dir`/progs, those directories (an empty links/ too), and `dir`. Before
/// anything is removed, anything else in `dir` (links/ holding attached programs, a
/// deployment's directories, other files) refuses it with an InvalidArgument naming it
/// and pointing to `bpfload delete`; another file, directory or symlink inside maps/ or
/// progs/ stops the removal there. Refuses a `dir` that is not on bpffs. The removed paths
/// are appended to `removed`. Fails with NotFound when `dir` does not exist.
[[nodiscard]] Status remove_pin_set(Kernel& kernel, const std::string& dir, std::vector<std::string>& removed);

/// Swaps directory `fresh` in at `dir` through `kernel`, atomically where the filesystem
/// supports it (RENAME_EXCHANGE); `fresh` then holds what `dir` held. Where it does not
/// (EINVAL), three renames, with `dir` briefly absent. Fails with Kernel (errno).
[[nodiscard]] Status exchange_directories(Kernel& kernel, const std::string& fresh, const std::string& dir);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
