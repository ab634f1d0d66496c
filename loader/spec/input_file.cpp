// Reading an untrusted input file with a bound known before anything is allocated.
#include "bpfload/parse.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include <fmt/format.h>

namespace bpfload {
namespace {

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

struct FdCloser {
  int fd;
  ~FdCloser() { if (fd >= 0) ::close(fd); }
};

}  // namespace

Result<std::vector<std::byte>> read_input_file(const std::string& path, size_t max_bytes,
                                               std::string_view magic) try {
  // O_NONBLOCK: opening a FIFO without a writer must not wait for one; O_NOCTTY: a
  // terminal named as input must not become the controlling one.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::Io, fmt::format("open '{}': {}", path, std::strerror(errno)), errno);
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(ErrorKind::Io, fmt::format("stat '{}': {}", path, std::strerror(errno)), errno);
  // Devices and pipes have no size to check beforehand (/dev/zero never ends): refuse them.
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("'{}' is {}, not a regular file; copy it to a file first", path,
                                  file_kind(st.st_mode)));
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes)
    return make_error(ErrorKind::LimitExceeded,
                      fmt::format("'{}': {} bytes is larger than the limit of {} bytes", path,
                                  static_cast<int64_t>(st.st_size), max_bytes));
  // A large file that is not what is expected is refused before it is read whole.
  if (!magic.empty()) {
    std::string head(magic.size(), '\0');
    ssize_t n = 0;
    do n = ::pread(fd, head.data(), head.size(), 0); while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(head.size()) || head != magic)
      return make_error(ErrorKind::Malformed, fmt::format("'{}': does not start with the expected magic bytes "
                                                          "(not an ELF file?)", path));
  }
  std::vector<std::byte> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  // The file may change while it is read: never read past the size checked above.
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ErrorKind::Io, fmt::format("read '{}': {}", path, std::strerror(errno)), errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  return bytes;
} catch (const std::bad_alloc&) {
  return out_of_memory_error("reading an input file");
}

}  // namespace bpfload
