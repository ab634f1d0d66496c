// The kernel layer: the only code in bpfload that calls bpf(). Everything above it
// goes through the Kernel interface, so tests can substitute a fake or inject faults.
#pragma once

#ifdef BPFLOAD_PURE_LAYER
#error "the pure layers (core, elf, spec, link) make no system calls: do not include the kernel interface"
#endif

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <linux/bpf.h>

#include <mutex>

#include "bpfload/btf_features.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/result.hpp"
#include "bpfload/system.hpp"

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
  uint32_t btf_id = 0;             ///< the map's BTF object (0: none); see load_kernel_btf
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

/// Every kernel operation bpfload performs. Failures are ErrorKind::Kernel with errno
/// and the command named ("bpf(MAP_CREATE): Operation not permitted"). The map calls
/// check span sizes first: a key must be key_size bytes (empty only where the map has no
/// keys, or for map_next_key's "first key"), a value value_size bytes, or for per-CPU maps
/// value_size rounded up to 8 times possible_cpus(); otherwise InvalidArgument naming
/// both sizes, and nothing is read or written.
class Kernel {
 public:
  virtual ~Kernel() = default;

  virtual Result<Fd> map_create(const MapCreateRequest& request) = 0;
  virtual Status map_update(int map_fd, std::span<const std::byte> key,
                            std::span<const std::byte> value, uint64_t flags) = 0;
  virtual Status map_lookup(int map_fd, std::span<const std::byte> key,
                            std::span<std::byte> value) = 0;
  virtual Status map_delete(int map_fd, std::span<const std::byte> key) = 0;
  /// Next key after `key` (first key when empty). Returns false at the end.
  virtual Result<bool> map_next_key(int map_fd, std::span<const std::byte> key,
                                    std::span<std::byte> next_key) = 0;
  virtual Status map_freeze(int map_fd) = 0;
  /// Writes `bytes` at `offset` of the one value of a one-entry array map (a global-data
  /// section, `value_size` bytes). The system kernel writes through a shared mapping of
  /// the map (data sections are created BPF_F_MMAPABLE, as libbpf's skeletons use them),
  /// so what programs write meanwhile to the value's other bytes is kept; the default, for
  /// test doubles, reads the value, changes the bytes and writes it back. Fails with
  /// InvalidArgument when the range does not fit in `value_size`, Kernel when the map
  /// cannot be mapped or updated (frozen, not mmapable).
  virtual Status map_write_value_bytes(int map_fd, uint32_t value_size, uint64_t offset,
                                       std::span<const std::byte> bytes);
  virtual Result<MapInfo> map_info(int map_fd) = 0;

  /// Loads a program. A verifier refusal is not a Result error: it comes back as an
  /// outcome with an invalid fd and errno, so the caller can retry with a bigger log.
  virtual ProgLoadOutcome prog_load(const ProgLoadRequest& request) = 0;
  virtual Result<ProgInfo> prog_info(int prog_fd) = 0;
  virtual Result<TestRunOutcome> prog_test_run(const TestRunRequest& request) = 0;

  /// Loads raw BTF; `log` receives the kernel's BTF log on failure when non-empty.
  virtual Result<Fd> btf_load(std::span<const std::byte> btf, std::span<char> log) = 0;

  /// An fd of the kernel's BTF object of module `module` (the one /sys/kernel/btf/<module>
  /// shows), for attach_btf_obj_fd and kfunc fd_array slots. Fails with NotFound when no
  /// loaded module has that name, Kernel otherwise. The default fails with Unsupported,
  /// for kernels (test doubles) that have no modules.
  virtual Result<Fd> module_btf_fd(const std::string& module);

  virtual Status obj_pin(int fd, const std::string& path) = 0;
  virtual Result<Fd> obj_get(const std::string& path) = 0;
  /// Removes a pin (unlink). Used for rollback; also routed here so tests see it.
  virtual Status unpin(const std::string& path) = 0;

  /// The filesystem and machine this kernel's objects live in: where pins are planned,
  /// directories made and the CPU count read. A fake kernel returns its own fake.
  virtual System& system() = 0;

  /// The BTF kinds this kernel's BPF_BTF_LOAD accepts. Probed on the first call by loading
  /// one tiny blob per feature through btf_load() (btf_feature_probe_blob(), as libbpf's
  /// probe_kern_btf_* do), so a fake or fault-injecting kernel is probed through its own
  /// btf_load; later calls return the same set. One probe per Kernel object, whichever
  /// thread asks first; thread-safe. When even a one-INT blob is refused (no BTF support,
  /// no privilege) nothing can be learned and every feature is reported present: the
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

/// The Kernel that makes real system calls; its system() is host_system(). Thread-safe;
/// lives for the process. It changes no process state: raising RLIMIT_MEMLOCK on old
/// kernels is the caller's explicit step (raise_memlock_limit() in system.hpp).
[[nodiscard]] Kernel& system_kernel();

/// The size a value span must have for a map: value_size, or for per-CPU maps
/// value_size rounded up to 8 bytes times `possible_cpus`.
[[nodiscard]] size_t map_value_span_size(uint32_t map_type, uint32_t value_size, unsigned possible_cpus);

/// True for the map types whose lookups return one value per possible CPU.
[[nodiscard]] bool is_per_cpu_map(uint32_t map_type) noexcept;

/// Removes a pin set made with LoadOptions::pin_dir: the pins in `dir`/maps and
/// `dir`/progs, those directories, and `dir` itself when it is then empty. Nothing else
/// is touched: another file or directory stops the removal of its parent with an
/// InvalidArgument naming it. Refuses a `dir` that is not on bpffs. The removed paths
/// are appended to `removed`. Fails with NotFound when `dir` does not exist.
[[nodiscard]] Status remove_pin_set(const std::string& dir, std::vector<std::string>& removed);

/// Swaps directory `fresh` in at `dir`, atomically where the filesystem supports it
/// (RENAME_EXCHANGE); `fresh` then holds what `dir` held. Fails with Kernel (errno).
[[nodiscard]] Status exchange_directories(const std::string& fresh, const std::string& dir);


}  // namespace bpfload
