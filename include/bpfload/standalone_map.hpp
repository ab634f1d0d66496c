// Maps on their own, without an object: created from a definition, opened from a pin
// (or by kernel id), pinned. What an agent's user space does with libbpf's
// bpf_map_create + bpf_obj_pin, with the size checks an object's maps get.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <string>

#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/map.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The definition of a map created on its own, as a BTF map definition of an object
/// gives it (no BTF types: the map's keys and values are bytes).
struct MapCreateOptions {
  uint32_t type = 0;         ///< enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  /// 0 for a perf event array: one per possible CPU, as for an object's. A ring buffer's
  /// is rounded up to a power-of-two number of pages.
  uint32_t max_entries = 0;
  uint32_t flags = 0;        ///< BPF_F_* map flags
  std::string name;          ///< the kernel keeps 15 characters (cut as an object's map names are)
  Kernel* kernel = nullptr;  ///< nullptr: system_kernel()
};

/// A map that belongs to no object. Owns its fd: the map lives until this is destroyed
/// and nothing else (a pin, a program) holds it. Move-only.
class StandaloneMap {
 public:
  /// The map's fd, owned by this.
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  /// What the kernel says the map is (type, sizes, id, name), read when it was opened.
  [[nodiscard]] const MapInfo& info() const noexcept { return info_; }
  /// Lookups, updates, deletes and iteration, size-checked; the handle borrows this
  /// map's fd, so it is valid while this lives.
  [[nodiscard]] MapHandle handle() const;
  /// Pins the map at `path` on bpffs, so it outlives the process. Fails with Kernel
  /// (EEXIST: a pin is there already; EPERM outside bpffs; ENOENT: no such directory).
  [[nodiscard]] Status pin(const std::string& path) const;
  /// Gives up ownership: the caller closes the returned fd.
  [[nodiscard]] Fd release() && noexcept { return std::move(fd_); }

  /// Takes over `fd`, a map's fd obtained elsewhere (by id, over a socket), reading its
  /// info through `kernel`. `where` names it in errors. Fails with InvalidArgument when
  /// the fd is not a map's, Kernel when its info cannot be read.
  [[nodiscard]] static Result<StandaloneMap> adopt(Kernel& kernel, Fd fd, const std::string& where);

 private:
  StandaloneMap(Kernel& kernel, Fd fd, MapInfo info, unsigned cpus)
      : kernel_(&kernel), fd_(std::move(fd)), info_(std::move(info)), cpus_(cpus) {}

  Kernel* kernel_ = nullptr;
  Fd fd_;
  MapInfo info_;
  unsigned cpus_ = 1;
};

/// Creates a map as `options` defines it, after the checks an object's maps pass (a key
/// of 4 bytes for arrays, no key or value for ring buffers, whole 8-byte frames for a
/// stack trace, ...). Fails with InvalidArgument naming the size at fault (and for a
/// map-in-map or struct_ops map, which need an inner template or a kernel struct: load
/// them from an object), Kernel when the kernel refuses it (errno kept).
[[nodiscard]] Result<StandaloneMap> create_map(const MapCreateOptions& options);

/// Opens the map pinned at `path` (`kernel` nullptr: system_kernel()). Fails with
/// Kernel (ENOENT: nothing pinned there; EACCES), InvalidArgument when the pin is not a
/// map (a program or link) .
[[nodiscard]] Result<StandaloneMap> open_pinned_map(const std::string& path, Kernel* kernel = nullptr);

/// Opens the map with kernel id `id` (bpftool's `map show id N`; `kernel` nullptr:
/// system_kernel()). Fails with Kernel (ENOENT: no map has that id; EPERM without
/// CAP_SYS_ADMIN).
[[nodiscard]] Result<StandaloneMap> open_map_by_id(uint32_t id, Kernel* kernel = nullptr);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
