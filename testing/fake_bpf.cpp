// The fake world's maps, programs and BTF: the kernel's map size and flag rules, program
// loads recorded (no verifier), BTF kinds refused as an older kernel would.
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <bpf/btf.h>

#include <fmt/format.h>

#include "fake_world.hpp"
#include "kernel_errors.hpp"
#include "map_spans.hpp"

namespace bpfload {
namespace {

using World = FakeKernel::World;
using Object = World::Object;

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

bool has_no_keys(uint32_t type) {
  return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK || type == BPF_MAP_TYPE_RINGBUF ||
         type == BPF_MAP_TYPE_USER_RINGBUF || type == BPF_MAP_TYPE_BLOOM_FILTER || type == uapi::kMapTypeArena;
}

std::vector<std::byte> bytes_of(std::span<const std::byte> span) { return {span.begin(), span.end()}; }

uint32_t array_index(std::span<const std::byte> key) {
  uint32_t index = 0;
  std::memcpy(&index, key.data(), std::min(key.size(), sizeof(index)));
  return index;
}

std::string fd_subject(int fd) { return fmt::format("on fd {}", fd); }

Status check_spans(std::string_view call, int fd, const Object& map, unsigned cpus, size_t key_bytes,
                   bool key_may_be_empty, std::optional<size_t> value_bytes) {
  MapInfo info;
  info.type = map.map.request.type;
  info.name = map.map.request.name;
  info.key_size = map.map.request.key_size;
  info.value_size = map.map.request.value_size;
  return check_map_spans(call, fd, info, cpus, key_bytes, key_may_be_empty ? KeyUse::ExactOrEmpty : KeyUse::Exact,
                         value_bytes);
}

Result<std::shared_ptr<Object>> map_object(const World& world, int fd, std::string_view call) {
  World::ObjectPtr object = world.object_of(fd);
  if (object && object->kind == Object::Kind::Map) return object;
  return make_error(ErrorKind::Kernel, fmt::format("{}: fd {} is not a map: {}", call, fd, errno_text(EBADF)), EBADF);
}

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

Status World::run(op::MapCreate& op) {
  const MapCreateRequest& request = op.request;
  const std::string subject = fmt::format("for map '{}'", request.name);
  const bool keyless = has_no_keys(request.type);
  const bool sizes_ok = (keyless ? request.key_size == 0 : request.key_size != 0) &&
                        (request.type == BPF_MAP_TYPE_RINGBUF || request.type == BPF_MAP_TYPE_USER_RINGBUF ||
                         request.type == uapi::kMapTypeArena ||
                         request.value_size != 0);
  const bool fd_valued = request.type == BPF_MAP_TYPE_PROG_ARRAY || request.type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
                         request.type == BPF_MAP_TYPE_HASH_OF_MAPS || request.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
  if (request.type == BPF_MAP_TYPE_UNSPEC || request.max_entries == 0 || !sizes_ok || request.name.size() > 15 ||
      (fd_valued && request.value_size != 4) || (is_array_type(request.type) && request.key_size != 4))
    return kernel_error(KernelCommand::MapCreate, subject, EINVAL);
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
  object->id = next_id++;
  object->map.id = object->id;
  object->map.request = request;
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::MapUpdate& op) {
  Result<ObjectPtr> object = map_object(*this, op.map_fd, "map update");
  if (!object.ok()) return std::move(object).error();
  BPFLOAD_TRY(check_spans("map update", op.map_fd, **object, cpus, op.key.size(), false, op.value.size()));
  Map& map = (*object)->map;
  const auto fail = [&](int err) -> Status {
    return kernel_error(KernelCommand::MapUpdate, fd_subject(op.map_fd), err);
  };
  if (op.flags > BPF_EXIST) return fail(EINVAL);
  if (map.frozen) return fail(EPERM);
  std::vector<std::byte> stored = bytes_of(op.value);
  const uint32_t type = map.request.type;
  if (type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS) {
    // Like the kernel, keep the object the fd names: a lookup returns its id.
    int value_fd = 0;
    std::memcpy(&value_fd, op.value.data(), sizeof(value_fd));
    const ObjectPtr target = object_of(value_fd);
    const auto wanted = type == BPF_MAP_TYPE_PROG_ARRAY ? Object::Kind::Program : Object::Kind::Map;
    if (!target || target->kind != wanted) return fail(EBADF);
    std::memcpy(stored.data(), &target->id, sizeof(target->id));
  }
  const std::vector<std::byte> key = bytes_of(op.key);
  const bool exists = map.entries.contains(key) || is_preallocated_array(type);
  if (is_array_type(type)) {
    if (array_index(op.key) >= map.request.max_entries) return fail(E2BIG);
    if (op.flags == BPF_NOEXIST) return fail(EEXIST);
  } else {
    if (op.flags == BPF_NOEXIST && exists) return fail(EEXIST);
    if (op.flags == BPF_EXIST && !exists) return fail(ENOENT);
    if (!exists && map.entries.size() >= map.request.max_entries) return fail(E2BIG);
  }
  map.entries[key] = std::move(stored);
  return {};
}

Status World::run(op::MapLookup& op) {
  Result<ObjectPtr> object = map_object(*this, op.map_fd, "map lookup");
  if (!object.ok()) return std::move(object).error();
  BPFLOAD_TRY(check_spans("map lookup", op.map_fd, **object, cpus, op.key.size(), false, op.value.size()));
  const Map& map = (*object)->map;
  const auto it = map.entries.find(bytes_of(op.key));
  if (it != map.entries.end()) {
    std::copy(it->second.begin(), it->second.end(), op.value.begin());
    return {};
  }
  if (is_preallocated_array(map.request.type) && array_index(op.key) < map.request.max_entries) {
    std::fill(op.value.begin(), op.value.end(), std::byte{0});
    return {};
  }
  return kernel_error(KernelCommand::MapLookup, fd_subject(op.map_fd), ENOENT);
}

Status World::run(op::MapDelete& op) {
  Result<ObjectPtr> object = map_object(*this, op.map_fd, "map delete");
  if (!object.ok()) return std::move(object).error();
  BPFLOAD_TRY(check_spans("map delete", op.map_fd, **object, cpus, op.key.size(), false, std::nullopt));
  Map& map = (*object)->map;
  if (is_preallocated_array(map.request.type))
    return kernel_error(KernelCommand::MapDelete, fd_subject(op.map_fd), EINVAL);
  if (map.frozen) return kernel_error(KernelCommand::MapDelete, fd_subject(op.map_fd), EPERM);
  if (map.entries.erase(bytes_of(op.key)) == 0)
    return kernel_error(KernelCommand::MapDelete, fd_subject(op.map_fd), ENOENT);
  return {};
}

Status World::run(op::MapNextKey& op) {
  Result<ObjectPtr> object = map_object(*this, op.map_fd, "map next key");
  if (!object.ok()) return std::move(object).error();
  BPFLOAD_TRY(check_spans("map next key", op.map_fd, **object, cpus, op.key.size(), true, std::nullopt));
  BPFLOAD_TRY(check_spans("map next key (next key)", op.map_fd, **object, cpus, op.next_key.size(), false, std::nullopt));
  const Map& map = (*object)->map;
  op.found = false;
  if (is_preallocated_array(map.request.type)) {
    const uint64_t next = op.key.empty() ? 0 : uint64_t{array_index(op.key)} + 1;
    if (next >= map.request.max_entries) return {};
    const auto index = static_cast<uint32_t>(next);
    std::memcpy(op.next_key.data(), &index, sizeof(index));
    op.found = true;
    return {};
  }
  auto it = map.entries.begin();
  if (!op.key.empty()) {
    // A key that is not in the map restarts the walk, as in the kernel's hash maps.
    const auto found = map.entries.find(bytes_of(op.key));
    it = found == map.entries.end() ? map.entries.begin() : std::next(found);
  }
  if (it == map.entries.end()) return {};
  std::copy(it->first.begin(), it->first.end(), op.next_key.begin());
  op.found = true;
  return {};
}

Status World::run(op::MapFreeze& op) {
  Result<ObjectPtr> object = map_object(*this, op.map_fd, "map freeze");
  if (!object.ok()) return std::move(object).error();
  if ((*object)->map.frozen) return kernel_error(KernelCommand::MapFreeze, fd_subject(op.map_fd), EBUSY);
  (*object)->map.frozen = true;
  return {};
}

Status World::run(op::MapWriteValue& op) {
  if (op.offset > op.value_size || op.bytes.size() > op.value_size - op.offset)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("{} bytes at offset {} do not fit in a value of {} bytes", op.bytes.size(),
                                  op.offset, op.value_size));
  // No shared mapping here: read, change and write back the whole value.
  const uint32_t key = 0;
  std::vector<std::byte> value(op.value_size);
  op::MapLookup lookup{op.map_fd, std::as_bytes(std::span(&key, 1)), value};
  BPFLOAD_TRY(run(lookup));
  std::memcpy(value.data() + op.offset, op.bytes.data(), op.bytes.size());
  op::MapUpdate update{op.map_fd, std::as_bytes(std::span(&key, 1)), value, BPF_ANY};
  return run(update);
}

Status World::run(op::MapGetInfo& op) {
  const std::string subject = fmt::format("for map fd {}", op.map_fd);
  const ObjectPtr object = object_of(op.map_fd);
  if (!object) return kernel_error(KernelCommand::ObjGetInfo, subject, EBADF);
  if (object->kind != Object::Kind::Map)
    return make_error(ErrorKind::InvalidArgument, fmt::format("the object is a {}, not a map", object->kind == Object::Kind::Program ? "program" : "BPF object of another kind"), EINVAL);
  const MapCreateRequest& request = object->map.request;
  MapInfo& info = op.info;
  info.id = object->id;
  info.type = request.type;
  info.key_size = request.key_size;
  info.value_size = request.value_size;
  info.max_entries = request.max_entries;
  info.flags = request.flags;
  info.name = request.name;
  info.map_extra = request.map_extra;
  if (request.btf_fd >= 0) {
    // The BTF object the map was made with, if it is still known.
    info.btf_key_type_id = request.btf_key_type_id;
    info.btf_value_type_id = request.btf_value_type_id;
  }
  return {};
}

Status World::run(op::ProgLoad& op) {
  const ProgLoadRequest& request = op.request;
  const auto write_log = [&](const std::string& text) {
    if (request.log_buf.empty()) return;
    const size_t n = std::min(text.size(), request.log_buf.size() - 1);
    std::memcpy(request.log_buf.data(), text.data(), n);
    request.log_buf[n] = '\0';
    op.log_true_size = static_cast<uint32_t>(text.size() + 1);
  };
  const auto refuse = [&](int err) -> Status {
    return kernel_error(KernelCommand::ProgLoad, fmt::format("of program '{}'", request.name), err);
  };
  if (!request.log_buf.empty()) request.log_buf[0] = '\0';
  const auto refused = refused_programs.find(request.name);
  if (refused != refused_programs.end()) {
    write_log(refused->second.second);
    return refuse(refused->second.first);
  }
  if (request.type == BPF_PROG_TYPE_UNSPEC || request.insns.empty() || request.name.size() > 15) return refuse(EINVAL);
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
    if (!btf || btf->kind != Object::Kind::Btf) return refuse(EBADF);
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
        return refuse(EINVAL);
      }
    }
    if (insn.code == (BPF_LD | BPF_IMM | BPF_DW) && insn.src_reg == BPF_PSEUDO_BTF_ID && i + 1 < request.insns.size() &&
        request.insns[i + 1].imm != 0) {
      const uint32_t id = btf_id_of(request.insns[i + 1].imm);
      if (id == 0) return refuse(EBADF);
      program.btf_id_load_objects[static_cast<uint32_t>(i)] = id;
    }
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Program;
  object->id = next_id++;
  object->program = programs.size();
  program.id = object->id;
  if (request.log_level != 0)
    write_log(fmt::format("processed {} insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                          "peak_states 0 mark_read 0\n",
                          request.insns.size()));
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  programs.push_back(std::move(program));
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::ProgGetInfo& op) {
  const std::string subject = fmt::format("for program fd {}", op.prog_fd);
  const ObjectPtr object = object_of(op.prog_fd);
  if (!object) return kernel_error(KernelCommand::ObjGetInfo, subject, EBADF);
  if (object->kind != Object::Kind::Program)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("the object is a {}, not a program", object->kind == Object::Kind::Map ? "map" : "BPF object of another kind"), EINVAL);
  const Program& program = programs[object->program];
  ProgInfo& info = op.info;
  info.id = object->id;
  info.type = program.type;
  info.name = program.name;
  info.xlated_size = static_cast<uint32_t>(program.insns.size() * sizeof(bpf_insn));
  info.verified_insns = static_cast<uint32_t>(program.insns.size());
  return {};
}

Status World::run(op::ProgTestRun&) {
  return kernel_error(KernelCommand::ProgTestRun, "(the fake kernel runs no program)", ENOTSUP);
}

Status World::run(op::BtfLoad& op) {
  const std::string subject = fmt::format("of {} bytes", op.btf.size());
  if (!op.log.empty()) op.log[0] = '\0';
  if (op.btf.empty()) return kernel_error(KernelCommand::BtfLoad, subject, EINVAL);
  if (!btf_kinds.complete()) {
    const std::string refusal = refused_btf_type(op.btf, btf_kinds);
    if (!refusal.empty()) {
      if (!op.log.empty()) {
        const size_t length = std::min(refusal.size(), op.log.size() - 1);
        std::memcpy(op.log.data(), refusal.data(), length);
        op.log[length] = '\0';
      }
      return kernel_error(KernelCommand::BtfLoad, subject, EINVAL);
    }
  }
  auto object = std::make_shared<Object>();
  object->kind = Object::Kind::Btf;
  object->id = next_id++;
  object->btf.assign(op.btf.begin(), op.btf.end());
  Result<Fd> fd = new_object(std::move(object));
  if (!fd.ok()) return std::move(fd).error();
  loaded_btf.emplace_back(op.btf.begin(), op.btf.end());
  op.fd = std::move(*fd);
  return {};
}

Status World::run(op::KernelBtf& op) {
  const ObjectPtr object = object_by_id(op.id);
  if (!object || object->kind != Object::Kind::Btf || object->btf.empty())
    return make_error(ErrorKind::Kernel,
                      fmt::format("bpf(BTF_GET_FD_BY_ID): cannot read BTF object {}: {}", op.id, errno_text(ENOENT)),
                      ENOENT);
  struct btf* btf = btf__new(object->btf.data(), static_cast<uint32_t>(object->btf.size()));
  if (btf == nullptr)
    return make_error(ErrorKind::Kernel, fmt::format("BTF object {} cannot be parsed", op.id), EINVAL);
  op.btf.reset(btf);
  return {};
}

Status World::run(op::ModuleBtf& op) {
  const auto found = module_btf_ids.find(op.module);
  if (found == module_btf_ids.end())
    return make_error(ErrorKind::NotFound, fmt::format("no loaded module '{}' has BTF", op.module));
  ObjectPtr object = object_by_id(found->second);
  if (!object) {
    object = std::make_shared<Object>();
    object->kind = Object::Kind::Btf;
    object->id = found->second;
    Result<Fd> fd = new_object(object);
    if (!fd.ok()) return std::move(fd).error();
    op.fd = std::move(*fd);
    return {};
  }
  Result<Fd> fd = new_fd(object);
  if (!fd.ok()) return std::move(fd).error();
  op.fd = std::move(*fd);
  return {};
}

}  // namespace bpfload
