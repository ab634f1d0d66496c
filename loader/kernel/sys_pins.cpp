// Pins on the real kernel. Maps, programs and links are all pinned here, so every pin
// gets the same protection: the parent directory is opened one component at a time
// without following symlinks inside bpffs (pin_path.cpp), and the pin is made relative to
// that directory, so a symlink planted in the pin tree cannot move it.
#include <unistd.h>

#include <cerrno>
#include <string>

#include <bpf/bpf.h>
#include <fmt/format.h>

#include "kernel_errors.hpp"
#include "pin_path.hpp"
#include "system_kernel.hpp"

namespace bpfload::sys {

Status run(op::ObjPin& op) {
  const std::string& path = op.path;
  const size_t slash = path.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  Result<Fd> dir = open_pin_directory(parent);
  if (!dir.ok() && dir.error().kind != ErrorKind::Kernel)
    return dir.error().with_context(fmt::format("pin at '{}'", path));
  // The magic /proc link names exactly the directory that was opened, on any kernel.
  const std::string target =
      dir.ok() ? fmt::format("/proc/self/fd/{}/{}", dir->get(), base) : path;  // missing parent: let the kernel say
  if (bpf_obj_pin(op.fd, target.c_str()) == 0) return {};
  const int err = errno;
  return kernel_error(KernelCommand::ObjPin, fmt::format("of fd {} at '{}'", op.fd, path), err, path,
                      &system_kernel());
}

Status run(op::ObjGet& op) {
  const int fd = bpf_obj_get(op.path.c_str());
  if (fd >= 0) {
    op.fd = Fd(fd);
    return {};
  }
  const int err = errno;
  return kernel_error(KernelCommand::ObjGet, fmt::format("of '{}'", op.path), err, op.path, &system_kernel());
}

Status run(op::Unpin& op) {
  if (::unlink(op.path.c_str()) == 0) return {};
  return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", op.path), errno);
}

}  // namespace bpfload::sys
