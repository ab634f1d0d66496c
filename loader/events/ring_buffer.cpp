// RingBufferReader: maps each ring as the kernel lays it out for user space and runs the
// consumer protocol (ring_consume.cpp) over it when epoll says it has records.
#include "bpfload/ring_buffer.hpp"

#include <linux/bpf.h>

#include <numeric>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/map.hpp"
#include "ring_consume.hpp"

namespace bpfload {

struct RingBufferReader::Ring {
  std::string name;
  Fd map_fd;
  MappedMemory consumer;  // one page, the consumer position first
  MappedMemory producer;  // one page with the producer position, then the data twice
  events::RingView view;
  RingBufferCallback callback;
};

namespace {

bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

Status check_ring_buffer_type(const MapInfo& info, std::string_view name) {
  if (info.type == BPF_MAP_TYPE_RINGBUF) return {};
  std::string what = fmt::format("map '{}' is a {} map, not a ring buffer (BPF_MAP_TYPE_RINGBUF)", name,
                                 map_type_name(info.type));
  if (info.type == BPF_MAP_TYPE_USER_RINGBUF)
    what += ": a user ring buffer carries records from user space to programs; it is written, not read";
  if (info.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) what += ": read a perf event array with a perf buffer reader";
  return make_error(ErrorKind::InvalidArgument, std::move(what), EINVAL);
}

}  // namespace

RingBufferReader::RingBufferReader(Kernel& kernel, Fd epoll) : kernel_(&kernel), epoll_(std::move(epoll)) {}
RingBufferReader::RingBufferReader(RingBufferReader&&) noexcept = default;
RingBufferReader& RingBufferReader::operator=(RingBufferReader&&) noexcept = default;
RingBufferReader::~RingBufferReader() = default;

Result<RingBufferReader> RingBufferReader::create(Kernel& kernel) {
  Result<op::EpollCreate> made = kernel.run(op::EpollCreate{});
  if (!made.ok()) return std::move(made).error().with_context("ring buffer reader");
  return RingBufferReader(kernel, std::move(made->fd));
}

Status RingBufferReader::add(const LoadedObject& object, std::string_view map, RingBufferCallback callback) {
  Result<MapHandle> handle = object.map(map, kernel_);
  if (!handle.ok()) return std::move(handle).error().with_context("ring buffer");
  return add_fd(handle->fd(), map, std::move(callback));
}

Status RingBufferReader::add_pinned(const std::string& path, RingBufferCallback callback) {
  Result<Fd> pinned = kernel_->obj_get(path);
  if (!pinned.ok()) return std::move(pinned).error().with_context(fmt::format("ring buffer '{}'", path));
  return add_fd(pinned->get(), path, std::move(callback));
}

Status RingBufferReader::add_fd(int map_fd, std::string_view name, RingBufferCallback callback) {
  if (!callback)
    return make_error(ErrorKind::InvalidArgument, fmt::format("ring buffer '{}': no callback for its records", name),
                      EINVAL);
  Result<Fd> own = kernel_->duplicate(map_fd);
  if (!own.ok()) return std::move(own).error().with_context(fmt::format("ring buffer '{}'", name));
  return add_ring(std::move(*own), std::string(name), std::move(callback));
}

Status RingBufferReader::add_ring(Fd map_fd, std::string name, RingBufferCallback callback) {
  Result<MapInfo> info = kernel_->map_info(map_fd.get());
  if (!info.ok()) return std::move(info).error().with_context(fmt::format("ring buffer '{}'", name));
  BPFLOAD_TRY(check_ring_buffer_type(*info, name));
  const uint64_t page = kernel_->page_size();
  const uint64_t size = info->max_entries;
  if (!is_power_of_two(size) || size % page != 0)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("ring buffer '{}' holds {} bytes, not a power of two pages of {} bytes", name,
                                  size, page),
                      EINVAL);
  auto ring = std::make_unique<Ring>();
  ring->name = std::move(name);
  const std::string context = fmt::format("ring buffer '{}'", ring->name);
  Result<op::MemoryMap> consumer = kernel_->run(op::MemoryMap{map_fd.get(), page, 0, true, {}});
  if (!consumer.ok()) return std::move(consumer).error().with_context(context + ": map its consumer page");
  Result<op::MemoryMap> producer = kernel_->run(op::MemoryMap{map_fd.get(), page + 2 * size, page, false, {}});
  if (!producer.ok()) return std::move(producer).error().with_context(context + ": map its data");
  ring->consumer = std::move(consumer->memory);
  ring->producer = std::move(producer->memory);
  ring->view = events::RingView{
      reinterpret_cast<uint64_t*>(ring->consumer.data()),
      reinterpret_cast<const uint64_t*>(ring->producer.data()),
      ring->producer.data() + page,
      size,
  };
  Result<op::EpollAdd> added = kernel_->run(op::EpollAdd{epoll_.get(), map_fd.get(), rings_.size()});
  if (!added.ok()) return std::move(added).error().with_context(context + ": watch it");
  ring->map_fd = std::move(map_fd);
  ring->callback = std::move(callback);
  rings_.push_back(std::move(ring));
  return {};
}

Result<size_t> RingBufferReader::consume_rings(std::span<const uint64_t> which) {
  size_t total = 0;
  for (const uint64_t index : which) {
    if (index >= rings_.size()) continue;
    Ring& ring = *rings_[index];
    Result<events::ConsumeOutcome> outcome = events::consume_ring(ring.view, ring.callback, ring.name);
    if (!outcome.ok()) return std::move(outcome).error();
    total += outcome->records;
    if (outcome->stopped) break;
  }
  return total;
}

Result<size_t> RingBufferReader::poll(int timeout_ms) {
  if (rings_.empty())
    return make_error(ErrorKind::InvalidArgument, "ring buffer reader: no ring buffer to wait for (add one first)",
                      EINVAL);
  Result<op::EpollWait> woken = kernel_->run(op::EpollWait{epoll_.get(), timeout_ms, rings_.size(), {}});
  if (!woken.ok()) return std::move(woken).error().with_context("ring buffer reader");
  return consume_rings(woken->ready);
}

Result<size_t> RingBufferReader::consume() {
  if (rings_.empty())
    return make_error(ErrorKind::InvalidArgument, "ring buffer reader: no ring buffer to read (add one first)",
                      EINVAL);
  std::vector<uint64_t> every(rings_.size());
  std::iota(every.begin(), every.end(), uint64_t{0});
  return consume_rings(every);
}

}  // namespace bpfload
