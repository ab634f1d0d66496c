// UserRingBufferWriter: maps a BPF_MAP_TYPE_USER_RINGBUF as the kernel allows user space
// to (it refuses a writable consumer page) and runs the producer protocol
// (user_ring_produce.cpp) over it.
#include "bpfload/user_ring_buffer.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/map.hpp"
#include "user_ring_produce.hpp"

namespace bpfload {

struct UserRingBufferWriter::Ring {
  std::string name;
  Fd map_fd;
  MappedMemory consumer;  // one page, the consumer position first; read-only
  MappedMemory producer;  // one page with the producer position, then the data twice
  events::UserRingView view;
};

namespace {

bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

Status check_user_ring_type(const MapInfo& info, std::string_view name) {
  if (info.type == BPF_MAP_TYPE_USER_RINGBUF) return {};
  std::string what = fmt::format("map '{}' is a {} map, not a user ring buffer (BPF_MAP_TYPE_USER_RINGBUF)", name,
                                 map_type_name(info.type));
  if (info.type == BPF_MAP_TYPE_RINGBUF)
    what += ": a ring buffer carries records from programs to user space; it is read, not written";
  return make_error(ErrorKind::InvalidArgument, std::move(what), EINVAL);
}

}  // namespace

UserRingBufferWriter::UserRingBufferWriter(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {}
UserRingBufferWriter::UserRingBufferWriter(UserRingBufferWriter&&) noexcept = default;
UserRingBufferWriter& UserRingBufferWriter::operator=(UserRingBufferWriter&&) noexcept = default;
UserRingBufferWriter::~UserRingBufferWriter() = default;

Result<UserRingBufferWriter> UserRingBufferWriter::open(const LoadedObject& object, std::string_view map,
                                                        Kernel* kernel) {
  Result<MapHandle> handle = object.map(map, kernel);
  if (!handle.ok()) return std::move(handle).error().with_context("user ring buffer");
  return open_fd(handle->fd(), map, &handle->kernel());
}

Result<UserRingBufferWriter> UserRingBufferWriter::open_pinned(const std::string& path, Kernel* kernel) {
  Kernel& through = kernel != nullptr ? *kernel : system_kernel();
  Result<Fd> pinned = through.obj_get(path);
  if (!pinned.ok()) return std::move(pinned).error().with_context(fmt::format("user ring buffer '{}'", path));
  return open_fd(pinned->get(), path, &through);
}

Result<UserRingBufferWriter> UserRingBufferWriter::open_fd(int map_fd, std::string_view name, Kernel* kernel) {
  Kernel& through = kernel != nullptr ? *kernel : system_kernel();
  const std::string context = fmt::format("user ring buffer '{}'", name);
  Result<Fd> own = through.duplicate(map_fd);
  if (!own.ok()) return std::move(own).error().with_context(context);
  Result<MapInfo> info = through.map_info(own->get());
  if (!info.ok()) return std::move(info).error().with_context(context);
  BPFLOAD_TRY(check_user_ring_type(*info, name));
  const uint64_t page = through.page_size();
  const uint64_t size = info->max_entries;
  if (!is_power_of_two(size) || size % page != 0)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} holds {} bytes, not a power of two pages of {} bytes", context, size, page),
                      EINVAL);
  // The kernel refuses a writable mapping of the consumer page (EPERM): only it moves
  // the consumer position.
  Result<op::MemoryMap> consumer = through.run(op::MemoryMap{own->get(), page, 0, false, {}});
  if (!consumer.ok()) return std::move(consumer).error().with_context(context + ": map its consumer page");
  Result<op::MemoryMap> producer = through.run(op::MemoryMap{own->get(), page + 2 * size, page, true, {}});
  if (!producer.ok()) return std::move(producer).error().with_context(context + ": map its producer page and data");
  auto ring = std::make_unique<Ring>();
  ring->name = std::string(name);
  ring->map_fd = std::move(*own);
  ring->consumer = std::move(consumer->memory);
  ring->producer = std::move(producer->memory);
  ring->view = events::UserRingView{
      reinterpret_cast<const uint64_t*>(ring->consumer.data()),
      reinterpret_cast<uint64_t*>(ring->producer.data()),
      ring->producer.data() + page,
      size,
  };
  return UserRingBufferWriter(std::move(ring));
}

Result<std::span<std::byte>> UserRingBufferWriter::reserve(size_t size) {
  Result<std::byte*> record = events::reserve_user_record(ring_->view, size, ring_->name);
  if (!record.ok()) return std::move(record).error();
  return std::span<std::byte>(*record, size);
}

Status UserRingBufferWriter::submit(void* record) {
  return events::commit_user_record(ring_->view, record, false, ring_->name);
}

Status UserRingBufferWriter::discard(void* record) {
  return events::commit_user_record(ring_->view, record, true, ring_->name);
}

Status UserRingBufferWriter::write(std::span<const std::byte> bytes) {
  Result<std::span<std::byte>> record = reserve(bytes.size());
  if (!record.ok()) return std::move(record).error();
  std::memcpy(record->data(), bytes.data(), bytes.size());
  return submit(record->data());
}

size_t UserRingBufferWriter::max_record_size() const noexcept {
  return static_cast<size_t>(events::max_user_record_size(ring_->view.size));
}

size_t UserRingBufferWriter::free_bytes() const noexcept {
  return static_cast<size_t>(events::user_ring_free_bytes(ring_->view));
}

const std::string& UserRingBufferWriter::name() const noexcept { return ring_->name; }

}  // namespace bpfload
