// A map of a loaded object, by name: size-checked lookup, update, delete and iteration,
// with typed helpers for trivially copyable keys and values.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <linux/bpf.h>

#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Keys and values the typed map helpers copy as bytes.
template <typename T>
concept MapPlainData = std::is_trivially_copyable_v<T>;

/// True for map types whose lookup returns one value per possible CPU.
[[nodiscard]] bool is_per_cpu_map_type(uint32_t type) noexcept;

/// Number of possible CPUs, the number of values a per-CPU map holds for each key, as
/// `kernel` says (nullptr: system_kernel(), which reads /sys/devices/system/cpu/possible
/// once). Fails with Io when it cannot be read.
[[nodiscard]] Result<unsigned> possible_cpu_count(Kernel* kernel = nullptr);

class MapHandle;

/// The map (or global-data section) named `name` of `object`, for lookups and updates
/// through `kernel` (nullptr: system_kernel(); pass the LoadOptions::kernel the object
/// was loaded with). Fails with NotFound naming the map and listing the object's maps,
/// and with Kernel when its info cannot be read.
[[nodiscard]] Result<MapHandle> map_of(const LoadedObject& object, std::string_view name, Kernel* kernel = nullptr);

/// The most repetitions test_run asks of the kernel in one call.
inline constexpr uint32_t kMaxTestRunRepeat = 1'000'000;

/// Runs the loaded program `program` of `object` `repeat` times on `data` with
/// BPF_PROG_TEST_RUN (packet programs: XDP, tc, socket filters). Fails with NotFound
/// when no such program was loaded, InvalidArgument when `repeat` is more than
/// kMaxTestRunRepeat, Kernel when the kernel refuses the run.
[[nodiscard]] Result<TestRunOutcome> test_run(const LoadedObject& object, std::string_view program,
                                              std::span<const std::byte> data, uint32_t repeat = 1,
                                              Kernel* kernel = nullptr);

/// One map of a LoadedObject (map_of). Borrows the object's fd: valid while
/// the object lives. Cheap to copy. Every operation checks the sizes it is given against
/// the map's, so a wrong buffer is an InvalidArgument error, never an overrun.
/// Thread-safe as the kernel's map operations are: any thread, at the same time.
class MapHandle {
 public:
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// The Kernel the handle's operations go through.
  [[nodiscard]] Kernel& kernel() const noexcept { return *kernel_; }
  [[nodiscard]] uint32_t type() const noexcept { return info_.type; }
  [[nodiscard]] uint32_t key_size() const noexcept { return info_.key_size; }
  /// Size of one value (of one CPU's value for a per-CPU map).
  [[nodiscard]] uint32_t value_size() const noexcept { return info_.value_size; }
  [[nodiscard]] uint32_t max_entries() const noexcept { return info_.max_entries; }
  [[nodiscard]] uint32_t id() const noexcept { return info_.id; }
  [[nodiscard]] bool per_cpu() const noexcept { return is_per_cpu_map_type(info_.type); }
  /// Values per key: the possible CPUs for a per-CPU map, else 1.
  [[nodiscard]] unsigned value_count() const noexcept { return per_cpu() ? cpus_ : 1; }
  /// Distance in bytes between two CPUs' values in a per-CPU buffer (value size rounded
  /// up to 8, as the kernel lays them out); value_size() for other maps.
  [[nodiscard]] size_t value_stride() const noexcept {
    return per_cpu() ? (size_t{info_.value_size} + 7) / 8 * 8 : info_.value_size;
  }
  /// Bytes a value buffer for lookup and update must have: value_stride() * value_count().
  [[nodiscard]] size_t value_buffer_size() const noexcept { return value_stride() * value_count(); }

  /// Copies the value of `key` into `value`. Returns false when the key is absent.
  /// Fails with InvalidArgument when key is not key_size() bytes or value is smaller
  /// than value_buffer_size(), and with Kernel for other refusals (errno kept).
  [[nodiscard]] Result<bool> lookup(std::span<const std::byte> key, std::span<std::byte> value) const;
  /// Sets `key` to `value` (value_buffer_size() bytes exactly). `flags` is BPF_ANY,
  /// BPF_NOEXIST or BPF_EXIST. Fails with InvalidArgument on a size mismatch, Kernel
  /// when the kernel refuses (full map, BPF_NOEXIST on a present key: EEXIST).
  [[nodiscard]] Status update(std::span<const std::byte> key, std::span<const std::byte> value,
                              uint64_t flags = BPF_ANY) const;
  /// Deletes `key`. Returns false when it was absent. Fails with InvalidArgument on a
  /// size mismatch, Kernel otherwise (arrays refuse deletes: EINVAL).
  [[nodiscard]] Result<bool> remove(std::span<const std::byte> key) const;
  /// Writes the key after `key` (the first key when `key` is empty) into `next_key`.
  /// Returns false after the last key. Fails with InvalidArgument on a size mismatch.
  [[nodiscard]] Result<bool> next_key(std::span<const std::byte> key, std::span<std::byte> next_key) const;
  /// Every key, in the kernel's order; at most max_entries() of them, so a map changed
  /// while it is walked cannot loop forever. Fails as next_key.
  [[nodiscard]] Result<std::vector<std::vector<std::byte>>> keys() const;

  /// Typed lookup of a map that is not per-CPU; nullopt when the key is absent. Fails
  /// with InvalidArgument when sizeof(K) or sizeof(V) differ from the map's sizes or the
  /// map is per-CPU (use lookup_per_cpu).
  template <MapPlainData K, MapPlainData V>
  [[nodiscard]] Result<std::optional<V>> lookup(const K& key) const {
    BPFLOAD_TRY(check_typed(sizeof(K), sizeof(V), false));
    V value{};
    Result<bool> found = lookup(as_key(key), std::as_writable_bytes(std::span(&value, 1)));
    if (!found) return std::move(found).error();
    if (!*found) return std::optional<V>();
    return std::optional<V>(value);
  }

  /// Typed lookup of a per-CPU map: one V per possible CPU, in CPU order; nullopt when
  /// the key is absent. Fails with InvalidArgument on a size mismatch or a map that is
  /// not per-CPU.
  template <MapPlainData K, MapPlainData V>
  [[nodiscard]] Result<std::optional<std::vector<V>>> lookup_per_cpu(const K& key) const {
    BPFLOAD_TRY(check_typed(sizeof(K), sizeof(V), true));
    std::vector<std::byte> buffer(value_buffer_size());
    Result<bool> found = lookup(as_key(key), std::span<std::byte>(buffer));
    if (!found) return std::move(found).error();
    if (!*found) return std::optional<std::vector<V>>();
    std::vector<V> values(value_count());
    for (size_t cpu = 0; cpu < values.size(); ++cpu)
      std::memcpy(&values[cpu], buffer.data() + cpu * value_stride(), sizeof(V));
    return std::optional<std::vector<V>>(std::move(values));
  }

  /// Typed update of a map that is not per-CPU. Fails as lookup<K, V> and as update.
  template <MapPlainData K, MapPlainData V>
  [[nodiscard]] Status update(const K& key, const V& value, uint64_t flags = BPF_ANY) const {
    BPFLOAD_TRY(check_typed(sizeof(K), sizeof(V), false));
    return update(as_key(key), std::as_bytes(std::span(&value, 1)), flags);
  }

  /// Typed update of a per-CPU map: `values` holds one V per possible CPU. Fails with
  /// InvalidArgument on a size or count mismatch, as update otherwise.
  template <MapPlainData K, MapPlainData V>
  [[nodiscard]] Status update_per_cpu(const K& key, std::span<const V> values, uint64_t flags = BPF_ANY) const {
    BPFLOAD_TRY(check_typed(sizeof(K), sizeof(V), true));
    BPFLOAD_TRY(check_value_count(values.size()));
    std::vector<std::byte> buffer(value_buffer_size());
    for (size_t cpu = 0; cpu < values.size(); ++cpu)
      std::memcpy(buffer.data() + cpu * value_stride(), &values[cpu], sizeof(V));
    return update(as_key(key), std::span<const std::byte>(buffer), flags);
  }

  /// Typed delete; false when the key was absent. Fails with InvalidArgument when
  /// sizeof(K) differs from the key size, as remove otherwise.
  template <MapPlainData K>
  [[nodiscard]] Result<bool> remove(const K& key) const {
    BPFLOAD_TRY(check_key_type(sizeof(K)));
    return remove(as_key(key));
  }

  /// Every key as a K (see keys()). Fails with InvalidArgument when sizeof(K) differs.
  template <MapPlainData K>
  [[nodiscard]] Result<std::vector<K>> keys() const {
    BPFLOAD_TRY(check_key_type(sizeof(K)));
    Result<std::vector<std::vector<std::byte>>> raw = keys();
    if (!raw) return std::move(raw).error();
    std::vector<K> typed(raw->size());
    for (size_t i = 0; i < typed.size(); ++i) std::memcpy(&typed[i], (*raw)[i].data(), sizeof(K));
    return typed;
  }

 private:
  friend Result<MapHandle> map_of(const LoadedObject&, std::string_view, Kernel*);
  friend class StandaloneMap;
  MapHandle(Kernel& kernel, int fd, std::string name, MapInfo info, unsigned cpus)
      : kernel_(&kernel), fd_(fd), name_(std::move(name)), info_(std::move(info)), cpus_(cpus) {}

  template <typename K>
  static std::span<const std::byte> as_key(const K& key) {
    return std::as_bytes(std::span(&key, 1));
  }
  [[nodiscard]] Status check_key_type(size_t key_size) const;
  [[nodiscard]] Status check_typed(size_t key_size, size_t value_size, bool per_cpu) const;
  [[nodiscard]] Status check_value_count(size_t count) const;

  Kernel* kernel_ = nullptr;
  int fd_ = -1;
  std::string name_;
  MapInfo info_;
  unsigned cpus_ = 1;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
