// The owned attachment: one detach per mechanism, pinning for links.
#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

struct Detacher {
  Kernel& kernel;

  Status operator()(LinkHandle& handle) const {
    // BPF_LINK_DETACH ends the attachment even while someone else holds the link; links
    // without a detach operation (raw tracepoints, perf events) end when the fd closes.
    Status status = kernel.link_detach(handle.link.get());
    if (!status && (status.error().sys_errno == EOPNOTSUPP || status.error().sys_errno == EINVAL)) {
      status = {};
    }
    handle.link.reset();
    return status;
  }
  Status operator()(XdpNetlinkHandle& handle) const {
    Status status = kernel.xdp_detach(handle.ifindex, handle.prog.get(), handle.flags);
    handle.prog.reset();
    return status;
  }
  Status operator()(TcFilterHandle& handle) const {
    Status status = kernel.tc_filter_detach(handle.ifindex, handle.direction, handle.filter);
    if (handle.created_qdisc) {
      Status qdisc = kernel.clsact_destroy(handle.ifindex);
      if (status && !qdisc) status = std::move(qdisc);
    }
    return status;
  }
  Status operator()(PerfEventHandle& handle) const {
    handle.event.reset();
    return {};
  }
  Status operator()(ProgAttachHandle& handle) const {
    Status status = kernel.prog_detach(handle.prog.get(), handle.target.get(), handle.attach_type);
    handle.prog.reset();
    handle.target.reset();
    return status;
  }
  Status operator()(SocketFilterHandle& handle) const {
    Status status = kernel.socket_detach_filter(handle.socket.get());
    handle.socket.reset();
    return status;
  }
};

}  // namespace

Attachment::Attachment(Kernel& kernel, AttachHandle handle, std::string program, std::string target)
    : kernel_(&kernel), handle_(std::move(handle)), program_(std::move(program)), target_(std::move(target)) {}

Attachment::~Attachment() { release(); }

Attachment::Attachment(Attachment&& other) noexcept
    : kernel_(std::exchange(other.kernel_, nullptr)),
      handle_(std::move(other.handle_)),
      program_(std::move(other.program_)),
      target_(std::move(other.target_)),
      pin_path_(std::move(other.pin_path_)),
      kept_(other.kept_) {}

Attachment& Attachment::operator=(Attachment&& other) noexcept {
  if (this != &other) {
    release();
    kernel_ = std::exchange(other.kernel_, nullptr);
    handle_ = std::move(other.handle_);
    program_ = std::move(other.program_);
    target_ = std::move(other.target_);
    pin_path_ = std::move(other.pin_path_);
    kept_ = other.kept_;
  }
  return *this;
}

void Attachment::release() noexcept {
  if (kernel_ == nullptr) return;
  // A pinned link stays attached through its pin: closing our fd is all that is left.
  if (kept_ || !pin_path_.empty()) {
    kernel_ = nullptr;
    handle_ = AttachHandle{};
    return;
  }
  (void)detach();
}

Status Attachment::detach() {
  if (kernel_ == nullptr) return {};
  Kernel& kernel = *std::exchange(kernel_, nullptr);
  Status status = std::visit(Detacher{kernel}, handle_);
  if (!pin_path_.empty()) {
    Status unpinned = kernel.unpin(pin_path_);
    if (status && !unpinned) status = std::move(unpinned);
    pin_path_.clear();
  }
  handle_ = AttachHandle{};
  if (!status) return status.error().with_context(fmt::format("detach '{}' from {}", program_, target_));
  return {};
}

Status Attachment::pin(const std::string& path) {
  if (kernel_ == nullptr) {
    return make_error(ErrorKind::InvalidArgument, fmt::format("pin '{}': not attached", program_));
  }
  if (!is_link()) {
    return make_error(ErrorKind::Unsupported,
                      fmt::format("pin '{}' at '{}': a {} attachment on {} is not a BPF link and cannot "
                                  "be pinned; it stays attached by itself when kept",
                                  program_, path, mechanism(), target_));
  }
  if (!pin_path_.empty()) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("pin '{}': already pinned at '{}'", program_, pin_path_));
  }
  Status status = kernel_->obj_pin(link_fd(), path);
  if (!status) return status.error().with_context(fmt::format("pin the link of '{}'", program_));
  pin_path_ = path;
  return {};
}

Status Attachment::unpin() {
  if (kernel_ == nullptr || pin_path_.empty()) return {};
  Status status = kernel_->unpin(pin_path_);
  if (!status) return status;
  pin_path_.clear();
  return {};
}

int Attachment::link_fd() const noexcept {
  const auto* link = std::get_if<LinkHandle>(&handle_);
  return link == nullptr ? -1 : link->link.get();
}

std::string_view Attachment::mechanism() const noexcept {
  switch (handle_.index()) {
    case 0: return "link";
    case 1: return "netlink";
    case 2: return "tc-filter";
    case 3: return "perf-event";
    case 4: return "prog-attach";
    case 5: return "socket-filter";
  }
  return "unknown";
}

}  // namespace bpfload
