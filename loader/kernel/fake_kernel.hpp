// A kernel and filesystem in memory, for testing loader logic without privileges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/system.hpp"

namespace bpfload {

/// A pure in-memory Kernel and System. Maps are byte stores with the kernel's key/value
/// size rules (per-CPU values, array bounds, BPF_NOEXIST/BPF_EXIST, frozen maps, full hash
/// maps); programs "load" by recording their attributes; pins and directories live in an
/// in-memory filesystem whose /sys/fs/bpf is a bpffs. Every call is logged, and chosen
/// calls can be made to fail. The fds it returns are real descriptors (memfds), so Fd
/// closes them and tests can count leaks, but nothing reaches bpf(). Thread-safe.
class FakeKernel final : public Kernel, public System {
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

  FakeKernel();
  ~FakeKernel() override;
  FakeKernel(const FakeKernel&) = delete;
  FakeKernel& operator=(const FakeKernel&) = delete;

  // ---- scripting ----
  /// Makes the n-th call (1-based) of `name` ("map_create", "obj_pin", "make_directory",
  /// any name in calls()) fail with `err` instead of running.
  void fail_call(const std::string& name, size_t n, int err);
  /// Makes every load of the program named `name` fail with `err` (EACCES: the verifier
  /// refuses it) and write `log` to the log buffer.
  void refuse_program(const std::string& name, int err, std::string log);
  /// Sets what kernel_release() and possible_cpus() return (default "6.18.0-fake", 4).
  void set_kernel_release(std::string release);
  void set_possible_cpus(unsigned cpus);
  /// Adds a directory (and parents) on the filesystem with magic `filesystem_magic`
  /// (every directory under a path added this way inherits it). /, /sys, /sys/fs and
  /// /sys/fs/bpf (bpffs) exist from the start; the root is ext4.
  void add_mount(const std::string& path, uint64_t filesystem_magic);
  /// Makes module_btf_fd(`module`) succeed; returns the id its BTF object gets.
  uint32_t add_module_btf(const std::string& module);
  /// Makes btf_load refuse, with EINVAL and the kernel's "[id] Invalid kind:N" log, every
  /// blob that uses `feature` (for Enum64 also a signed ENUM; for FuncGlobal a non-static
  /// FUNC), as a kernel older than the feature does; the blob is then parsed with libbpf
  /// and refused too when libbpf cannot parse it.
  void refuse_btf_feature(BtfFeature feature);

  // ---- inspection ----
  /// Every call made, in order, as "name argument" ("obj_pin /sys/fs/bpf/x", "map_create counters").
  [[nodiscard]] std::vector<std::string> calls() const;
  /// Number of calls of the method `name`.
  [[nodiscard]] size_t calls_named(const std::string& name) const;
  /// Forgets the call log (objects, pins and scripts stay).
  void clear_calls();
  /// Every program loaded so far, in load order (also ones whose fd is closed).
  [[nodiscard]] std::vector<Program> programs() const;
  /// The bytes of every BTF blob btf_load accepted, in load order (probes included).
  [[nodiscard]] std::vector<std::vector<std::byte>> loaded_btf() const;
  /// The map an fd refers to; nullopt when it is no map of this fake.
  [[nodiscard]] std::optional<Map> map_of_fd(int fd) const;
  /// The map pinned at `path`; nullopt when nothing (or a program) is pinned there.
  [[nodiscard]] std::optional<Map> pinned_map(const std::string& path) const;
  /// Kernel id of the object pinned at `path`, 0 when nothing is pinned there.
  [[nodiscard]] uint32_t pinned_id(const std::string& path) const;
  /// Every pin path and every directory that exists, sorted.
  [[nodiscard]] std::vector<std::string> pins() const;
  [[nodiscard]] std::vector<std::string> directories() const;

  // ---- Kernel ----
  Result<Fd> map_create(const MapCreateRequest& request) override;
  Status map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                    uint64_t flags) override;
  Status map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value) override;
  Status map_delete(int map_fd, std::span<const std::byte> key) override;
  Result<bool> map_next_key(int map_fd, std::span<const std::byte> key,
                            std::span<std::byte> next_key) override;
  Status map_freeze(int map_fd) override;
  Result<MapInfo> map_info(int map_fd) override;
  ProgLoadOutcome prog_load(const ProgLoadRequest& request) override;
  Result<ProgInfo> prog_info(int prog_fd) override;
  /// Always fails with ENOTSUP: the fake runs no program.
  Result<TestRunOutcome> prog_test_run(const TestRunRequest& request) override;
  Result<Fd> btf_load(std::span<const std::byte> btf, std::span<char> log) override;
  /// NotFound unless add_module_btf named `module`.
  Result<Fd> module_btf_fd(const std::string& module) override;
  Status obj_pin(int fd, const std::string& path) override;
  Result<Fd> obj_get(const std::string& path) override;
  Status unpin(const std::string& path) override;
  System& system() override { return *this; }

  // ---- System ----
  Status make_directory(const std::string& path) override;
  Status remove_directory(const std::string& path) override;
  Result<FileKind> file_kind(const std::string& path, bool follow_links) override;
  Result<uint64_t> filesystem_magic(const std::string& path) override;
  Result<std::string> kernel_release() override;
  Result<unsigned> possible_cpus() override;

 private:
  struct Object;  // a map, a program or a BTF blob
  using ObjectPtr = std::shared_ptr<Object>;

  /// Logs the call; returns the errno scripted for it, 0 to run it.
  int enter(const std::string& name, const std::string& argument);
  Result<Fd> new_fd(ObjectPtr object, const char* what);
  ObjectPtr object_of(int fd) const;
  std::shared_ptr<Object> map_object(int fd, std::string_view call, Error& error) const;
  Status check_spans(std::string_view call, int fd, const Object& map, size_t key_bytes, bool key_may_be_empty,
                     std::optional<size_t> value_bytes) const;
  [[nodiscard]] bool parent_is_directory(const std::string& path) const;
  /// Magic of the filesystem holding `path` (the nearest mount above it); not logged.
  [[nodiscard]] uint64_t magic_of(const std::string& path) const;

  mutable std::recursive_mutex mutex_;
  std::vector<std::string> calls_;
  std::map<std::string, size_t> per_name_;
  std::map<std::pair<std::string, size_t>, int> failures_;
  std::map<std::string, std::pair<int, std::string>> refused_programs_;
  std::string release_ = "6.18.0-fake";
  unsigned cpus_ = 4;
  uint32_t next_id_ = 1;
  std::map<int, ObjectPtr> fds_;                 // by fd number; a reused number replaces it
  std::map<std::string, ObjectPtr> pins_;        // path -> object
  std::set<std::string> directories_;
  std::map<std::string, uint64_t> mounts_;       // path -> filesystem magic
  std::vector<Program> programs_;
  std::map<std::string, uint32_t> module_btf_ids_;  // module name -> its BTF object's id
  BtfFeatures btf_kinds_;                        // what btf_load accepts
  std::vector<std::vector<std::byte>> loaded_btf_;
};

}  // namespace bpfload
