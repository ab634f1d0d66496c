// The fake world's shared memory and readiness. epoll is the process's own (it needs no
// privilege and touches nothing outside it), so a reader can be built and polled against
// the fake; the fake's objects have no memory to map, so mapping is refused, and a
// reader's checks before it maps (the map's type, its name) are what the fake can test.
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "fake_world.hpp"
#include "kernel_errors.hpp"

namespace bpfload {

using World = FakeKernel::World;

Status World::run(op::PerfEventEnable& op) {
  const ObjectPtr event = object_of(op.perf_fd);
  if (!event || event->kind != Object::Kind::PerfEvent)
    return make_error(ErrorKind::Kernel, fmt::format("ioctl(PERF_EVENT_IOC_ENABLE): {}", errno_text(EBADF)), EBADF);
  return {};
}

Status World::run(op::MemoryMap& op) {
  return make_error(ErrorKind::Unsupported,
                    fmt::format("mmap of fd {}: the fake kernel's objects have no memory to map (ring and perf "
                                "buffers are read on a real kernel)",
                                op.fd),
                    ENODEV);
}

Status World::run(op::EpollCreate& op) {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::Kernel, fmt::format("epoll_create1: {}", errno_text(errno)), errno);
  op.fd = Fd(fd);
  return {};
}

Status World::run(op::EpollAdd& op) {
  epoll_event event {};
  event.events = EPOLLIN;
  event.data.u64 = op.token;
  if (::epoll_ctl(op.epoll_fd, EPOLL_CTL_ADD, op.fd, &event) != 0)
    return make_error(ErrorKind::Kernel, fmt::format("epoll_ctl(ADD) of fd {}: {}", op.fd, errno_text(errno)), errno);
  return {};
}

Status World::run(op::EpollWait& op) {
  std::vector<epoll_event> events(std::clamp<size_t>(op.max_events, 1, 1024));
  op.ready.clear();
  const int count = ::epoll_wait(op.epoll_fd, events.data(), static_cast<int>(events.size()), op.timeout_ms);
  if (count < 0) {
    if (errno == EINTR) return {};
    return make_error(ErrorKind::Kernel, fmt::format("epoll_wait: {}", errno_text(errno)), errno);
  }
  for (int i = 0; i < count; ++i) op.ready.push_back(events[static_cast<size_t>(i)].data.u64);
  return {};
}

}  // namespace bpfload
