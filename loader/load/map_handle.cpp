// MapHandle: the size checks in front of the kernel's map operations. A buffer of the
// wrong size is refused here, before the kernel could read or write past its end.
#include <cerrno>
#include <string>

#include <fmt/format.h>

#include "bpfload/map.hpp"

namespace bpfload {

namespace {

bool absent(const Error& error) { return error.kind == ErrorKind::Kernel && error.sys_errno == ENOENT; }

}  // namespace

// The kernel layer's answer: one list of per-CPU map types.
bool is_per_cpu_map_type(uint32_t type) noexcept { return is_per_cpu_map(type); }

Status MapHandle::check_key_type(size_t key_size) const {
  if (key_size == info_.key_size) return {};
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("map '{}': the key is {} bytes but the map's keys are {} bytes", name_, key_size,
                                info_.key_size));
}

Status MapHandle::check_typed(size_t key_size, size_t value_size, bool per_cpu_access) const {
  BPFLOAD_TRY(check_key_type(key_size));
  if (value_size != info_.value_size)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': the value type is {} bytes but the map's values are {} bytes", name_,
                                  value_size, info_.value_size));
  if (per_cpu_access && !per_cpu())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}' is not per-CPU: use lookup/update, not the per-CPU forms", name_));
  if (!per_cpu_access && per_cpu())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}' is per-CPU ({} values per key): use lookup_per_cpu/update_per_cpu",
                                  name_, value_count()));
  return {};
}

Status MapHandle::check_value_count(size_t count) const {
  if (count == value_count()) return {};
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("map '{}': {} values given, the map holds one per possible CPU ({})", name_, count,
                                value_count()));
}

namespace {

std::string buffer_needs(const MapHandle& map) {
  if (!map.per_cpu()) return fmt::format("{} bytes", map.value_size());
  return fmt::format("{} bytes: the map is per-CPU, {} bytes for each of {} possible CPUs", map.value_buffer_size(),
                     map.value_stride(), map.value_count());
}

}  // namespace

Result<bool> MapHandle::lookup(std::span<const std::byte> key, std::span<std::byte> value) const {
  BPFLOAD_TRY(check_key_type(key.size()));
  if (value.size() < value_buffer_size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': a value buffer of {} bytes is too small, it needs {}", name_,
                                  value.size(), buffer_needs(*this)));
  Status looked_up = kernel_->map_lookup(fd_, key, value.first(value_buffer_size()));
  if (looked_up) return true;
  if (absent(looked_up.error())) return false;
  return std::move(looked_up).error().with_context(fmt::format("map '{}': lookup", name_));
}

Status MapHandle::update(std::span<const std::byte> key, std::span<const std::byte> value, uint64_t flags) const {
  BPFLOAD_TRY(check_key_type(key.size()));
  if (value.size() != value_buffer_size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': a value of {} bytes does not fit, it needs {}", name_, value.size(),
                                  buffer_needs(*this)));
  Status updated = kernel_->map_update(fd_, key, value, flags);
  if (updated) return {};
  return std::move(updated).error().with_context(fmt::format("map '{}': update", name_));
}

Result<bool> MapHandle::remove(std::span<const std::byte> key) const {
  BPFLOAD_TRY(check_key_type(key.size()));
  Status deleted = kernel_->map_delete(fd_, key);
  if (deleted) return true;
  if (absent(deleted.error())) return false;
  return std::move(deleted).error().with_context(fmt::format("map '{}': delete", name_));
}

Result<bool> MapHandle::next_key(std::span<const std::byte> key, std::span<std::byte> next) const {
  if (!key.empty()) BPFLOAD_TRY(check_key_type(key.size()));
  if (next.size() != info_.key_size)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("map '{}': a next-key buffer of {} bytes does not fit, keys are {} bytes", name_,
                                  next.size(), info_.key_size));
  Result<bool> found = kernel_->map_next_key(fd_, key, next);
  if (found) return *found;
  return std::move(found).error().with_context(fmt::format("map '{}': next key", name_));
}

Result<std::vector<std::vector<std::byte>>> MapHandle::keys() const {
  std::vector<std::vector<std::byte>> all;
  std::vector<std::byte> next(info_.key_size);
  std::vector<std::byte> previous;  // empty: start from the first key
  while (all.size() < info_.max_entries) {
    Result<bool> found = next_key(previous, next);
    if (!found) return std::move(found).error();
    if (!*found) break;
    all.push_back(next);
    previous = next;
  }
  return all;
}

}  // namespace bpfload
