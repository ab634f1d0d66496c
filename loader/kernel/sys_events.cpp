// Shared mappings and epoll on the real system: what the ring and perf buffer readers
// are made of.
#include <sys/epoll.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include <fmt/format.h>

#include "system_kernel.hpp"

namespace bpfload::sys {

Status run(op::MemoryMap& op) {
  if (op.length == 0) return make_error(ErrorKind::InvalidArgument, "mmap of 0 bytes", EINVAL);
  const int protection = PROT_READ | (op.writable ? PROT_WRITE : 0);
  void* address = ::mmap(nullptr, op.length, protection, MAP_SHARED, op.fd, static_cast<off_t>(op.offset));
  if (address == MAP_FAILED)
    return os_error("mmap", fmt::format("of fd {} ({} bytes at offset {}{})", op.fd, op.length, op.offset,
                                        op.writable ? ", writable" : ", read-only"),
                    errno);
  op.memory = MappedMemory(address, op.length);
  return {};
}

Status run(op::EpollCreate& op) {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return os_error("epoll_create1", "", errno);
  op.fd = Fd(fd);
  return {};
}

Status run(op::EpollAdd& op) {
  epoll_event event {};
  event.events = EPOLLIN;
  event.data.u64 = op.token;
  if (::epoll_ctl(op.epoll_fd, EPOLL_CTL_ADD, op.fd, &event) != 0)
    return os_error("epoll_ctl(ADD)", fmt::format("of fd {}", op.fd), errno);
  return {};
}

Status run(op::EpollWait& op) {
  const size_t wanted = std::clamp<size_t>(op.max_events, 1, 1024);
  std::vector<epoll_event> events(wanted);
  op.ready.clear();
  const int count = ::epoll_wait(op.epoll_fd, events.data(), static_cast<int>(wanted), op.timeout_ms);
  if (count < 0) {
    if (errno == EINTR) return {};
    return os_error("epoll_wait", "", errno);
  }
  for (int i = 0; i < count; ++i) op.ready.push_back(events[static_cast<size_t>(i)].data.u64);
  return {};
}

}  // namespace bpfload::sys
