// A group of attachments made together, undone together, pinned together.
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

AttachSet::~AttachSet() {
  // Reverse order; each Attachment's destructor leaves pinned and kept ones in place.
  while (!attachments_.empty()) attachments_.pop_back();
}

Status AttachSet::detach_all() {
  Status first;
  while (!attachments_.empty()) {
    Status status = attachments_.back().detach();
    if (first && !status) first = std::move(status);
    attachments_.pop_back();
  }
  return first;
}

Status AttachSet::pin_all(Kernel& kernel, const std::string& dir) {
  const std::string links_dir = dir + "/links";
  auto made = kernel.ensure_directory(links_dir);
  if (!made) return made.error().with_context("create the link pin directory");
  const bool made_dir = *made;
  std::vector<Attachment*> pinned;
  for (Attachment& attachment : attachments_) {
    if (!attachment.is_link()) continue;
    Status status = attachment.pin(fmt::format("{}/{}", links_dir, attachment.program()));
    if (!status) {
      for (Attachment* done : pinned) (void)done->unpin();
      if (made_dir) (void)kernel.remove_directory(links_dir);
      return status;
    }
    pinned.push_back(&attachment);
  }
  // Netlink and ioctl attachments cannot be pinned; they stay by themselves once kept.
  for (Attachment& attachment : attachments_) {
    if (!attachment.is_link()) attachment.keep();
  }
  return {};
}

}  // namespace bpfload
