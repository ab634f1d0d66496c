// Reading the records BPF programs write into BPF_MAP_TYPE_RINGBUF maps
// (bpf_ringbuf_output, bpf_ringbuf_reserve/submit): libbpf's ring_buffer__*, cilium/ebpf's
// ringbuf.Reader. One reader waits on any number of ring buffers with one epoll instance;
// each record is handed to its ring's callback in place, without a copy.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
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

/// Called with one record, in the ring's memory: the span is valid only during the call
/// (copy what must outlive it). Returning false stops the poll or consume in progress
/// after this record, which counts as read; the next call resumes with the record after.
using RingBufferCallback = std::function<bool(std::span<const std::byte> record)>;

/// Reads one or more BPF ring buffers. Records of one ring come in the order the
/// programs committed them (reserve order), on every CPU; a record still being written
/// stops its ring's pass until it is committed, and discarded records are skipped. The
/// reader maps each ring (the consumer page writable, the producer page and the data
/// read-only, the data twice so a record wrapping around the end is one span) through
/// the Kernel it was made with, and owns a duplicate of each map's fd, so it may outlive
/// the object it was bound to. Move-only; not for use from two threads at once.
class RingBufferReader {
 public:
  /// A reader with no ring yet: its epoll instance, made through `kernel`, which must
  /// outlive the reader. Fails with Kernel (epoll_create1).
  [[nodiscard]] static Result<RingBufferReader> create(Kernel& kernel = system_kernel());

  RingBufferReader(RingBufferReader&&) noexcept;
  RingBufferReader& operator=(RingBufferReader&&) noexcept;
  ~RingBufferReader();

  /// Adds the ring buffer map `map` of a loaded object, whose records go to `callback`.
  /// Fails with NotFound (no such map; the message lists the object's maps),
  /// InvalidArgument naming the map when it is not a BPF_MAP_TYPE_RINGBUF (its type is
  /// said) or `callback` is empty, Kernel when it cannot be duplicated, mapped or watched.
  /// On failure the reader is as it was.
  [[nodiscard]] Status add(const LoadedObject& object, std::string_view map, RingBufferCallback callback);
  /// As add(), for the ring buffer pinned at `path` (bpffs). Fails as add() does, and with
  /// Kernel (ENOENT: nothing pinned there) or InvalidArgument (the pin is not a map).
  [[nodiscard]] Status add_pinned(const std::string& path, RingBufferCallback callback);
  /// As add(), for the map behind `map_fd` (duplicated; the caller keeps its fd), named
  /// `name` in errors. Fails as add() does.
  [[nodiscard]] Status add_fd(int map_fd, std::string_view name, RingBufferCallback callback);

  /// Waits up to `timeout_ms` (-1: until one is ready; 0: not at all) for any ring to
  /// have records, then reads every record ready in the rings that woke it. Returns how
  /// many records went to callbacks: 0 when the time ran out or a signal interrupted the
  /// wait. Fails with InvalidArgument when no ring was added, Kernel when epoll_wait
  /// fails, Malformed when a ring's memory holds an impossible record length.
  [[nodiscard]] Result<size_t> poll(int timeout_ms);
  /// Reads every record ready in every ring now, without waiting. Returns their number.
  /// Fails as poll() does (but for the wait).
  [[nodiscard]] Result<size_t> consume();

  /// The epoll fd that is readable when a ring has records, for an agent's own event
  /// loop (then call consume()). Owned by the reader.
  [[nodiscard]] int epoll_fd() const noexcept { return epoll_.get(); }
  /// Number of rings added.
  [[nodiscard]] size_t ring_count() const noexcept { return rings_.size(); }

 private:
  struct Ring;
  RingBufferReader(Kernel& kernel, Fd epoll);
  Status add_ring(Fd map_fd, std::string name, RingBufferCallback callback);
  Result<size_t> consume_rings(std::span<const uint64_t> which);

  Kernel* kernel_ = nullptr;
  Fd epoll_;
  std::vector<std::unique_ptr<Ring>> rings_;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
