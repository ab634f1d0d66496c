// Reading what BPF programs send with bpf_perf_event_output into a
// BPF_MAP_TYPE_PERF_EVENT_ARRAY: libbpf's perf_buffer__*, cilium/ebpf's perf.Reader. For
// the tools and kernels that have no ring buffer. One perf ring per CPU, each mapped and
// watched with one epoll instance; samples the kernel could not fit are counted and
// reported, never waited for.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

class LoadedObject;  // loader.hpp

/// Called with one sample and the CPU it was written on. The bytes are what the program
/// passed, padded by the kernel to keep records 8-byte aligned (so possibly up to 7 bytes
/// longer); valid only during the call. Returning false stops the poll or consume in
/// progress after this sample.
using PerfSampleCallback = std::function<bool(unsigned cpu, std::span<const std::byte> sample)>;

/// Called when the kernel reports that `lost` samples of CPU `cpu` did not fit in its ring.
using PerfLostCallback = std::function<void(unsigned cpu, uint64_t lost)>;

/// How a perf buffer is set up.
struct PerfBufferOptions {
  /// Data pages of each CPU's ring: a power of two (libbpf's tools use 8 to 64).
  size_t pages_per_cpu = 8;
  PerfSampleCallback sample;
  PerfLostCallback lost;  ///< may be empty: the counts still add up in lost_samples()
};

/// Reads a PERF_EVENT_ARRAY: for each possible CPU (up to the map's max_entries) one
/// PERF_COUNT_SW_BPF_OUTPUT event, its ring mapped, its fd stored in the map at the CPU's
/// index so bpf_perf_event_output(BPF_F_CURRENT_CPU) reaches it. Offline CPUs are skipped.
/// Samples of one CPU come in the order they were written; a sample wrapping around the
/// end of its ring is copied so it is one span. Everything goes through the Kernel it was
/// made with. The events stay in the map until the reader is destroyed (then they end and
/// writes to them fail). Move-only; not for use from two threads at once.
class PerfBufferReader {
 public:
  /// A reader of the PERF_EVENT_ARRAY `map` of a loaded object through `kernel`
  /// (nullptr: system_kernel()). Fails with NotFound (no such map), InvalidArgument naming
  /// the map when it is not a PERF_EVENT_ARRAY or options are bad (no sample callback,
  /// pages not a power of two), Kernel (perf_event_open, mmap, map update, epoll).
  [[nodiscard]] static Result<PerfBufferReader> open(const LoadedObject& object, std::string_view map,
                                                     PerfBufferOptions options, Kernel* kernel = nullptr);
  /// As open(), for the map pinned at `path`. Fails as open() does, and with Kernel
  /// (ENOENT: nothing pinned there).
  [[nodiscard]] static Result<PerfBufferReader> open_pinned(const std::string& path, PerfBufferOptions options,
                                                            Kernel* kernel = nullptr);

  PerfBufferReader(PerfBufferReader&&) noexcept;
  PerfBufferReader& operator=(PerfBufferReader&&) noexcept;
  ~PerfBufferReader();

  /// Waits up to `timeout_ms` (-1: until a CPU's ring has records; 0: not at all), then
  /// reads what is ready in the rings that woke it. Returns the number of samples handed
  /// to the callback (lost ones go to the lost callback). Fails with Kernel (epoll_wait),
  /// Malformed (a ring holds an impossible record size).
  [[nodiscard]] Result<size_t> poll(int timeout_ms);
  /// Reads what is ready in every CPU's ring now, without waiting. Fails as poll().
  [[nodiscard]] Result<size_t> consume();

  /// Samples the kernel reported lost since the reader was made, over all CPUs.
  [[nodiscard]] uint64_t lost_samples() const noexcept { return lost_; }
  /// The epoll fd that is readable when a ring has records (owned by the reader).
  [[nodiscard]] int epoll_fd() const noexcept { return epoll_.get(); }
  /// Number of CPUs with a ring.
  [[nodiscard]] size_t ring_count() const noexcept { return rings_.size(); }

 private:
  struct Ring;
  PerfBufferReader();
  static Result<PerfBufferReader> open_fd(Kernel& kernel, Fd map_fd, std::string name, PerfBufferOptions options);
  Status add_cpu(unsigned cpu, size_t page);
  Result<size_t> consume_rings(std::span<const uint64_t> which);

  Kernel* kernel_ = nullptr;
  std::string name_;
  Fd map_fd_;
  Fd epoll_;
  PerfBufferOptions options_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::vector<std::byte> scratch_;
  uint64_t lost_ = 0;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
