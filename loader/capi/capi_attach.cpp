// Attaching through the C API: each bpfload_link wraps one Attachment and lives in its
// object's list, so closing the object undoes whatever the caller did not pin or keep.
#include <cerrno>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "capi_object.hpp"

using bpfload::Attachment;
using bpfload::ErrorKind;
using bpfload::Result;
using bpfload::Status;
using bpfload::make_error;
using bpfload::capi::call_guarded;
using bpfload::capi::call_on_object;
using bpfload::capi::null_argument;
using bpfload::capi::program_fd_named;

namespace {

bpfload::Kernel& attach_kernel_of(const bpfload_object& object) {
  return object.kernel != nullptr ? *object.kernel : bpfload::system_kernel();
}

const bpfload::ProgramSpec* program_spec(const bpfload_object& object, const std::string& name) {
  for (const bpfload::ProgramSpec& program : object.spec.programs)
    if (program.name == name) return &program;
  return nullptr;
}

// Hands `attachment` to the object and the caller. The list node is made before the
// attachment moves, so an allocation failure leaves it to be undone by its destructor.
Status adopt(bpfload_object& object, Result<Attachment> attachment, bpfload_link** link) {
  if (!attachment) return std::move(attachment).error();
  auto owned = std::make_unique<bpfload_link>();
  owned->owner = &object;
  object.links.push_back(nullptr);
  owned->attachment = std::move(*attachment);
  object.links.back() = std::move(owned);
  *link = object.links.back().get();
  return {};
}

Result<bpfload::AttachTargets> targets_of(const bpfload_attach_opts* opts) {
  bpfload::AttachTargets targets;
  if (opts == nullptr) return targets;
  BPFLOAD_TRY(bpfload::capi::check_opts_size("bpfload_program_attach", opts, opts->sz, sizeof(bpfload_attach_opts),
                                             sizeof(bpfload_attach_opts)));
  if (opts->device != nullptr) targets.device = opts->device;
  if (opts->cgroup != nullptr) targets.cgroup = opts->cgroup;
  switch (opts->xdp_mode) {
    case BPFLOAD_XDP_AUTO: targets.xdp.mode = bpfload::XdpMode::Auto; break;
    case BPFLOAD_XDP_NATIVE: targets.xdp.mode = bpfload::XdpMode::Native; break;
    case BPFLOAD_XDP_GENERIC: targets.xdp.mode = bpfload::XdpMode::Generic; break;
    case BPFLOAD_XDP_OFFLOAD: targets.xdp.mode = bpfload::XdpMode::Offload; break;
    default:
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_program_attach: xdp_mode {} is not a bpfload_xdp_mode",
                                    static_cast<int>(opts->xdp_mode)));
  }
  switch (opts->tc_direction) {
    case BPFLOAD_TC_FROM_SECTION: break;
    case BPFLOAD_TC_INGRESS: targets.tc_direction = bpfload::TcDirection::Ingress; break;
    case BPFLOAD_TC_EGRESS: targets.tc_direction = bpfload::TcDirection::Egress; break;
    default:
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_program_attach: tc_direction {} is not a bpfload_tc_direction",
                                    static_cast<int>(opts->tc_direction)));
  }
  targets.xdp.netlink = opts->netlink != 0;
  targets.xdp.replace = opts->replace != 0;
  targets.tc.netlink = opts->netlink != 0;
  targets.tc.replace = opts->replace != 0;
  targets.tc.priority = opts->tc_priority;
  targets.tc.handle = opts->tc_handle;
  return targets;
}

// The checks every attach function starts with: a link out-pointer and a loaded program.
Result<int> attachable(bpfload_object& object, const char* function, const char* program, bpfload_link** link) {
  if (link == nullptr) return null_argument(function, "link");
  *link = nullptr;
  return program_fd_named(object, function, program);
}

}  // namespace

extern "C" {

bpfload_status bpfload_map_attach_struct_ops(bpfload_object* object, const char* map, bpfload_link** link) {
  return call_on_object(object, "bpfload_map_attach_struct_ops", [&]() -> Status {
    if (link == nullptr) return null_argument("bpfload_map_attach_struct_ops", "link");
    *link = nullptr;
    if (map == nullptr) return null_argument("bpfload_map_attach_struct_ops", "map");
    const auto index = object->spec.find_map(map);
    if (!index) {
      for (const bpfload::DataSectionSpec& data : object->spec.data_sections)
        if (data.name == map)
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format("map '{}' is global data, not a SEC(\".struct_ops.link\") struct_ops map", map));
      return make_error(ErrorKind::NotFound, fmt::format("no map named '{}'", map));
    }
    const bpfload::MapSpec& spec = object->spec.maps[*index];
    if (!spec.struct_ops || !spec.struct_ops->link)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("map '{}' is not a SEC(\".struct_ops.link\") struct_ops map", map));
    auto loaded = bpfload::capi::loaded_object(*object, "bpfload_map_attach_struct_ops");
    if (!loaded) return std::move(loaded).error();
    const int fd = (*loaded)->map_fd(map);
    if (fd < 0) return make_error(ErrorKind::InvalidArgument, fmt::format("map '{}' was not created", map));
    return adopt(*object, bpfload::attach_struct_ops(attach_kernel_of(*object), fd, spec.name, spec.struct_ops->type_name),
                 link);
  });
}

bpfload_status bpfload_program_attach(bpfload_object* object, const char* program, const bpfload_attach_opts* opts,
                                      bpfload_link** link) {
  return call_on_object(object, "bpfload_program_attach", [&]() -> Status {
    auto fd = attachable(*object, "bpfload_program_attach", program, link);
    if (!fd) return std::move(fd).error();
    auto targets = targets_of(opts);
    if (!targets) return std::move(targets).error();
    return adopt(*object, bpfload::attach(object->spec, *object->loaded, program, *targets, &attach_kernel_of(*object)),
                 link);
  });
}

bpfload_status bpfload_program_attach_uprobe(bpfload_object* object, const char* program, const char* binary,
                                             const char* symbol, uint64_t offset, int retprobe, int pid,
                                             bpfload_link** link) {
  return call_on_object(object, "bpfload_program_attach_uprobe", [&]() -> Status {
    auto fd = attachable(*object, "bpfload_program_attach_uprobe", program, link);
    if (!fd) return std::move(fd).error();
    if (binary == nullptr) return null_argument("bpfload_program_attach_uprobe", "binary");
    if (symbol != nullptr) {
      auto found = bpfload::uprobe_offset(attach_kernel_of(*object), binary, symbol);
      if (!found) return std::move(found).error();
      offset = *found;
    }
    return adopt(*object,
                 bpfload::attach_uprobe(attach_kernel_of(*object), *fd, program, binary, offset, retprobe != 0,
                                        pid < 0 ? -1 : pid),
                 link);
  });
}

bpfload_status bpfload_program_attach_sockmap(bpfload_object* object, const char* program, const char* map,
                                              bpfload_link** link) {
  return call_on_object(object, "bpfload_program_attach_sockmap", [&]() -> Status {
    auto fd = attachable(*object, "bpfload_program_attach_sockmap", program, link);
    if (!fd) return std::move(fd).error();
    if (map == nullptr) return null_argument("bpfload_program_attach_sockmap", "map");
    auto handle = bpfload::map_of(*object->loaded, map, object->kernel);  // NotFound lists the maps
    if (!handle) return std::move(handle).error();
    const bpfload::ProgramSpec* spec = program_spec(*object, program);
    if (spec == nullptr) return make_error(ErrorKind::NotFound, fmt::format("no program named '{}'", program));
    return adopt(*object,
                 bpfload::attach_sockmap(attach_kernel_of(*object), *fd, program, handle->fd(), map,
                                         spec->expected_attach_type),
                 link);
  });
}

bpfload_status bpfload_program_attach_socket_filter(bpfload_object* object, const char* program, int socket_fd,
                                                    bpfload_link** link) {
  return call_on_object(object, "bpfload_program_attach_socket_filter", [&]() -> Status {
    auto fd = attachable(*object, "bpfload_program_attach_socket_filter", program, link);
    if (!fd) return std::move(fd).error();
    return adopt(*object, bpfload::attach_socket_filter(attach_kernel_of(*object), *fd, program, socket_fd), link);
  });
}

bpfload_status bpfload_program_attach_perf_event(bpfload_object* object, const char* program, int perf_fd,
                                                 bpfload_link** link) {
  return call_on_object(object, "bpfload_program_attach_perf_event", [&]() -> Status {
    auto fd = attachable(*object, "bpfload_program_attach_perf_event", program, link);
    if (!fd) return std::move(fd).error();
    if (perf_fd < 0) {
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("bpfload_program_attach_perf_event: perf_fd {} is not an fd", perf_fd));
    }
    bpfload::Kernel& kernel = attach_kernel_of(*object);
    auto event = kernel.duplicate(perf_fd);
    if (!event) return std::move(event).error();
    return adopt(*object,
                 bpfload::attach_perf_event(kernel, *fd, program, std::move(*event),
                                            fmt::format("perf event fd {}", perf_fd)),
                 link);
  });
}

bpfload_status bpfload_link_detach(bpfload_link* link) {
  if (link == nullptr) {
    return call_guarded(bpfload::capi::thread_error_slot(),
                        []() -> Status { return null_argument("bpfload_link_detach", "link"); });
  }
  bpfload_object* object = link->owner;
  return call_guarded(object->error, [&]() -> Status {
    Status status = link->attachment.detach();
    object->links.remove_if([&](const std::unique_ptr<bpfload_link>& owned) { return owned.get() == link; });
    return status;
  });
}

bpfload_status bpfload_link_pin(bpfload_link* link, const char* path) {
  if (link == nullptr) {
    return call_guarded(bpfload::capi::thread_error_slot(),
                        []() -> Status { return null_argument("bpfload_link_pin", "link"); });
  }
  return call_guarded(link->owner->error, [&]() -> Status {
    if (path == nullptr) return null_argument("bpfload_link_pin", "path");
    return link->attachment.pin(path);
  });
}

void bpfload_link_keep(bpfload_link* link) {
  if (link != nullptr) link->attachment.keep();
}

int bpfload_link_fd(const bpfload_link* link) { return link == nullptr ? -1 : link->attachment.link_fd(); }

const char* bpfload_link_target(const bpfload_link* link) {
  return link == nullptr ? "" : link->attachment.target().c_str();
}

const char* bpfload_link_mechanism(const bpfload_link* link) {
  // mechanism() views a string literal, so its data is NUL-terminated.
  return link == nullptr ? "" : link->attachment.mechanism().data();
}

}  // extern "C"
