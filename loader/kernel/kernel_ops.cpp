// Names and one-line descriptions of the ops, for call logs and fault scripts.
#include <array>
#include <string>

#include <fmt/format.h>

#include "bpfload/kernel_ops.hpp"

namespace bpfload {
namespace {

template <typename... Ops>
constexpr std::array<std::string_view, sizeof...(Ops)> names_of(std::variant<Ops...>*) {
  return {Ops::kName...};
}

constexpr auto kNames = names_of(static_cast<KernelOp*>(nullptr));

std::string_view direction_name(TcDirection direction) {
  return direction == TcDirection::Ingress ? "ingress" : "egress";
}

struct Describe {
  std::string operator()(const op::MapCreate& o) const { return o.request.name; }
  std::string operator()(const op::MapUpdate& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::MapLookup& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::MapDelete& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::MapNextKey& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::MapFreeze& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::MapWriteValue& o) const {
    return fmt::format("fd={} offset={} size={}", o.map_fd, o.offset, o.bytes.size());
  }
  std::string operator()(const op::MapGetInfo& o) const { return fmt::format("fd={}", o.map_fd); }
  std::string operator()(const op::ProgLoad& o) const { return o.request.name; }
  std::string operator()(const op::ProgGetInfo& o) const { return fmt::format("fd={}", o.prog_fd); }
  std::string operator()(const op::ProgTestRun& o) const { return fmt::format("fd={}", o.request.prog_fd); }
  std::string operator()(const op::BtfLoad& o) const { return fmt::format("{} bytes", o.btf.size()); }
  std::string operator()(const op::KernelBtf& o) const { return fmt::format("id={}", o.id); }
  std::string operator()(const op::ModuleBtf& o) const { return o.module; }
  std::string operator()(const op::ObjPin& o) const { return o.path; }
  std::string operator()(const op::ObjGet& o) const { return o.path; }
  std::string operator()(const op::Unpin& o) const { return o.path; }
  std::string operator()(const op::LinkCreate& o) const {
    return fmt::format("type={} target={} flags={}", o.request.attach_type, o.request.target_fd, o.request.flags);
  }
  std::string operator()(const op::LinkDetach& o) const { return fmt::format("fd={}", o.link_fd); }
  std::string operator()(const op::LinkGetInfo& o) const { return fmt::format("fd={}", o.link_fd); }
  std::string operator()(const op::LinkIds&) const { return {}; }
  std::string operator()(const op::LinkById& o) const { return fmt::format("id={}", o.id); }
  std::string operator()(const op::MapById& o) const { return fmt::format("id={}", o.id); }
  std::string operator()(const op::ProgAttach& o) const { return fmt::format("type={}", o.attach_type); }
  std::string operator()(const op::ProgDetach& o) const { return fmt::format("type={}", o.attach_type); }
  std::string operator()(const op::ProgQuery& o) const {
    return fmt::format("target={} type={}", o.target, o.attach_type);
  }
  std::string operator()(const op::RawTracepointOpen& o) const { return o.name; }
  std::string operator()(const op::DuplicateFd& o) const { return fmt::format("fd={}", o.fd); }
  std::string operator()(const op::InterfaceIndex& o) const { return o.name; }
  std::string operator()(const op::XdpAttach& o) const {
    return fmt::format("ifindex={} flags={}", o.ifindex, o.flags);
  }
  std::string operator()(const op::XdpDetach& o) const {
    return fmt::format("ifindex={} flags={}", o.ifindex, o.flags);
  }
  std::string operator()(const op::XdpQuery& o) const { return fmt::format("ifindex={}", o.ifindex); }
  std::string operator()(const op::ClsactCreate& o) const { return fmt::format("ifindex={}", o.ifindex); }
  std::string operator()(const op::ClsactDestroy& o) const { return fmt::format("ifindex={}", o.ifindex); }
  std::string operator()(const op::TcFilterAttach& o) const {
    return fmt::format("ifindex={} {}", o.ifindex, direction_name(o.direction));
  }
  std::string operator()(const op::TcFilterDetach& o) const {
    return fmt::format("ifindex={} {}", o.ifindex, direction_name(o.direction));
  }
  std::string operator()(const op::TcFiltersFlush& o) const {
    return fmt::format("ifindex={} {}", o.ifindex, direction_name(o.direction));
  }
  std::string operator()(const op::ProbeTcx&) const { return {}; }
  std::string operator()(const op::TracepointId& o) const { return o.category + ":" + o.name; }
  std::string operator()(const op::PmuType& o) const { return o.name; }
  std::string operator()(const op::PmuRetprobeBit& o) const { return o.name; }
  std::string operator()(const op::PerfEventOpen& o) const {
    return fmt::format("type={} config={}", o.request.type, o.request.config);
  }
  std::string operator()(const op::PerfEventSetBpf& o) const { return fmt::format("fd={}", o.perf_fd); }
  std::string operator()(const op::OpenCgroup& o) const { return o.path; }
  std::string operator()(const op::SocketAttachFilter& o) const { return fmt::format("socket={}", o.socket_fd); }
  std::string operator()(const op::SocketDetachFilter& o) const { return fmt::format("socket={}", o.socket_fd); }
  std::string operator()(const op::MakeDirectory& o) const { return o.path; }
  std::string operator()(const op::RemoveDirectory& o) const { return o.path; }
  std::string operator()(const op::PathKind& o) const { return o.path; }
  std::string operator()(const op::FilesystemMagic& o) const { return o.path; }
  std::string operator()(const op::ListDirectory& o) const { return o.path; }
  std::string operator()(const op::Rename& o) const {
    return fmt::format("{} {} {}", o.from, o.exchange ? "<->" : "->", o.to);
  }
  std::string operator()(const op::ReadFile& o) const { return o.path; }
  std::string operator()(const op::KernelRelease&) const { return {}; }
  std::string operator()(const op::PossibleCpus&) const { return {}; }
  std::string operator()(const op::ProcessId&) const { return {}; }
  std::string operator()(const op::RaiseMemlockLimit&) const { return {}; }
  std::string operator()(const op::PageSize&) const { return {}; }
  std::string operator()(const op::InterfaceName& o) const { return fmt::format("ifindex={}", o.ifindex); }
  std::string operator()(const op::LockDirectory& o) const { return fmt::format("{} wait={}ms", o.path, o.wait_ms); }
  std::string operator()(const op::LinkUpdate& o) const {
    return fmt::format("fd={} prog={} expected={}", o.link_fd, o.new_prog_fd, o.expected_prog_fd);
  }
  std::string operator()(const op::PerfEventEnable& o) const { return fmt::format("fd={}", o.perf_fd); }
  std::string operator()(const op::MemoryMap& o) const {
    return fmt::format("fd={} offset={} length={}{}", o.fd, o.offset, o.length, o.writable ? " writable" : "");
  }
  std::string operator()(const op::EpollCreate&) const { return {}; }
  std::string operator()(const op::EpollAdd& o) const { return fmt::format("epoll={} fd={}", o.epoll_fd, o.fd); }
  std::string operator()(const op::EpollWait& o) const {
    return fmt::format("epoll={} timeout={}ms", o.epoll_fd, o.timeout_ms);
  }
};

}  // namespace

std::string_view op_name(OpKind kind) noexcept { return kind < kNames.size() ? kNames[kind] : std::string_view{}; }

OpKind op_kind_named(std::string_view name) noexcept {
  for (OpKind kind = 0; kind < kNames.size(); ++kind)
    if (kNames[kind] == name) return kind;
  return kOpKindCount;
}

std::string describe(const KernelOp& op) {
  std::string argument = std::visit(Describe{}, op);
  const std::string_view name = op_name(op);
  return argument.empty() ? std::string(name) : fmt::format("{} {}", name, argument);
}

}  // namespace bpfload
