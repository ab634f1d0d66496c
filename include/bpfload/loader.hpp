// Loading an ObjectSpec into the kernel: maps, global data, programs, tail calls, pins.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "bpfload/core_relocate.hpp"
#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/link.hpp"
#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/verifier_log.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Per-map changes applied at load time, by map name.
struct MapOverride {
  std::optional<uint32_t> max_entries;
  /// Size of one value, as libbpf's bpf_map__set_value_size (bcc's stack-trace maps are
  /// sized at run time). Checked as a map created on its own (InvalidArgument naming the
  /// map: a stack trace's value is whole 8-byte frames, fd maps hold 4 bytes, ...); a map
  /// whose value then differs from its BTF value type is created without BTF key/value
  /// types, as libbpf's is. A struct_ops map's value cannot be overridden.
  std::optional<uint32_t> value_size;
  std::optional<uint32_t> flags;
  std::optional<std::string> inner_map;  ///< name of another map of the object to use as template
  std::optional<Pinning> pinning;
  std::optional<std::string> reuse_path; ///< use the map pinned here instead of creating one
};

/// Verifier log levels (bits of BPF_PROG_LOAD's log_level).
inline constexpr uint32_t kLogLevel1 = 1;
inline constexpr uint32_t kLogLevel2 = 2;
inline constexpr uint32_t kLogStats = 4;

struct LoadOptions {
  std::string pin_root = "/sys/fs/bpf";  ///< bpffs mount for iproute2/libbpf-style pins
  /// When set, every map is pinned at <pin_dir>/maps/<name> and every program at
  /// <pin_dir>/progs/<name>, in addition to pins the object asks for.
  std::optional<std::string> pin_dir;
  /// When pin_dir already holds pins (an earlier load, complete or interrupted): build
  /// the new set beside it, swap it in once complete, then remove the old set. Without
  /// it such a load fails with InvalidArgument listing the pins that exist.
  bool replace_pins = false;
  /// iproute2 PIN_OBJECT_NS directory name (tc uses the object's SHA-1 in hex: see
  /// object_id_for()). Loading an object with an object-ns map fails with
  /// InvalidArgument while this is empty.
  std::string object_id;
  uint32_t log_level = 0;          ///< kLogLevel1/2 | kLogStats
  /// Verifier log level for the programs named (keys are program names), instead of
  /// log_level: what a verifier developer asks for one program (`__log_level(2)`).
  std::map<std::string, uint32_t> program_log_levels;
  /// BPF_F_* program flags added to what the section implies, by program name; the key
  /// "*" adds them to every program. BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT,
  /// BPF_F_TEST_RND_HI32, BPF_F_TEST_STATE_FREQ, ... (program_flag_by_name()).
  std::map<std::string, uint32_t> program_flags;
  /// Most bytes of verifier log kept per program; 0 keeps the whole log, however big
  /// (a million-instruction rejection writes over 100 MB). When the log is bigger the
  /// kernel (6.4+) keeps its end, which holds the verdict, and the program is loaded once
  /// more without a log for that verdict: never more than 2 verifier runs on such a
  /// kernel. With 0, the second run's buffer is the size the first says the log needs.
  size_t log_limit = size_t{16} << 20;
  /// Register `.struct_ops` (not `.link`) maps by writing their value at load time, as
  /// libbpf's attach does; it stays registered until its element is deleted. false (the
  /// default) leaves them empty. `.struct_ops.link` maps get their value either way and
  /// are registered by attach_struct_ops().
  bool register_struct_ops = false;
  bool keep_going = false;         ///< load what can load instead of all or nothing
  bool require_bpffs = true;       ///< pin roots must be on bpffs (statfs)
  bool load_btf = true;            ///< load .BTF into the kernel for maps and programs
  /// false: create no pin at all and reuse none (pin_dir and the object's own pinning
  /// requests are ignored, every map is created fresh). Used by verify_object.
  bool pin = true;
  std::map<std::string, MapOverride> maps;
  std::optional<uint32_t> kern_version;  ///< overrides the object's `version` section
  /// Programs to load (by name); empty: all. Prog arrays still reference only these.
  std::vector<std::string> only_programs;
  /// Threads verifying programs at once; 0: the number of CPUs, at most 8.
  unsigned parallelism = 0;
  /// Ask the kernel, while loading, for each created map's and loaded program's id and
  /// sizes (one BPF_OBJ_GET_INFO_BY_FD each; libbpf makes none). false: the report's
  /// `id`, `xlated_size`, `jited_size` and `verified_insns` stay 0, and
  /// LoadedObject::map_id()/program_id() ask only when called.
  bool query_info = true;
  Kernel* kernel = nullptr;        ///< nullptr: system_kernel()
  /// BTF that CO-RE relocations and the targets of fentry/fexit/fmod_ret/lsm/tp_btf/iter
  /// programs resolve against: a raw BTF file or an ELF with .BTF (BTFHub-style), for
  /// kernels without /sys/kernel/btf. Empty: the running kernel's vmlinux and module BTF.
  std::string btf_path;
  /// That BTF already read (read_target_btf in kernel_btf.hpp), to share it between
  /// loads or to give a made-up one (tests); overrides btf_path.
  std::shared_ptr<const TargetBtf> target_btf;
  /// Where untyped `.ksyms` externs (`extern const void x __ksym;`) get their addresses:
  /// a file in /proc/kallsyms' format, read once per load and only when the object has
  /// such an extern. Tests give a file of their own.
  std::string kallsyms_path = "/proc/kallsyms";
};

/// What happened to one map.
struct MapResult {
  std::string name;
  uint32_t type = 0;
  uint32_t id = 0;           ///< kernel map id
  std::string pin_path;      ///< empty when not pinned
  bool reused = false;       ///< an existing pinned map was used
  bool is_data_section = false;
};

/// What happened to one program.
struct ProgramResult {
  size_t program = 0;         ///< index into ObjectSpec::programs: names need not be unique
  std::string name;
  std::string section;
  uint32_t type = 0;
  bool loaded = false;
  uint32_t id = 0;
  std::string pin_path;
  int sys_errno = 0;
  std::string error;          ///< empty when loaded
  std::string verifier_log;
  /// verifier_log is not the whole log: its end (Linux 6.4+) or its start (older kernels)
  /// within LoadOptions::log_limit, or the kernel's maximum buffer.
  bool log_truncated = false;
  uint32_t log_true_size = 0; ///< size the kernel reported for the whole log, 0 if unknown
  unsigned load_attempts = 0; ///< BPF_PROG_LOAD calls made for this program
  /// bpfload refused the program before the kernel saw it, because it needs something
  /// bpfload does not do (an unresolved extern); `error` says what. Never set with `loaded`.
  bool unsupported = false;
  /// The program's CO-RE relocations whose instruction was poisoned (no match in the
  /// target BTF), one line each; the verifier refuses the program there if it is reachable.
  std::vector<std::string> core_poisoned;
  /// Parallel to core_poisoned: the instruction of the program (as loaded) each poisoned.
  std::vector<uint32_t> core_poisoned_insns;
  VerifierStats stats;
  uint32_t insns = 0;         ///< instructions submitted (after linking)
  uint32_t xlated_size = 0;
  uint32_t jited_size = 0;
  uint32_t verified_insns = 0;  ///< from bpf_prog_info (5.16+)
};

/// The per-map and per-program account of a load, filled on success and on failure.
struct LoadReport {
  std::vector<MapResult> maps;
  std::vector<ProgramResult> programs;
  bool btf_loaded = false;
  std::string btf_error;  ///< why BTF was not loaded, when it was not
  /// How the object's BTF was rewritten for a kernel that lacks some BTF kinds, one line
  /// each ("3 FLOAT types rewritten as STRUCT for this kernel"; see btf_sanitize.hpp);
  /// empty when the kernel knows every kind (the BTF then goes as the object has it).
  std::vector<std::string> btf_rewrites;
  /// Where the target BTF was read from (CO-RE, attach targets); "" when none was needed.
  std::string target_btf;
  /// Every CO-RE relocation applied, one line each (CoreDecision::describe), in record order.
  std::vector<std::string> core_relocations;
  /// Things keep_going skipped that are not a program's own failure, e.g. a prog-array
  /// slot left empty because its program did not load.
  std::vector<std::string> warnings;
};

class MapHandle;  // map.hpp

/// A loaded object: owns every map and program fd. Move-only; closing fds does not
/// remove pins (pins are meant to outlive the process).
class LoadedObject {
 public:
  LoadedObject() = default;
  LoadedObject(LoadedObject&&) noexcept = default;
  LoadedObject& operator=(LoadedObject&&) noexcept = default;

  [[nodiscard]] const LoadReport& report() const noexcept { return report_; }
  /// Fd of the map (or global-data section) named `name`; -1 when absent.
  [[nodiscard]] int map_fd(std::string_view name) const;
  /// Fd of the loaded program named `name`; -1 when absent or not loaded.
  [[nodiscard]] int program_fd(std::string_view name) const;
  /// The map (or global-data section) named `name`, for size-checked lookups, updates,
  /// deletes and iteration (map.hpp; include it to use the handle), through `kernel`
  /// (nullptr: the Kernel the load used, which must still exist; system_kernel() when
  /// unknown). map_of(*this, name, kernel) with that default. Fails with NotFound naming the map and
  /// listing the object's maps, Kernel when its info cannot be read.
  [[nodiscard]] Result<MapHandle> map(std::string_view name, Kernel* kernel = nullptr) const;
  /// Kernel id of the map (or global-data section) named `name`, from the report or,
  /// when the load did not ask (LoadOptions::query_info false), asked now and kept.
  /// The Kernel the load used must still exist. Fails with NotFound (no such map) or
  /// Kernel (BPF_OBJ_GET_INFO_BY_FD failed).
  [[nodiscard]] Result<uint32_t> map_id(std::string_view name);
  /// As map_id(), for the loaded program named `name`.
  [[nodiscard]] Result<uint32_t> program_id(std::string_view name);

 private:
  friend class ObjectLoader;
  Kernel* kernel_ = nullptr;
  LoadReport report_;
  std::map<std::string, Fd, std::less<>> maps_;
  std::map<std::string, Fd, std::less<>> programs_;
};

/// Loads `spec`. All or nothing unless options.keep_going: on failure every fd this
/// call opened is closed and every pin and directory it created is removed, and the
/// error carries the failing program's verifier log. `report`, when given, is filled
/// either way. Fails with Kernel (errno kept, hints for EPERM/EINVAL/bpffs), NotFound
/// (override or reuse path names nothing), InvalidArgument (bad name, mismatched
/// pinned map: both specs in the message), Unsupported (foreign byte order).
[[nodiscard]] Result<LoadedObject> load_object(const ObjectSpec& spec, const LoadOptions& options,
                                               LoadReport* report = nullptr);

/// load_object() with the programs' layouts already computed (lay_out_programs(spec)),
/// so a caller that also reads the layouts (verify) lays each program out only once.
/// Fails as load_object() does, and with InvalidArgument when `layouts` does not have
/// one entry per program of `spec`.
[[nodiscard]] Result<LoadedObject> load_object(const ObjectSpec& spec, const ProgramLayouts& layouts,
                                               const LoadOptions& options, LoadReport* report = nullptr);

/// The iproute2 object id of an object: hex SHA-1 of its bytes, as tc computes it
/// (digest from libcrypto). Fails with Unsupported only if libcrypto offers no SHA-1.
[[nodiscard]] Result<std::string> object_id_for(std::span<const std::byte> object_bytes);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
