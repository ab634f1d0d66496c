// Makes clang's .BTF loadable: clang cannot know section sizes and variable offsets
// when it emits DATASECs, leaves them 0, and the kernel refuses that. The ELF object
// knows both, so they are written into a private copy of the bytes.
#include <bpf/btf.h>
#include <elf.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "btf_fixup.hpp"
#include "btf_util.hpp"

namespace bpfload {
namespace {

constexpr uint16_t kBtfMagic = 0xeb9f;
constexpr size_t kHeaderMinSize = 24;  // magic .. str_len of struct btf_header
constexpr size_t kTypeSizeField = 8;   // struct btf_type: name_off, info, size
constexpr size_t kSecinfoSize = sizeof(struct btf_var_secinfo);

Error malformed(const std::string& what) { return make_error(ErrorKind::Malformed, ".BTF: " + what); }

/// Writes `value` at `offset` of `bytes` in the object's byte order.
void write_u32(std::vector<std::byte>& bytes, size_t offset, uint32_t value, ByteOrder order) {
  for (size_t i = 0; i < 4; ++i) {
    const size_t shift = order == ByteOrder::Big ? 8 * (3 - i) : 8 * i;
    bytes[offset + i] = std::byte((value >> shift) & 0xff);
  }
}

/// The data symbols of one section by name: for each name the first global or weak
/// one in offset order, else the first local (a static of the same name may sit in
/// another function). Built once per DATASEC so each variable is one lookup.
class VariableSymbols {
 public:
  VariableSymbols(const elf::View& view, size_t section_index) {
    for (const elf::Symbol* symbol : view.symbols_in(section_index)) {
      if (symbol->type != STT_OBJECT) continue;
      const bool strong = symbol->bind == STB_GLOBAL || symbol->bind == STB_WEAK;
      auto [slot, inserted] = by_name_.try_emplace(symbol->name, Found{symbol, strong});
      if (!inserted && strong && !slot->second.strong) slot->second = Found{symbol, true};
    }
  }

  [[nodiscard]] const elf::Symbol* find(std::string_view name) const {
    const auto found = by_name_.find(name);
    return found == by_name_.end() ? nullptr : found->second.symbol;
  }

 private:
  struct Found {
    const elf::Symbol* symbol;
    bool strong;
  };
  std::unordered_map<std::string_view, Found> by_name_;
};

/// The id of a plain 4-byte int of a BTF, 0 when it has none, looked for once: an object
/// may need it for tens of thousands of extern DATASECs and VARs, and have none.
class Int32Type {
 public:
  explicit Int32Type(const struct btf* btf) : btf_(btf) {}

  uint32_t id() {
    if (!searched_) {
      searched_ = true;
      const uint32_t count = btf__type_cnt(btf_);
      for (uint32_t id = 1; id < count && id_ == 0; ++id) {
        const struct btf_type* type = btf__type_by_id(btf_, id);
        if (type != nullptr && btf_is_int(type) && type->size == 4 && btf_int_bits(type) == 32 &&
            btf_int_offset(type) == 0 && (btf_int_encoding(type) & BTF_INT_BOOL) == 0)
          id_ = id;
      }
    }
    return id_;
  }

 private:
  const struct btf* btf_;
  bool searched_ = false;
  uint32_t id_ = 0;
};

/// True when `id` is void once const, volatile, restrict, type tags and typedefs are skipped.
bool is_void_after_modifiers(const struct btf* btf, uint32_t id) {
  for (int depth = 0; depth < 32; ++depth) {
    if (id == 0) return true;
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr || (!btf_is_mod(type) && !btf_is_typedef(type))) return false;
    id = type->type;
  }
  return false;
}

/// The kernel refuses extern DATASECs (.kconfig, .ksyms: extern VARs, FUNCs as entries,
/// size 0). Nothing the kernel sees refers to them (the loader builds the .kconfig map
/// without BTF, kfuncs and ksyms carry vmlinux ids), so the record is rewritten in place,
/// same size, as an anonymous union of ints, one member per entry, which the kernel
/// accepts. Left alone when the BTF has no int to use.
void neutralise_extern_datasec(const struct btf* btf, const struct btf_type* datasec, size_t record,
                               ByteOrder order, Int32Type& int_type, std::vector<std::byte>& out) {
  const uint32_t int32 = int_type.id();
  if (int32 == 0) return;
  const uint16_t entries = btf_vlen(datasec);
  write_u32(out, record, 0, order);  // anonymous: ".kconfig" is no valid type name
  write_u32(out, record + 4, (uint32_t{BTF_KIND_UNION} << 24) | entries, order);
  write_u32(out, record + kTypeSizeField, 4, order);
  const struct btf_var_secinfo* infos = btf_var_secinfos(datasec);
  size_t at = record + sizeof(struct btf_type);
  for (uint16_t i = 0; i < entries; ++i) {
    const struct btf_type* entry = btf__type_by_id(btf, infos[i].type);
    write_u32(out, at, entry != nullptr ? entry->name_off : 0, order);  // struct btf_member: name_off, type, offset
    write_u32(out, at + 4, int32, order);
    write_u32(out, at + 8, 0, order);
    at += kSecinfoSize;
  }
}

/// Fixes one DATASEC whose record starts at `record` in `out`.
Status fix_datasec(const elf::View& view, const struct btf* btf, const struct btf_type* datasec, size_t record,
                   Int32Type& int_type, std::vector<std::byte>& out) {
  const std::string_view name = btfu::name_at(btf, datasec->name_off);
  if (name.empty()) return malformed(fmt::format("DATASEC at 0x{:x} has no name", record));
  // Extern sections have no ELF section; the loader resolves their externs itself.
  if (name == ".kconfig" || name == ".ksyms") {
    neutralise_extern_datasec(btf, datasec, record, view.byte_order(), int_type, out);
    return {};
  }

  const elf::Section* section = view.section(name);
  const bool fix_offsets = datasec->size == 0;
  if (fix_offsets) {
    if (section == nullptr || section->size == 0)
      return malformed(fmt::format("DATASEC '{}': no ELF section of that name to take its size from", name));
    if (section->size > UINT32_MAX)
      return malformed(fmt::format("DATASEC '{}': section size 0x{:x} does not fit", name, section->size));
    write_u32(out, record + kTypeSizeField, static_cast<uint32_t>(section->size), view.byte_order());
  }

  std::vector<struct btf_var_secinfo> infos(btf_var_secinfos(datasec), btf_var_secinfos(datasec) + btf_vlen(datasec));
  std::optional<VariableSymbols> symbols;
  if (fix_offsets) symbols.emplace(view, section->index);
  for (struct btf_var_secinfo& info : infos) {
    const struct btf_type* var = btf__type_by_id(btf, info.type);
    if (var == nullptr || !btf_is_var(var))
      return malformed(fmt::format("DATASEC '{}': entry type [{}] is not a variable", name, info.type));
    if (!fix_offsets || btf_var(var)->linkage == BTF_VAR_GLOBAL_EXTERN) continue;
    const std::string_view var_name = btfu::name_at(btf, var->name_off);
    const elf::Symbol* symbol = symbols->find(var_name);
    if (symbol == nullptr) {
      // Like libbpf, a static variable may lack a symbol; its offset stays as emitted.
      if (btf_var(var)->linkage == BTF_VAR_STATIC) continue;
      return malformed(fmt::format("DATASEC '{}': variable '{}' has no ELF symbol", name, var_name));
    }
    if (symbol->value > UINT32_MAX)
      return malformed(fmt::format("DATASEC '{}': variable '{}' offset 0x{:x} does not fit", name, var_name,
                                   symbol->value));
    info.offset = static_cast<uint32_t>(symbol->value);
  }
  // The kernel wants the variables of a section in ascending offset order.
  std::stable_sort(infos.begin(), infos.end(),
                   [](const btf_var_secinfo& a, const btf_var_secinfo& b) { return a.offset < b.offset; });
  size_t at = record + sizeof(struct btf_type);
  for (const struct btf_var_secinfo& info : infos) {
    write_u32(out, at, info.type, view.byte_order());
    write_u32(out, at + 4, info.offset, view.byte_order());
    write_u32(out, at + 8, info.size, view.byte_order());
    at += kSecinfoSize;
  }
  return {};
}

/// Names of the functions the object defines global or weak but with hidden or internal
/// visibility (`__hidden`, as usdt.bpf.h's bpf_usdt_arg): no other object can call them,
/// so libbpf marks their BTF FUNC static, and the verifier then checks them in their
/// callers' context instead of alone against their BTF argument types (where a pointer
/// argument may be NULL and the body that never checks it is refused).
std::unordered_set<std::string_view> hidden_function_names(const elf::View& view) {
  std::unordered_set<std::string_view> names;
  for (const elf::Symbol& symbol : view.symbols()) {
    if (symbol.type != STT_FUNC || symbol.bind == STB_LOCAL) continue;
    if (symbol.visibility == STV_HIDDEN || symbol.visibility == STV_INTERNAL) names.insert(symbol.name);
  }
  return names;
}

/// The kernel refuses a FUNC whose prototype has an unnamed argument, and clang names
/// none in the prototypes of extern functions (kfuncs): like libbpf, give each unnamed
/// argument a name, here the function's own, which is a valid identifier already in the
/// string section. `proto_record` is where the FUNC_PROTO's record starts in `out`.
void name_extern_arguments(const struct btf_type* func, const struct btf_type* proto, size_t proto_record,
                           ByteOrder order, std::vector<std::byte>& out) {
  const struct btf_param* params = btf_params(proto);
  for (uint16_t i = 0; i < btf_vlen(proto); ++i) {
    if (params[i].type == 0 || params[i].name_off != 0) continue;  // `...` has type 0 and no name
    write_u32(out, proto_record + sizeof(struct btf_type) + i * sizeof(struct btf_param), func->name_off, order);
  }
}

}  // namespace

Result<std::vector<std::byte>> fixup_btf_for_kernel(const elf::View& view, std::span<const std::byte> btf_bytes,
                                                    const struct btf* parsed) {
  if (btf_bytes.size() < kHeaderMinSize)
    return malformed(fmt::format("{} bytes are too few for a header", btf_bytes.size()));
  const uint16_t magic = view.read_u16(btf_bytes, 0);
  if (magic != kBtfMagic)
    return malformed(fmt::format("magic 0x{:x} is not 0x{:x} in the object's byte order", magic, kBtfMagic));
  const uint64_t header_size = view.read_u32(btf_bytes, 4);
  const uint64_t type_off = view.read_u32(btf_bytes, 8);
  const uint64_t type_len = view.read_u32(btf_bytes, 12);
  if (!elf::range_fits(header_size + type_off, type_len, btf_bytes.size()))
    return malformed(fmt::format("type section (offset 0x{:x}, length 0x{:x}) runs past the end 0x{:x}",
                                 header_size + type_off, type_len, btf_bytes.size()));

  // libbpf validated the whole thing and gives host-order access to each record;
  // the records keep their sizes in either byte order, so offsets carry over.
  if (parsed == nullptr) return malformed("libbpf cannot parse it");

  std::vector<std::byte> out(btf_bytes.begin(), btf_bytes.end());
  size_t record = header_size + type_off;
  const uint32_t count = btf__type_cnt(parsed);
  const std::unordered_set<std::string_view> hidden = hidden_function_names(view);
  std::vector<size_t> record_of(count, 0);
  std::vector<uint32_t> extern_funcs;
  Int32Type int_type(parsed);  // found on first need
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(parsed, id);
    const uint32_t size = type == nullptr ? 0 : btfu::record_size(type);
    if (size == 0 || !elf::range_fits(record, size, header_size + type_off + type_len))
      return malformed(fmt::format("type [{}] at 0x{:x} has an unknown kind or runs past the type section", id, record));
    record_of[id] = record;
    if (btf_is_datasec(type)) BPFLOAD_TRY(fix_datasec(view, parsed, type, record, int_type, out));
    // Extern linkage is the object's business; the kernel accepts only static and global.
    if (btf_is_func(type) && btf_vlen(type) == BTF_FUNC_EXTERN) {
      write_u32(out, record + 4, uint32_t{BTF_KIND_FUNC} << 24 | BTF_FUNC_STATIC, view.byte_order());
      extern_funcs.push_back(id);
    }
    if (btf_is_func(type) && btf_vlen(type) == BTF_FUNC_GLOBAL && hidden.contains(btfu::name_at(parsed, type->name_off)))
      write_u32(out, record + 4, uint32_t{BTF_KIND_FUNC} << 24 | BTF_FUNC_STATIC, view.byte_order());
    if (btf_is_var(type) && btf_var(type)->linkage == BTF_VAR_GLOBAL_EXTERN) {
      write_u32(out, record + sizeof(struct btf_type), BTF_VAR_GLOBAL_ALLOCATED, view.byte_order());
      // An untyped ksym (`extern const void x __ksym;`) is a VAR of void, which the kernel
      // refuses ("Invalid type_id"); libbpf gives every .ksyms VAR an int type.
      if (is_void_after_modifiers(parsed, type->type)) {
        if (const uint32_t int32 = int_type.id(); int32 != 0)
          write_u32(out, record + kTypeSizeField, int32, view.byte_order());
      }
    }
    record += size;
  }
  if (record != header_size + type_off + type_len)
    return malformed(fmt::format("type records end at 0x{:x}, not at the type section end 0x{:x}", record,
                                 header_size + type_off + type_len));
  for (const uint32_t id : extern_funcs) {
    const struct btf_type* func = btf__type_by_id(parsed, id);
    const struct btf_type* proto = btf__type_by_id(parsed, func->type);
    // libbpf checked that a FUNC's type is a FUNC_PROTO; the id is below `count`.
    if (proto == nullptr || !btf_is_func_proto(proto) || func->type >= count) continue;
    name_extern_arguments(func, proto, record_of[func->type], view.byte_order(), out);
  }
  return out;
}

}  // namespace bpfload
