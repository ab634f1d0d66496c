// FakeKernel: the kernel's map, program and pin rules, in memory. Where a rule is
// modelled it returns the kernel's errno, so loader code sees the same failures it
// would on a real kernel; what is not modelled (the verifier, test runs) is said so.
#include "fake_kernel.hpp"

#include <sys/mman.h>

#include <linux/bpf.h>
#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <bpf/btf.h>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "kernel_errors.hpp"
#include "map_spans.hpp"

namespace bpfload {

struct FakeKernel::Object {
  enum class Kind { Map, Program, Btf } kind = Kind::Map;
  uint32_t id = 0;
  Map map;            // Kind::Map
  size_t program = 0; // Kind::Program: index into programs_
};

namespace {

constexpr uint64_t kExt4Magic = 0xEF53;

std::string normalized(const std::string& path) {
  std::string out;
  for (const char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool is_array_type(uint32_t type) {
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_CGROUP_ARRAY:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
      return true;
    default:
      return false;
  }
}

/// Arrays whose every slot exists from creation (zeros); the others hold fds.
bool is_preallocated_array(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

constexpr uint32_t kMapTypeArena = 33;  // BPF_MAP_TYPE_ARENA, 6.9

bool has_no_keys(uint32_t type) {
  return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK || type == BPF_MAP_TYPE_RINGBUF ||
         type == BPF_MAP_TYPE_BLOOM_FILTER || type == kMapTypeArena;
}

std::vector<std::byte> bytes_of(std::span<const std::byte> span) { return {span.begin(), span.end()}; }

uint32_t array_index(std::span<const std::byte> key) {
  uint32_t index = 0;
  std::memcpy(&index, key.data(), std::min(key.size(), sizeof(index)));
  return index;
}

Error os_error(std::string_view call, const std::string& path, int err) {
  return make_error(ErrorKind::Kernel, fmt::format("{} '{}': {}", call, path, errno_text(err)), err);
}

std::string fd_subject(int fd) { return fmt::format("on fd {}", fd); }

}  // namespace

FakeKernel::FakeKernel() {
  for (const char* dir : {"/", "/sys", "/sys/fs", "/sys/fs/bpf"}) directories_.insert(dir);
  mounts_["/"] = kExt4Magic;
  mounts_["/sys/fs/bpf"] = BPF_FS_MAGIC;
}

FakeKernel::~FakeKernel() = default;

void FakeKernel::fail_call(const std::string& name, size_t n, int err) {
  std::lock_guard lock(mutex_);
  failures_[{name, n}] = err;
}

void FakeKernel::refuse_program(const std::string& name, int err, std::string log) {
  std::lock_guard lock(mutex_);
  refused_programs_[name] = {err, std::move(log)};
}

void FakeKernel::set_kernel_release(std::string release) {
  std::lock_guard lock(mutex_);
  release_ = std::move(release);
}

void FakeKernel::set_possible_cpus(unsigned cpus) {
  std::lock_guard lock(mutex_);
  cpus_ = cpus;
}

void FakeKernel::add_mount(const std::string& path, uint64_t filesystem_magic) {
  std::lock_guard lock(mutex_);
  const std::string dir = normalized(path);
  for (std::string at = dir; at != "/" && at != "."; at = parent_of(at)) directories_.insert(at);
  mounts_[dir] = filesystem_magic;
}

std::vector<std::string> FakeKernel::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

size_t FakeKernel::calls_named(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = per_name_.find(name);
  return it == per_name_.end() ? 0 : it->second;
}

void FakeKernel::clear_calls() {
  std::lock_guard lock(mutex_);
  calls_.clear();
  per_name_.clear();
}

std::vector<FakeKernel::Program> FakeKernel::programs() const {
  std::lock_guard lock(mutex_);
  return programs_;
}

std::optional<FakeKernel::Map> FakeKernel::map_of_fd(int fd) const {
  std::lock_guard lock(mutex_);
  const ObjectPtr object = object_of(fd);
  if (!object || object->kind != Object::Kind::Map) return std::nullopt;
  return object->map;
}

std::optional<FakeKernel::Map> FakeKernel::pinned_map(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto it = pins_.find(normalized(path));
  if (it == pins_.end() || it->second->kind != Object::Kind::Map) return std::nullopt;
  return it->second->map;
}

uint32_t FakeKernel::pinned_id(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto it = pins_.find(normalized(path));
  return it == pins_.end() ? 0 : it->second->id;
}

std::vector<std::string> FakeKernel::pins() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [path, object] : pins_) out.push_back(path);
  return out;
}

std::vector<std::string> FakeKernel::directories() const {
  std::lock_guard lock(mutex_);
  return {directories_.begin(), directories_.end()};
}

int FakeKernel::enter(const std::string& name, const std::string& argument) {
  calls_.push_back(argument.empty() ? name : name + " " + argument);
  const size_t n = ++per_name_[name];
  const auto it = failures_.find({name, n});
  return it == failures_.end() ? 0 : it->second;
}

Result<Fd> FakeKernel::new_fd(ObjectPtr object, const char* what) {
  // A real descriptor, so Fd's close() is harmless and leaks show in /proc/self/fd.
  const int fd = ::memfd_create(what, MFD_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::Kernel, fmt::format("fake kernel: memfd_create: {}", errno_text(errno)), errno);
  fds_[fd] = std::move(object);
  return Fd(fd);
}

FakeKernel::ObjectPtr FakeKernel::object_of(int fd) const {
  const auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : it->second;
}

std::shared_ptr<FakeKernel::Object> FakeKernel::map_object(int fd, std::string_view call, Error& error) const {
  ObjectPtr object = object_of(fd);
  if (object && object->kind == Object::Kind::Map) return object;
  error = make_error(ErrorKind::Kernel, fmt::format("{}: fd {} is not a map: {}", call, fd, errno_text(EBADF)), EBADF);
  return nullptr;
}

Status FakeKernel::check_spans(std::string_view call, int fd, const Object& map, size_t key_bytes,
                               bool key_may_be_empty, std::optional<size_t> value_bytes) const {
  MapInfo info;
  info.type = map.map.request.type;
  info.name = map.map.request.name;
  info.key_size = map.map.request.key_size;
  info.value_size = map.map.request.value_size;
  return check_map_spans(call, fd, info, cpus_, key_bytes, key_may_be_empty ? KeyUse::ExactOrEmpty : KeyUse::Exact,
                         value_bytes);
}

bool FakeKernel::parent_is_directory(const std::string& path) const {
  return directories_.contains(parent_of(path));
}

Result<Fd> FakeKernel::map_create(const MapCreateRequest& request) {
  std::lock_guard lock(mutex_);
  const std::string subject = fmt::format("for map '{}'", request.name);
  if (const int err = enter("map_create", request.name)) return kernel_error(KernelCommand::MapCreate, subject, err);
  const bool keyless = has_no_keys(request.type);
  const bool sizes_ok = (keyless ? request.key_size == 0 : request.key_size != 0) &&
                        (request.type == BPF_MAP_TYPE_RINGBUF || request.type == kMapTypeArena ||
                         request.value_size != 0);
  const bool fd_valued = request.type == BPF_MAP_TYPE_PROG_ARRAY || request.type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
                         request.type == BPF_MAP_TYPE_HASH_OF_MAPS || request.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
  if (request.type == BPF_MAP_TYPE_UNSPEC || request.max_entries == 0 || !sizes_ok ||
      request.name.size() > 15 || (fd_valued && request.value_size != 4) ||
      (is_array_type(request.type) && request.key_size != 4)) {
    return kernel_error(KernelCommand::MapCreate, subject, EINVAL);
  }
  if (request.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || request.type == BPF_MAP_TYPE_HASH_OF_MAPS) {
    const ObjectPtr inner = object_of(request.inner_map_fd);
    if (!inner || inner->kind != Object::Kind::Map) return kernel_error(KernelCommand::MapCreate, subject, EBADF);
  }
  if (request.btf_fd >= 0) {
    const ObjectPtr btf = object_of(request.btf_fd);
    if (!btf || btf->kind != Object::Kind::Btf) return kernel_error(KernelCommand::MapCreate, subject, EINVAL);
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Map;
  object->id = next_id_++;
  object->map.id = object->id;
  object->map.request = request;
  return new_fd(std::move(object), "bpfload-fake-map");
}

Status FakeKernel::map_update(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                              uint64_t flags) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("map_update", std::to_string(map_fd))) {
    return kernel_error(KernelCommand::MapUpdate, fd_subject(map_fd), err);
  }
  Error error;
  const ObjectPtr object = map_object(map_fd, "map update", error);
  if (!object) return error;
  BPFLOAD_TRY(check_spans("map update", map_fd, *object, key.size(), false, value.size()));
  Map& map = object->map;
  const auto fail = [&](int err) -> Status { return kernel_error(KernelCommand::MapUpdate, fd_subject(map_fd), err); };
  if (flags > BPF_EXIST) return fail(EINVAL);
  if (map.frozen) return fail(EPERM);
  std::vector<std::byte> stored = bytes_of(value);
  const uint32_t type = map.request.type;
  if (type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS) {
    // Like the kernel, keep the object the fd names: a lookup returns its id.
    int value_fd = 0;
    std::memcpy(&value_fd, value.data(), sizeof(value_fd));
    const ObjectPtr target = object_of(value_fd);
    const auto wanted = type == BPF_MAP_TYPE_PROG_ARRAY ? Object::Kind::Program : Object::Kind::Map;
    if (!target || target->kind != wanted) return fail(EBADF);
    std::memcpy(stored.data(), &target->id, sizeof(target->id));
  }
  const std::vector<std::byte> key_bytes = bytes_of(key);
  const bool exists = map.entries.contains(key_bytes) || is_preallocated_array(type);
  if (is_array_type(type)) {
    if (array_index(key) >= map.request.max_entries) return fail(E2BIG);
    if (flags == BPF_NOEXIST) return fail(EEXIST);
  } else {
    if (flags == BPF_NOEXIST && exists) return fail(EEXIST);
    if (flags == BPF_EXIST && !exists) return fail(ENOENT);
    if (!exists && map.entries.size() >= map.request.max_entries) return fail(E2BIG);
  }
  map.entries[key_bytes] = std::move(stored);
  return {};
}

Status FakeKernel::map_lookup(int map_fd, std::span<const std::byte> key, std::span<std::byte> value) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("map_lookup", std::to_string(map_fd))) {
    return kernel_error(KernelCommand::MapLookup, fd_subject(map_fd), err);
  }
  Error error;
  const ObjectPtr object = map_object(map_fd, "map lookup", error);
  if (!object) return error;
  BPFLOAD_TRY(check_spans("map lookup", map_fd, *object, key.size(), false, value.size()));
  const Map& map = object->map;
  const auto it = map.entries.find(bytes_of(key));
  if (it != map.entries.end()) {
    std::copy(it->second.begin(), it->second.end(), value.begin());
    return {};
  }
  if (is_preallocated_array(map.request.type) && array_index(key) < map.request.max_entries) {
    std::fill(value.begin(), value.end(), std::byte{0});
    return {};
  }
  return kernel_error(KernelCommand::MapLookup, fd_subject(map_fd), ENOENT);
}

Status FakeKernel::map_delete(int map_fd, std::span<const std::byte> key) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("map_delete", std::to_string(map_fd))) {
    return kernel_error(KernelCommand::MapDelete, fd_subject(map_fd), err);
  }
  Error error;
  const ObjectPtr object = map_object(map_fd, "map delete", error);
  if (!object) return error;
  BPFLOAD_TRY(check_spans("map delete", map_fd, *object, key.size(), false, std::nullopt));
  Map& map = object->map;
  if (is_preallocated_array(map.request.type)) return kernel_error(KernelCommand::MapDelete, fd_subject(map_fd), EINVAL);
  if (map.frozen) return kernel_error(KernelCommand::MapDelete, fd_subject(map_fd), EPERM);
  if (map.entries.erase(bytes_of(key)) == 0) return kernel_error(KernelCommand::MapDelete, fd_subject(map_fd), ENOENT);
  return {};
}

Result<bool> FakeKernel::map_next_key(int map_fd, std::span<const std::byte> key, std::span<std::byte> next_key) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("map_next_key", std::to_string(map_fd))) {
    return kernel_error(KernelCommand::MapNextKey, fd_subject(map_fd), err);
  }
  Error error;
  const ObjectPtr object = map_object(map_fd, "map next key", error);
  if (!object) return error;
  BPFLOAD_TRY(check_spans("map next key", map_fd, *object, key.size(), true, std::nullopt));
  BPFLOAD_TRY(check_spans("map next key (next key)", map_fd, *object, next_key.size(), false, std::nullopt));
  const Map& map = object->map;
  if (is_preallocated_array(map.request.type)) {
    const uint64_t next = key.empty() ? 0 : uint64_t{array_index(key)} + 1;
    if (next >= map.request.max_entries) return false;
    const auto index = static_cast<uint32_t>(next);
    std::memcpy(next_key.data(), &index, sizeof(index));
    return true;
  }
  auto it = map.entries.begin();
  if (!key.empty()) {
    // A key that is not in the map restarts the walk, as in the kernel's hash maps.
    const auto found = map.entries.find(bytes_of(key));
    it = found == map.entries.end() ? map.entries.begin() : std::next(found);
  }
  if (it == map.entries.end()) return false;
  std::copy(it->first.begin(), it->first.end(), next_key.begin());
  return true;
}

Status FakeKernel::map_freeze(int map_fd) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("map_freeze", std::to_string(map_fd))) {
    return kernel_error(KernelCommand::MapFreeze, fd_subject(map_fd), err);
  }
  Error error;
  const ObjectPtr object = map_object(map_fd, "map freeze", error);
  if (!object) return error;
  if (object->map.frozen) return kernel_error(KernelCommand::MapFreeze, fd_subject(map_fd), EBUSY);
  object->map.frozen = true;
  return {};
}

Result<MapInfo> FakeKernel::map_info(int map_fd) {
  std::lock_guard lock(mutex_);
  const std::string subject = fmt::format("for map fd {}", map_fd);
  if (const int err = enter("map_info", std::to_string(map_fd))) return kernel_error(KernelCommand::ObjGetInfo, subject, err);
  const ObjectPtr object = object_of(map_fd);
  if (!object || object->kind != Object::Kind::Map) return kernel_error(KernelCommand::ObjGetInfo, subject, EBADF);
  const MapCreateRequest& request = object->map.request;
  MapInfo info;
  info.id = object->id;
  info.type = request.type;
  info.key_size = request.key_size;
  info.value_size = request.value_size;
  info.max_entries = request.max_entries;
  info.flags = request.flags;
  info.name = request.name;
  return info;
}

ProgLoadOutcome FakeKernel::prog_load(const ProgLoadRequest& request) {
  std::lock_guard lock(mutex_);
  ProgLoadOutcome outcome;
  const auto write_log = [&](const std::string& text) {
    if (request.log_buf.empty()) return;
    const size_t n = std::min(text.size(), request.log_buf.size() - 1);
    std::memcpy(request.log_buf.data(), text.data(), n);
    request.log_buf[n] = '\0';
    outcome.log_true_size = static_cast<uint32_t>(text.size() + 1);
  };
  if (const int err = enter("prog_load", request.name)) {
    outcome.sys_errno = err;
    return outcome;
  }
  const auto refused = refused_programs_.find(request.name);
  if (refused != refused_programs_.end()) {
    write_log(refused->second.second);
    outcome.sys_errno = refused->second.first;
    return outcome;
  }
  if (request.type == BPF_PROG_TYPE_UNSPEC || request.insns.empty() || request.name.size() > 15) {
    outcome.sys_errno = EINVAL;
    return outcome;
  }
  Program program;
  program.type = request.type;
  program.name = request.name;
  program.license = request.license;
  program.insns.assign(request.insns.begin(), request.insns.end());
  program.expected_attach_type = request.expected_attach_type;
  program.kern_version = request.kern_version;
  program.prog_flags = request.prog_flags;
  program.with_btf = request.prog_btf_fd >= 0;
  program.func_info_count = request.func_info.size();
  program.line_info_count = request.line_info.size();
  program.log_level = request.log_level;
  program.attach_btf_id = request.attach_btf_id;
  if (request.attach_btf_obj_fd >= 0) {
    const ObjectPtr btf = object_of(request.attach_btf_obj_fd);
    if (!btf || btf->kind != Object::Kind::Btf) {
      outcome.sys_errno = EBADF;
      return outcome;
    }
    program.attach_btf_obj_id = btf->id;
  }
  // As the verifier: a kfunc call's off is an fd_array slot holding a BTF fd, and a
  // BTF_ID load's second imm, when not 0, a BTF fd.
  const auto btf_id_of = [&](int fd) -> uint32_t {
    const ObjectPtr btf = object_of(fd);
    return btf && btf->kind == Object::Kind::Btf ? btf->id : 0;
  };
  for (size_t slot = 0; slot < request.fd_array.size(); ++slot)
    program.fd_array_btf_ids.push_back(slot == 0 ? 0 : btf_id_of(request.fd_array[slot]));
  for (size_t i = 0; i < request.insns.size(); ++i) {
    const bpf_insn& insn = request.insns[i];
    if (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == BPF_PSEUDO_KFUNC_CALL && insn.off != 0) {
      if (insn.off < 0 || static_cast<size_t>(insn.off) >= program.fd_array_btf_ids.size() ||
          program.fd_array_btf_ids[static_cast<size_t>(insn.off)] == 0) {
        write_log(fmt::format("kfunc call at insn {}: fd_array slot {} holds no BTF fd\n", i, insn.off));
        outcome.sys_errno = EINVAL;
        return outcome;
      }
    }
    if (insn.code == (BPF_LD | BPF_IMM | BPF_DW) && insn.src_reg == BPF_PSEUDO_BTF_ID && i + 1 < request.insns.size() &&
        request.insns[i + 1].imm != 0) {
      const uint32_t id = btf_id_of(request.insns[i + 1].imm);
      if (id == 0) {
        outcome.sys_errno = EBADF;
        return outcome;
      }
      program.btf_id_load_objects[static_cast<uint32_t>(i)] = id;
    }
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Program;
  object->id = next_id_++;
  object->program = programs_.size();
  program.id = object->id;
  programs_.push_back(std::move(program));
  if (request.log_level != 0) {
    write_log(fmt::format("processed {} insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                          "peak_states 0 mark_read 0\n",
                          request.insns.size()));
  }
  Result<Fd> fd = new_fd(std::move(object), "bpfload-fake-prog");
  if (!fd.ok()) {
    outcome.sys_errno = fd.error().sys_errno;
    return outcome;
  }
  outcome.fd = std::move(fd).value();
  return outcome;
}

Result<ProgInfo> FakeKernel::prog_info(int prog_fd) {
  std::lock_guard lock(mutex_);
  const std::string subject = fmt::format("for program fd {}", prog_fd);
  if (const int err = enter("prog_info", std::to_string(prog_fd))) return kernel_error(KernelCommand::ObjGetInfo, subject, err);
  const ObjectPtr object = object_of(prog_fd);
  if (!object || object->kind != Object::Kind::Program) return kernel_error(KernelCommand::ObjGetInfo, subject, EBADF);
  const Program& program = programs_[object->program];
  ProgInfo info;
  info.id = object->id;
  info.type = program.type;
  info.name = program.name;
  info.xlated_size = static_cast<uint32_t>(program.insns.size() * sizeof(bpf_insn));
  info.verified_insns = static_cast<uint32_t>(program.insns.size());
  return info;
}

Result<TestRunOutcome> FakeKernel::prog_test_run(const TestRunRequest& request) {
  std::lock_guard lock(mutex_);
  (void)enter("prog_test_run", std::to_string(request.prog_fd));
  return kernel_error(KernelCommand::ProgTestRun, "(the fake kernel runs no program)", ENOTSUP);
}

namespace {

/// The kernel's complaint about the first type of `btf` that a kernel without some of
/// `accepted`'s features refuses, "" when it takes them all.
std::string refused_btf_type(std::span<const std::byte> btf, BtfFeatures accepted) {
  struct btf* parsed = btf__new(btf.data(), static_cast<uint32_t>(btf.size()));
  if (parsed == nullptr) return "BTF cannot be parsed";
  std::string refusal;
  const uint32_t count = btf__type_cnt(parsed);
  for (uint32_t id = 1; id < count && refusal.empty(); ++id) {
    const struct btf_type* type = btf__type_by_id(parsed, id);
    const uint32_t kind = btf_kind(type);
    bool refused = false;
    switch (kind) {
      case BTF_KIND_FUNC:
        refused = !accepted.has(BtfFeature::Func) ||
                  (!accepted.has(BtfFeature::FuncGlobal) && btf_vlen(type) != BTF_FUNC_STATIC);
        break;
      case BTF_KIND_FUNC_PROTO: refused = !accepted.has(BtfFeature::Func); break;
      case BTF_KIND_VAR:
      case BTF_KIND_DATASEC: refused = !accepted.has(BtfFeature::Datasec); break;
      case BTF_KIND_FLOAT: refused = !accepted.has(BtfFeature::Float); break;
      case BTF_KIND_DECL_TAG: refused = !accepted.has(BtfFeature::DeclTag); break;
      case BTF_KIND_TYPE_TAG: refused = !accepted.has(BtfFeature::TypeTag); break;
      case BTF_KIND_ENUM64: refused = !accepted.has(BtfFeature::Enum64); break;
      case BTF_KIND_ENUM: refused = !accepted.has(BtfFeature::Enum64) && btf_kflag(type); break;
      default: break;
    }
    if (refused) refusal = fmt::format("[{}] Invalid kind:{}", id, kind);
  }
  btf__free(parsed);
  return refusal;
}

}  // namespace

void FakeKernel::refuse_btf_feature(BtfFeature feature) {
  std::lock_guard lock(mutex_);
  btf_kinds_.set(feature, false);
}

std::vector<std::vector<std::byte>> FakeKernel::loaded_btf() const {
  std::lock_guard lock(mutex_);
  return loaded_btf_;
}

Result<Fd> FakeKernel::btf_load(std::span<const std::byte> btf, std::span<char> log) {
  std::lock_guard lock(mutex_);
  const std::string subject = fmt::format("of {} bytes", btf.size());
  if (!log.empty()) log[0] = '\0';
  if (const int err = enter("btf_load", std::to_string(btf.size()))) return kernel_error(KernelCommand::BtfLoad, subject, err);
  if (btf.empty()) return kernel_error(KernelCommand::BtfLoad, subject, EINVAL);
  if (!btf_kinds_.complete()) {
    const std::string refusal = refused_btf_type(btf, btf_kinds_);
    if (!refusal.empty()) {
      if (!log.empty()) {
        const size_t length = std::min(refusal.size(), log.size() - 1);
        std::memcpy(log.data(), refusal.data(), length);
        log[length] = '\0';
      }
      return kernel_error(KernelCommand::BtfLoad, subject, EINVAL);
    }
  }
  loaded_btf_.emplace_back(btf.begin(), btf.end());
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Btf;
  object->id = next_id_++;
  return new_fd(std::move(object), "bpfload-fake-btf");
}

uint32_t FakeKernel::add_module_btf(const std::string& module) {
  std::lock_guard lock(mutex_);
  const uint32_t id = next_id_++;
  module_btf_ids_[module] = id;
  return id;
}

Result<Fd> FakeKernel::module_btf_fd(const std::string& module) {
  std::lock_guard lock(mutex_);
  if (const int err = enter("module_btf_fd", module))
    return make_error(ErrorKind::Kernel, fmt::format("bpf(BTF_GET_FD_BY_ID) for module '{}': {}", module, errno_text(err)),
                      err);
  const auto found = module_btf_ids_.find(module);
  if (found == module_btf_ids_.end())
    return make_error(ErrorKind::NotFound, fmt::format("no loaded module '{}' has BTF", module));
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Btf;
  object->id = found->second;
  return new_fd(std::move(object), "bpfload-fake-btf");
}

Status FakeKernel::obj_pin(int fd, const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  const auto fail = [&](int err) -> Status {
    return kernel_error(KernelCommand::ObjPin, fmt::format("of fd {} at '{}'", fd, raw_path), err, raw_path);
  };
  if (const int err = enter("obj_pin", path)) return fail(err);
  const ObjectPtr object = object_of(fd);
  if (!object) return fail(EBADF);
  if (!parent_is_directory(path)) return fail(ENOENT);
  if (pins_.contains(path) || directories_.contains(path)) return fail(EEXIST);
  if (magic_of(parent_of(path)) != BPF_FS_MAGIC) return fail(EPERM);
  pins_[path] = object;
  return {};
}

Result<Fd> FakeKernel::obj_get(const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  const auto fail = [&](int err) -> Result<Fd> {
    return kernel_error(KernelCommand::ObjGet, fmt::format("of '{}'", raw_path), err, raw_path);
  };
  if (const int err = enter("obj_get", path)) return fail(err);
  const auto it = pins_.find(path);
  if (it == pins_.end()) return fail(directories_.contains(path) ? EPERM : ENOENT);
  return new_fd(it->second, it->second->kind == Object::Kind::Map ? "bpfload-fake-map" : "bpfload-fake-prog");
}

Status FakeKernel::unpin(const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  if (const int err = enter("unpin", path)) return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", raw_path), err);
  if (pins_.erase(path) == 1) return {};
  return kernel_error(KernelCommand::Unpin, fmt::format("'{}'", raw_path), directories_.contains(path) ? EISDIR : ENOENT);
}

Status FakeKernel::make_directory(const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  if (const int err = enter("make_directory", path)) return os_error("mkdir", raw_path, err);
  if (directories_.contains(path) || pins_.contains(path)) return os_error("mkdir", raw_path, EEXIST);
  const std::string parent = parent_of(path);
  if (!directories_.contains(parent)) return os_error("mkdir", raw_path, pins_.contains(parent) ? ENOTDIR : ENOENT);
  directories_.insert(path);
  return {};
}

Status FakeKernel::remove_directory(const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  if (const int err = enter("remove_directory", path)) return os_error("rmdir", raw_path, err);
  if (!directories_.contains(path)) return os_error("rmdir", raw_path, pins_.contains(path) ? ENOTDIR : ENOENT);
  const std::string prefix = path == "/" ? path : path + "/";
  const auto child_of = [&](const std::string& other) { return other.size() > prefix.size() && other.starts_with(prefix); };
  const bool has_children = std::any_of(directories_.begin(), directories_.end(), child_of) ||
                            std::any_of(pins_.begin(), pins_.end(), [&](const auto& pin) { return child_of(pin.first); });
  if (has_children) return os_error("rmdir", raw_path, ENOTEMPTY);
  directories_.erase(path);
  return {};
}

Result<FileKind> FakeKernel::file_kind(const std::string& raw_path, bool follow_links) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  if (const int err = enter("file_kind", path)) return os_error(follow_links ? "stat" : "lstat", raw_path, err);
  if (directories_.contains(path)) return FileKind::Directory;
  if (pins_.contains(path)) return FileKind::Other;
  return FileKind::Missing;
}

Result<uint64_t> FakeKernel::filesystem_magic(const std::string& raw_path) {
  std::lock_guard lock(mutex_);
  const std::string path = normalized(raw_path);
  if (const int err = enter("filesystem_magic", path)) return os_error("statfs", raw_path, err);
  if (!directories_.contains(path) && !pins_.contains(path)) {
    return make_error(ErrorKind::NotFound, fmt::format("statfs '{}': it does not exist", raw_path), ENOENT);
  }
  return magic_of(path);
}

uint64_t FakeKernel::magic_of(const std::string& path) const {
  for (std::string at = path;; at = parent_of(at)) {
    const auto it = mounts_.find(at);
    if (it != mounts_.end()) return it->second;
    if (at == "/" || at == ".") break;
  }
  return kExt4Magic;
}

Result<std::string> FakeKernel::kernel_release() {
  std::lock_guard lock(mutex_);
  if (const int err = enter("kernel_release", "")) return make_error(ErrorKind::Kernel, fmt::format("uname: {}", errno_text(err)), err);
  return release_;
}

Result<unsigned> FakeKernel::possible_cpus() {
  std::lock_guard lock(mutex_);
  if (const int err = enter("possible_cpus", "")) {
    return make_error(ErrorKind::Io, fmt::format("cannot count the possible CPUs: {}", errno_text(err)), err);
  }
  return cpus_;
}

}  // namespace bpfload
