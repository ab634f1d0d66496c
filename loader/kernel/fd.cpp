#include "bpfload/fd.hpp"

#include <unistd.h>

namespace bpfload {

void Fd::reset() noexcept {
  if (fd_ < 0) return;
  // close() may report EINTR/EIO, but the descriptor is released either way on
  // Linux; retrying could close an fd another thread has just been given.
  ::close(std::exchange(fd_, -1));
}

}  // namespace bpfload
