// struct_ops maps made live: a `.struct_ops.link` map (BPF_F_LINK) whose value the load
// filled is registered by BPF_LINK_CREATE on the map; closing (or detaching) the link
// unregisters it, and the link can be pinned like any other.
#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "bpfload/uapi.hpp"

namespace bpfload {

Result<Attachment> attach_struct_ops(Kernel& kernel, int map_fd, const std::string& map,
                                     const std::string& type_name) {
  LinkCreateRequest request;
  request.prog_fd = map_fd;  // attr.link_create.map_fd shares the field
  request.target_fd = 0;
  request.attach_type = uapi::kAttachStructOps;
  auto link = kernel.link_create(request);
  if (!link)
    return link.error().with_context(
        fmt::format("register struct_ops map '{}' ({}) with BPF_LINK_CREATE", map, type_name));
  return Attachment(kernel, LinkHandle{std::move(*link)}, map, fmt::format("struct_ops {}", type_name));
}

}  // namespace bpfload
