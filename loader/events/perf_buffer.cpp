// PerfBufferReader: one BPF-output perf event per CPU, stored in the PERF_EVENT_ARRAY at
// the CPU's index, its ring mapped and read with perf_consume.cpp when epoll says so.
#include "bpfload/perf_buffer.hpp"

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <numeric>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/map.hpp"
#include "perf_consume.hpp"

namespace bpfload {

struct PerfBufferReader::Ring {
  unsigned cpu = 0;
  Fd event;
  MappedMemory memory;  // the perf_event_mmap_page, then the data pages
  events::PerfRingView view;
};

namespace {

bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

}  // namespace

PerfBufferReader::PerfBufferReader() = default;
PerfBufferReader::PerfBufferReader(PerfBufferReader&&) noexcept = default;
PerfBufferReader& PerfBufferReader::operator=(PerfBufferReader&&) noexcept = default;
PerfBufferReader::~PerfBufferReader() = default;

Result<PerfBufferReader> PerfBufferReader::open(const LoadedObject& object, std::string_view map,
                                                PerfBufferOptions options, Kernel* kernel) {
  Result<MapHandle> handle = object.map(map, kernel);
  if (!handle.ok()) return std::move(handle).error().with_context("perf buffer");
  Kernel& through = handle->kernel();
  Result<Fd> own = through.duplicate(handle->fd());
  if (!own.ok()) return std::move(own).error().with_context(fmt::format("perf buffer '{}'", map));
  return open_fd(through, std::move(*own), std::string(map), std::move(options));
}

Result<PerfBufferReader> PerfBufferReader::open_pinned(const std::string& path, PerfBufferOptions options,
                                                       Kernel* kernel) {
  Kernel& through = kernel != nullptr ? *kernel : system_kernel();
  Result<Fd> pinned = through.obj_get(path);
  if (!pinned.ok()) return std::move(pinned).error().with_context(fmt::format("perf buffer '{}'", path));
  return open_fd(through, std::move(*pinned), path, std::move(options));
}

Result<PerfBufferReader> PerfBufferReader::open_fd(Kernel& kernel, Fd map_fd, std::string name,
                                                   PerfBufferOptions options) {
  const std::string context = fmt::format("perf buffer '{}'", name);
  if (!options.sample)
    return make_error(ErrorKind::InvalidArgument, context + ": no callback for its samples", EINVAL);
  if (!is_power_of_two(options.pages_per_cpu))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: {} pages per CPU, not a power of two", context, options.pages_per_cpu), EINVAL);
  Result<MapInfo> info = kernel.map_info(map_fd.get());
  if (!info.ok()) return std::move(info).error().with_context(context);
  if (info->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    std::string what = fmt::format("map '{}' is a {} map, not a perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY)",
                                   name, map_type_name(info->type));
    if (info->type == BPF_MAP_TYPE_RINGBUF) what += ": read a ring buffer with a ring buffer reader";
    return make_error(ErrorKind::InvalidArgument, std::move(what), EINVAL);
  }
  Result<unsigned> cpus = kernel.possible_cpus();
  if (!cpus.ok()) return std::move(cpus).error().with_context(context);
  Result<op::EpollCreate> epoll = kernel.run(op::EpollCreate{});
  if (!epoll.ok()) return std::move(epoll).error().with_context(context);
  PerfBufferReader reader;
  reader.kernel_ = &kernel;
  reader.name_ = std::move(name);
  reader.map_fd_ = std::move(map_fd);
  reader.epoll_ = std::move(epoll->fd);
  reader.options_ = std::move(options);
  const size_t page = kernel.page_size();
  const unsigned count = std::min<unsigned>(*cpus, info->max_entries);
  for (unsigned cpu = 0; cpu < count; ++cpu) {
    Status added = reader.add_cpu(cpu, page);
    if (added.ok()) continue;
    // An offline CPU has no event to open: its slot stays empty, as libbpf leaves it.
    if (added.error().sys_errno == ENODEV) continue;
    return std::move(added).error().with_context(fmt::format("{}: CPU {}", context, cpu));
  }
  if (reader.rings_.empty())
    return make_error(ErrorKind::InvalidArgument, context + ": no online CPU within the map's entries", EINVAL);
  return reader;
}

Status PerfBufferReader::add_cpu(unsigned cpu, size_t page) {
  auto ring = std::make_unique<Ring>();
  ring->cpu = cpu;
  PerfEventRequest request;
  request.type = PERF_TYPE_SOFTWARE;
  request.config = PERF_COUNT_SW_BPF_OUTPUT;
  request.sample_period = 1;
  request.sample_type = PERF_SAMPLE_RAW;
  request.pid = -1;
  request.cpu = static_cast<int>(cpu);
  Result<Fd> event = kernel_->perf_event_open(request);
  if (!event.ok()) return std::move(event).error();
  const size_t data_bytes = options_.pages_per_cpu * page;
  Result<op::MemoryMap> mapped = kernel_->run(op::MemoryMap{event->get(), page + data_bytes, 0, true, {}});
  if (!mapped.ok()) return std::move(mapped).error().with_context("map its ring");
  ring->memory = std::move(mapped->memory);
  std::byte* header = ring->memory.data();  // struct perf_event_mmap_page
  ring->view = events::PerfRingView{
      reinterpret_cast<const uint64_t*>(header + offsetof(perf_event_mmap_page, data_head)),
      reinterpret_cast<uint64_t*>(header + offsetof(perf_event_mmap_page, data_tail)),
      header + page,
      data_bytes,
  };
  const uint32_t key = cpu;
  const uint32_t value = static_cast<uint32_t>(event->get());
  BPFLOAD_TRY(kernel_->map_update(map_fd_.get(), std::as_bytes(std::span(&key, 1)),
                                  std::as_bytes(std::span(&value, 1)), BPF_ANY));
  Result<op::EpollAdd> watched = kernel_->run(op::EpollAdd{epoll_.get(), event->get(), rings_.size()});
  if (!watched.ok()) return std::move(watched).error();
  Result<op::PerfEventEnable> enabled = kernel_->run(op::PerfEventEnable{event->get()});
  if (!enabled.ok()) return std::move(enabled).error();
  ring->event = std::move(*event);
  rings_.push_back(std::move(ring));
  return {};
}

Result<size_t> PerfBufferReader::consume_rings(std::span<const uint64_t> which) {
  size_t total = 0;
  for (const uint64_t index : which) {
    if (index >= rings_.size()) continue;
    Ring& ring = *rings_[index];
    const unsigned cpu = ring.cpu;
    const events::SampleSink sink = [&](std::span<const std::byte> sample) { return options_.sample(cpu, sample); };
    Result<events::PerfConsumeOutcome> outcome = events::consume_perf_ring(ring.view, sink, scratch_, name_);
    if (!outcome.ok()) return std::move(outcome).error();
    total += outcome->samples;
    if (outcome->lost != 0) {
      lost_ += outcome->lost;
      if (options_.lost) options_.lost(cpu, outcome->lost);
    }
    if (outcome->stopped) break;
  }
  return total;
}

Result<size_t> PerfBufferReader::poll(int timeout_ms) {
  Result<op::EpollWait> woken = kernel_->run(op::EpollWait{epoll_.get(), timeout_ms, rings_.size(), {}});
  if (!woken.ok()) return std::move(woken).error().with_context(fmt::format("perf buffer '{}'", name_));
  return consume_rings(woken->ready);
}

Result<size_t> PerfBufferReader::consume() {
  std::vector<uint64_t> every(rings_.size());
  std::iota(every.begin(), every.end(), uint64_t{0});
  return consume_rings(every);
}

}  // namespace bpfload
