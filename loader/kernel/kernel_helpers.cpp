// The typed helpers of Kernel: each builds one op, passes it to call() and unpacks the
// reply. None reaches the operating system any other way.
#include <cerrno>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"

namespace bpfload {

Kernel::~Kernel() = default;

namespace {

template <typename T, typename Op, typename Field>
Result<T> reply(Result<Op> done, Field Op::*field) {
  if (!done.ok()) return std::move(done).error();
  return std::move((*done).*field);
}

}  // namespace

Result<Fd> Kernel::map_create(const MapCreateRequest& request) {
  return reply<Fd>(run(op::MapCreate{request, {}}), &op::MapCreate::fd);
}

Status Kernel::map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                          uint64_t flags) {
  KernelOp any(std::in_place_type<op::MapUpdate>, op::MapUpdate{map_fd, key, value, flags});
  return call(any);
}

Status Kernel::map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value) {
  KernelOp any(std::in_place_type<op::MapLookup>, op::MapLookup{map_fd, key, value});
  return call(any);
}

Status Kernel::map_delete(int map_fd, std::span<const std::byte> key) {
  KernelOp any(std::in_place_type<op::MapDelete>, op::MapDelete{map_fd, key});
  return call(any);
}

Result<bool> Kernel::map_next_key(int map_fd, std::span<const std::byte> key, std::span<std::byte> next_key) {
  return reply<bool>(run(op::MapNextKey{map_fd, key, next_key, false}), &op::MapNextKey::found);
}

Status Kernel::map_freeze(int map_fd) {
  KernelOp any(std::in_place_type<op::MapFreeze>, op::MapFreeze{map_fd});
  return call(any);
}

Status Kernel::map_write_value_bytes(int map_fd, uint32_t value_size, uint64_t offset,
                                     std::span<const std::byte> bytes) {
  KernelOp any(std::in_place_type<op::MapWriteValue>, op::MapWriteValue{map_fd, value_size, offset, bytes});
  return call(any);
}

Result<MapInfo> Kernel::map_info(int map_fd) {
  return reply<MapInfo>(run(op::MapGetInfo{map_fd, {}}), &op::MapGetInfo::info);
}

ProgLoadOutcome Kernel::prog_load(const ProgLoadRequest& request) {
  KernelOp any(std::in_place_type<op::ProgLoad>, op::ProgLoad{request, {}, 0});
  Status done = call(any);
  auto& load = std::get<op::ProgLoad>(any);
  ProgLoadOutcome outcome;
  outcome.log_true_size = load.log_true_size;
  if (!done.ok()) {
    outcome.sys_errno = done.error().sys_errno != 0 ? done.error().sys_errno : EINVAL;
    return outcome;
  }
  outcome.fd = std::move(load.fd);
  return outcome;
}

Result<ProgInfo> Kernel::prog_info(int prog_fd) {
  return reply<ProgInfo>(run(op::ProgGetInfo{prog_fd, {}}), &op::ProgGetInfo::info);
}

Result<uint32_t> Kernel::prog_id(int prog_fd) {
  Result<ProgInfo> info = prog_info(prog_fd);
  if (!info.ok()) return std::move(info).error();
  return info->id;
}

Result<TestRunOutcome> Kernel::prog_test_run(const TestRunRequest& request) {
  return reply<TestRunOutcome>(run(op::ProgTestRun{request, {}}), &op::ProgTestRun::outcome);
}

Result<Fd> Kernel::btf_load(std::span<const std::byte> btf, std::span<char> log) {
  return reply<Fd>(run(op::BtfLoad{btf, log, {}}), &op::BtfLoad::fd);
}

Result<BtfHandle> Kernel::kernel_btf(uint32_t id) {
  return reply<BtfHandle>(run(op::KernelBtf{id, {}}), &op::KernelBtf::btf);
}

Result<Fd> Kernel::module_btf_fd(const std::string& module) {
  return reply<Fd>(run(op::ModuleBtf{module, {}}), &op::ModuleBtf::fd);
}

Status Kernel::obj_pin(int fd, const std::string& path) {
  KernelOp any(std::in_place_type<op::ObjPin>, op::ObjPin{fd, path});
  return call(any);
}

Result<Fd> Kernel::obj_get(const std::string& path) { return reply<Fd>(run(op::ObjGet{path, {}}), &op::ObjGet::fd); }

Status Kernel::unpin(const std::string& path) {
  KernelOp any(std::in_place_type<op::Unpin>, op::Unpin{path});
  return call(any);
}

Result<Fd> Kernel::link_create(const LinkCreateRequest& request) {
  return reply<Fd>(run(op::LinkCreate{request, {}}), &op::LinkCreate::fd);
}

Status Kernel::link_detach(int link_fd) {
  KernelOp any(std::in_place_type<op::LinkDetach>, op::LinkDetach{link_fd});
  return call(any);
}

Result<LinkInfo> Kernel::link_info(int link_fd) {
  return reply<LinkInfo>(run(op::LinkGetInfo{link_fd, {}}), &op::LinkGetInfo::info);
}

Result<std::vector<uint32_t>> Kernel::link_ids() {
  return reply<std::vector<uint32_t>>(run(op::LinkIds{}), &op::LinkIds::ids);
}

Result<Fd> Kernel::map_by_id(uint32_t id) { return reply<Fd>(run(op::MapById{id, {}}), &op::MapById::fd); }
Result<Fd> Kernel::link_by_id(uint32_t id) { return reply<Fd>(run(op::LinkById{id, {}}), &op::LinkById::fd); }

Status Kernel::prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags) {
  KernelOp any(std::in_place_type<op::ProgAttach>, op::ProgAttach{prog_fd, target_fd, attach_type, flags});
  return call(any);
}

Status Kernel::prog_detach(int prog_fd, int target_fd, uint32_t attach_type) {
  KernelOp any(std::in_place_type<op::ProgDetach>, op::ProgDetach{prog_fd, target_fd, attach_type});
  return call(any);
}

Result<std::vector<uint32_t>> Kernel::query_prog_ids(int target, uint32_t attach_type) {
  return reply<std::vector<uint32_t>>(run(op::ProgQuery{target, attach_type, {}}), &op::ProgQuery::prog_ids);
}

Result<Fd> Kernel::raw_tracepoint_open(const std::string& name, int prog_fd) {
  return reply<Fd>(run(op::RawTracepointOpen{name, prog_fd, {}}), &op::RawTracepointOpen::fd);
}

Result<Fd> Kernel::duplicate(int fd) { return reply<Fd>(run(op::DuplicateFd{fd, {}}), &op::DuplicateFd::copy); }

Result<std::string> Kernel::interface_name(uint32_t ifindex) {
  return reply<std::string>(run(op::InterfaceName{ifindex, {}}), &op::InterfaceName::name);
}

Result<uint32_t> Kernel::interface_index(const std::string& name) {
  return reply<uint32_t>(run(op::InterfaceIndex{name, 0}), &op::InterfaceIndex::ifindex);
}

Status Kernel::xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) {
  KernelOp any(std::in_place_type<op::XdpAttach>, op::XdpAttach{ifindex, prog_fd, flags});
  return call(any);
}

Status Kernel::xdp_replace(uint32_t ifindex, int prog_fd, int expected_prog_fd, uint32_t flags) {
  KernelOp any(std::in_place_type<op::XdpAttach>, op::XdpAttach{ifindex, prog_fd, flags, expected_prog_fd});
  return call(any);
}

Status Kernel::link_update(int link_fd, int new_prog_fd, int expected_prog_fd) {
  KernelOp any(std::in_place_type<op::LinkUpdate>, op::LinkUpdate{link_fd, new_prog_fd, expected_prog_fd});
  return call(any);
}

Status Kernel::xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) {
  KernelOp any(std::in_place_type<op::XdpDetach>, op::XdpDetach{ifindex, expected_prog_fd, flags});
  return call(any);
}

Result<uint32_t> Kernel::xdp_attached_id(uint32_t ifindex, uint32_t flags) {
  return reply<uint32_t>(run(op::XdpQuery{ifindex, flags, 0}), &op::XdpQuery::prog_id);
}

Result<bool> Kernel::clsact_create(uint32_t ifindex) {
  return reply<bool>(run(op::ClsactCreate{ifindex, false}), &op::ClsactCreate::created);
}

Status Kernel::clsact_destroy(uint32_t ifindex) {
  KernelOp any(std::in_place_type<op::ClsactDestroy>, op::ClsactDestroy{ifindex});
  return call(any);
}

Result<TcFilterId> Kernel::tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd, TcFilterId wanted,
                                            bool replace) {
  return reply<TcFilterId>(run(op::TcFilterAttach{ifindex, direction, prog_fd, wanted, replace, {}}),
                           &op::TcFilterAttach::attached);
}

Status Kernel::tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) {
  KernelOp any(std::in_place_type<op::TcFilterDetach>, op::TcFilterDetach{ifindex, direction, filter});
  return call(any);
}

Status Kernel::tc_filters_flush(uint32_t ifindex, TcDirection direction) {
  KernelOp any(std::in_place_type<op::TcFiltersFlush>, op::TcFiltersFlush{ifindex, direction});
  return call(any);
}

bool Kernel::has_tcx() {
  Result<op::ProbeTcx> probed = run(op::ProbeTcx{});
  return probed.ok() && probed->available;
}

Result<uint32_t> Kernel::tracepoint_id(const std::string& category, const std::string& name) {
  return reply<uint32_t>(run(op::TracepointId{category, name, 0}), &op::TracepointId::id);
}

Result<uint32_t> Kernel::pmu_type(const std::string& name) {
  return reply<uint32_t>(run(op::PmuType{name, 0}), &op::PmuType::type);
}

Result<uint32_t> Kernel::pmu_retprobe_bit(const std::string& name) {
  return reply<uint32_t>(run(op::PmuRetprobeBit{name, 0}), &op::PmuRetprobeBit::bit);
}

Result<Fd> Kernel::perf_event_open(const PerfEventRequest& request) {
  return reply<Fd>(run(op::PerfEventOpen{request, {}}), &op::PerfEventOpen::fd);
}

Status Kernel::perf_event_set_bpf(int perf_fd, int prog_fd) {
  KernelOp any(std::in_place_type<op::PerfEventSetBpf>, op::PerfEventSetBpf{perf_fd, prog_fd});
  return call(any);
}

Result<Fd> Kernel::open_cgroup(const std::string& path) {
  return reply<Fd>(run(op::OpenCgroup{path, {}}), &op::OpenCgroup::fd);
}

Status Kernel::socket_attach_filter(int socket_fd, int prog_fd) {
  KernelOp any(std::in_place_type<op::SocketAttachFilter>, op::SocketAttachFilter{socket_fd, prog_fd});
  return call(any);
}

Status Kernel::socket_detach_filter(int socket_fd) {
  KernelOp any(std::in_place_type<op::SocketDetachFilter>, op::SocketDetachFilter{socket_fd});
  return call(any);
}

Status Kernel::make_directory(const std::string& path) {
  KernelOp any(std::in_place_type<op::MakeDirectory>, op::MakeDirectory{path});
  return call(any);
}

Result<bool> Kernel::ensure_directory(const std::string& path) {
  Status made = make_directory(path);
  if (made.ok()) return true;
  if (made.error().sys_errno != EEXIST) return std::move(made).error();
  Result<FileKind> kind = file_kind(path, true);
  if (!kind.ok()) return std::move(kind).error();
  if (*kind == FileKind::Directory) return false;
  return make_error(ErrorKind::Kernel, fmt::format("mkdir '{}': exists and is not a directory", path), ENOTDIR);
}

Status Kernel::remove_directory(const std::string& path) {
  KernelOp any(std::in_place_type<op::RemoveDirectory>, op::RemoveDirectory{path});
  return call(any);
}

Result<FileKind> Kernel::file_kind(const std::string& path, bool follow_links) {
  return reply<FileKind>(run(op::PathKind{path, follow_links, FileKind::Missing}), &op::PathKind::kind);
}

Result<uint64_t> Kernel::filesystem_magic(const std::string& path) {
  return reply<uint64_t>(run(op::FilesystemMagic{path, 0}), &op::FilesystemMagic::magic);
}

Result<std::vector<DirectoryEntry>> Kernel::list_directory(const std::string& path) {
  return reply<std::vector<DirectoryEntry>>(run(op::ListDirectory{path, {}}), &op::ListDirectory::entries);
}

Status Kernel::rename(const std::string& from, const std::string& to) {
  KernelOp any(std::in_place_type<op::Rename>, op::Rename{from, to, false});
  return call(any);
}

Status Kernel::exchange(const std::string& first, const std::string& second) {
  KernelOp any(std::in_place_type<op::Rename>, op::Rename{first, second, true});
  return call(any);
}

Result<std::vector<std::byte>> Kernel::read_file(const std::string& path, uint64_t max_bytes, std::string prefix) {
  return reply<std::vector<std::byte>>(run(op::ReadFile{path, max_bytes, std::move(prefix), {}, {}}),
                                       &op::ReadFile::bytes);
}

Status Kernel::read_file_chunks(const std::string& path, uint64_t max_bytes,
                                std::function<Status(std::span<const std::byte>)> sink) {
  KernelOp any(std::in_place_type<op::ReadFile>, op::ReadFile{path, max_bytes, {}, std::move(sink), {}});
  return call(any);
}

Result<std::string> Kernel::kernel_release() {
  return reply<std::string>(run(op::KernelRelease{}), &op::KernelRelease::release);
}

Result<unsigned> Kernel::possible_cpus() {
  return reply<unsigned>(run(op::PossibleCpus{}), &op::PossibleCpus::count);
}

Result<Fd> Kernel::lock_directory(const std::string& path, unsigned wait_ms) {
  op::LockDirectory lock;
  lock.path = path;
  lock.wait_ms = wait_ms;
  Result<op::LockDirectory> locked = run(std::move(lock));
  if (!locked.ok()) return std::move(locked).error();
  return std::move(locked->fd);
}

Result<int> Kernel::process_id() { return reply<int>(run(op::ProcessId{}), &op::ProcessId::pid); }

size_t Kernel::page_size() {
  Result<op::PageSize> asked = run(op::PageSize{});
  return asked.ok() && asked->bytes != 0 ? asked->bytes : size_t{4096};
}

}  // namespace bpfload
