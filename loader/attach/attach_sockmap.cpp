// sk_skb and sk_msg programs on a sockmap or sockhash: a sockmap link (6.10+), else
// BPF_PROG_ATTACH with the map as the target.
#include <cerrno>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

bool is_sockmap_attach_type(uint32_t attach_type) {
  switch (attach_type) {
    case BPF_SK_MSG_VERDICT:
    case BPF_SK_SKB_STREAM_PARSER:
    case BPF_SK_SKB_STREAM_VERDICT:
    case BPF_SK_SKB_VERDICT:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<Attachment> attach_sockmap(Kernel& kernel, int prog_fd, const std::string& program, int map_fd,
                                  const std::string& map_name, uint32_t attach_type) {
  const std::string target = fmt::format("sockmap {} (attach type {})", map_name, attach_type);
  const std::string context = fmt::format("attach program '{}' to sockmap '{}'", program, map_name);
  if (!is_sockmap_attach_type(attach_type)) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{}: attach type {} is not one of sk_msg, sk_skb/stream_parser, "
                                  "sk_skb/stream_verdict, sk_skb/verdict",
                                  context, attach_type));
  }
  if (map_fd < 0) {
    return make_error(ErrorKind::NotFound, fmt::format("{}: the object has no such map", context));
  }
  LinkCreateRequest request;
  request.prog_fd = prog_fd;
  request.target_fd = map_fd;
  request.attach_type = attach_type;
  auto link = kernel.link_create(request);
  if (link) return Attachment(kernel, LinkHandle{std::move(*link)}, program, target);
  const int err = link.error().sys_errno;
  // Kernels before sockmap links refuse the attach type with EINVAL.
  if (err != EINVAL && err != EOPNOTSUPP) return link.error().with_context(context);
  auto map = kernel.duplicate(map_fd);
  if (!map) return map.error().with_context(context);
  auto prog = kernel.duplicate(prog_fd);
  if (!prog) return prog.error().with_context(context);
  Status status = kernel.prog_attach(prog_fd, map->get(), attach_type, 0);
  if (!status) {
    // EOPNOTSUPP: the map has no socket programs (not a sockmap/sockhash); EINVAL: the
    // program's type does not fit the attach type.
    const int err = status.error().sys_errno;
    if (err == EINVAL || err == EOPNOTSUPP) {
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("{}: the kernel refused it ({}): the map must be a sockmap or "
                                    "sockhash and the program an sk_msg/sk_skb program of attach type {}",
                                    context, err == EINVAL ? "EINVAL" : "EOPNOTSUPP", attach_type),
                        err);
    }
    return status.error().with_context(context);
  }
  return Attachment(kernel, ProgAttachHandle{std::move(*map), std::move(*prog), attach_type}, program, target);
}

}  // namespace bpfload
