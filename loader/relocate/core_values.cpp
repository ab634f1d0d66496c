// libbpf's bpf_core_calc_*_relo and bpf_core_patch_insn, on bpfload's instructions.
#include "core_values.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>

#include <bit>
#include <climits>

#include <fmt/format.h>

#include "bpfload/core_relocate.hpp"

namespace bpfload::core {
namespace {

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }

struct FieldValue {
  uint64_t value = 0;
  uint32_t size = 0;     ///< byte_off only: the loaded field's size
  uint32_t type_id = 0;  ///< byte_off only: the field's type (modifiers skipped)
  bool bitfield = false;
  bool poison = false;
};

Result<FieldValue> field_value(const AccessSpec* spec, uint32_t kind) {
  FieldValue out;
  if (kind == static_cast<uint32_t>(CoreKind::FieldExists)) {
    out.value = spec != nullptr ? 1 : 0;
    return out;
  }
  if (spec == nullptr) {
    out.poison = true;
    return out;
  }
  const Accessor& last = spec->accessors.back();
  if (last.name.empty()) {
    // The access ends at an array element (or the root itself).
    const int64_t size = btf__resolve_size(spec->btf, last.type_id);
    if (size < 0) return malformed(fmt::format("{} has no size", type_label(spec->btf, last.type_id)));
    if (kind == static_cast<uint32_t>(CoreKind::FieldByteOffset)) {
      out.value = spec->bit_offset / 8;
      out.size = static_cast<uint32_t>(size);
      out.type_id = last.type_id;
    } else if (kind == static_cast<uint32_t>(CoreKind::FieldByteSize)) {
      out.value = static_cast<uint64_t>(size);
    } else {
      return make_error(ErrorKind::Unsupported,
                        fmt::format("{} does not apply to an array element", core_kind_name(kind)));
    }
    return out;
  }
  const struct btf_type* holder = btf__type_by_id(spec->btf, last.type_id);
  const struct btf_member* member = btf_members(holder) + last.index;
  uint32_t field_type_id = member->type;
  const struct btf_type* field = skip_mods_and_typedefs(spec->btf, field_type_id);
  if (field == nullptr) return malformed(fmt::format("member '{}' has a type out of range", last.name));
  const uint64_t bit_offset = spec->bit_offset;
  uint64_t bit_size = btf_member_bitfield_size(holder, last.index);
  uint64_t byte_offset = 0;
  uint64_t byte_size = 0;
  out.bitfield = bit_size > 0;
  if (out.bitfield) {
    byte_size = field->size;
    if (byte_size == 0) return malformed(fmt::format("bitfield '{}' has a type of size 0", last.name));
    byte_offset = bit_offset / 8 / byte_size * byte_size;
    // The smallest load that holds the whole bitfield.
    while (bit_offset + bit_size - byte_offset * 8 > byte_size * 8) {
      if (byte_size >= 8)
        return make_error(ErrorKind::Unsupported,
                          fmt::format("bitfield '{}' cannot be read with a 64-bit load", last.name));
      byte_size *= 2;
      byte_offset = bit_offset / 8 / byte_size * byte_size;
    }
  } else {
    const int64_t size = btf__resolve_size(spec->btf, field_type_id);
    if (size < 0) return malformed(fmt::format("member '{}' has no size", last.name));
    byte_size = static_cast<uint64_t>(size);
    byte_offset = bit_offset / 8;
    bit_size = byte_size * 8;
  }
  switch (static_cast<CoreKind>(kind)) {
    case CoreKind::FieldByteOffset:
      out.value = byte_offset;
      if (!out.bitfield) {
        out.size = static_cast<uint32_t>(byte_size);
        out.type_id = field_type_id;
      }
      break;
    case CoreKind::FieldByteSize:
      out.value = byte_size;
      break;
    case CoreKind::FieldSigned:
      out.value = (btf_is_any_enum(field) && btf_kflag(field)) ||
                  (btf_is_int(field) && (btf_int_encoding(field) & BTF_INT_SIGNED) != 0);
      break;
    case CoreKind::FieldLshiftU64:
      if constexpr (std::endian::native == std::endian::little)
        out.value = 64 - (bit_offset + bit_size - byte_offset * 8);
      else
        out.value = (8 - byte_size) * 8 + (bit_offset - byte_offset * 8);
      break;
    case CoreKind::FieldRshiftU64:
      out.value = 64 - bit_size;
      break;
    default:
      return make_error(ErrorKind::Unsupported, fmt::format("relocation kind {} is not a field kind", kind));
  }
  return out;
}

Result<uint64_t> type_value(const AccessSpec* spec, uint32_t kind) {
  if (spec == nullptr) return uint64_t{0};
  switch (static_cast<CoreKind>(kind)) {
    case CoreKind::TypeIdTarget: return uint64_t{spec->root_type_id};
    case CoreKind::TypeExists:
    case CoreKind::TypeMatches: return uint64_t{1};
    case CoreKind::TypeSize: {
      const int64_t size = btf__resolve_size(spec->btf, spec->root_type_id);
      if (size < 0) return malformed(fmt::format("{} has no size", type_label(spec->btf, spec->root_type_id)));
      return static_cast<uint64_t>(size);
    }
    default: return make_error(ErrorKind::Unsupported, fmt::format("relocation kind {} is not a type kind", kind));
  }
}

// nullopt: poison (the value of an enumerator the target does not have).
std::optional<uint64_t> enum_value(const AccessSpec* spec, uint32_t kind) {
  if (kind == static_cast<uint32_t>(CoreKind::EnumvalExists)) return spec != nullptr ? 1 : 0;
  if (spec == nullptr) return std::nullopt;
  const Accessor& enumerator = spec->accessors.front();
  const struct btf_type* type = btf__type_by_id(spec->btf, enumerator.type_id);
  if (btf_is_enum(type)) return static_cast<uint64_t>(static_cast<int64_t>(btf_enum(type)[enumerator.index].val));
  return btf_enum64_value(btf_enum64(type) + enumerator.index);
}

bool is_unsigned_int(const struct btf_type* type) {
  return type != nullptr && btf_is_int(type) && (btf_int_encoding(type) & BTF_INT_SIGNED) == 0;
}

// BPF_B/H/W/DW by byte count; -1 for other sizes.
int size_code(uint32_t bytes) {
  switch (bytes) {
    case 1: return BPF_B;
    case 2: return BPF_H;
    case 4: return BPF_W;
    case 8: return BPF_DW;
    default: return -1;
  }
}

uint32_t size_bytes(uint8_t code) {
  switch (BPF_SIZE(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
}

void poison(Instruction& insn) {
  insn = Instruction{};
  insn.code = BPF_JMP | BPF_CALL;
  insn.imm = kCorePoisonImm;
}

}  // namespace

Result<RelocationValue> compute_value(const AccessSpec& local, const AccessSpec* target) {
  RelocationValue out;
  const uint32_t kind = local.kind;
  if (is_field_kind(kind)) {
    Result<FieldValue> mine = field_value(&local, kind);
    if (!mine.ok()) return std::move(mine).error();
    Result<FieldValue> theirs = field_value(target, kind);
    if (!theirs.ok()) return std::move(theirs).error();
    out.local = mine->value;
    out.target = theirs->value;
    out.poison = theirs->poison;
    // Bitfield offsets and shifts may legitimately differ from clang's choice; signedness
    // and the right shift never do.
    out.validate = !mine->bitfield || kind == static_cast<uint32_t>(CoreKind::FieldSigned) ||
                   kind == static_cast<uint32_t>(CoreKind::FieldRshiftU64);
    out.local_size = mine->size;
    out.target_size = theirs->size;
    if (!out.poison && out.local_size != out.target_size) {
      // Narrowing or widening a load is right only for pointers (the kernel's may be
      // 32-bit) and unsigned integers (zero extension keeps the value).
      const struct btf_type* lt = btf__type_by_id(local.btf, mine->type_id);
      const struct btf_type* tt = btf__type_by_id(target->btf, theirs->type_id);
      const bool pointers = lt != nullptr && tt != nullptr && btf_is_ptr(lt) && btf_is_ptr(tt);
      out.size_change_unsafe = !pointers && !(is_unsigned_int(lt) && is_unsigned_int(tt));
    }
    return out;
  }
  if (is_type_kind(kind)) {
    if (kind == static_cast<uint32_t>(CoreKind::TypeIdLocal)) {
      out.local = out.target = local.root_type_id;
      out.validate = false;  // linking may renumber type ids
      return out;
    }
    Result<uint64_t> mine = type_value(&local, kind);
    if (!mine.ok()) return std::move(mine).error();
    Result<uint64_t> theirs = type_value(target, kind);
    if (!theirs.ok()) return std::move(theirs).error();
    out.local = *mine;
    out.target = *theirs;
    out.validate = kind != static_cast<uint32_t>(CoreKind::TypeIdTarget);
    return out;
  }
  if (is_enumval_kind(kind)) {
    out.local = enum_value(&local, kind).value_or(0);
    const std::optional<uint64_t> theirs = enum_value(target, kind);
    out.poison = !theirs.has_value();
    out.target = theirs.value_or(0);
    return out;
  }
  return make_error(ErrorKind::Unsupported, fmt::format("relocation kind {} is unknown", kind));
}

Status patch_instruction(std::vector<Instruction>& insns, size_t at, const RelocationValue& value) {
  Instruction& insn = insns[at];
  const bool ld_imm64 = insn.code == (BPF_LD | BPF_IMM | BPF_DW);
  if (ld_imm64 && at + 1 >= insns.size()) return malformed("an ld_imm64 without its second half");
  const auto poison_here = [&] {
    if (ld_imm64) poison(insns[at + 1]);
    poison(insn);
  };
  if (value.poison) {
    poison_here();
    return {};
  }
  switch (BPF_CLASS(insn.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      if (BPF_SRC(insn.code) != BPF_K) return malformed("an ALU instruction with a register operand");
      if (value.validate && static_cast<uint64_t>(static_cast<int64_t>(insn.imm)) != value.local)
        return malformed(fmt::format("the ALU instruction holds {}, not the {} the object's BTF gives", insn.imm,
                                     value.local));
      insn.imm = static_cast<int32_t>(value.target);
      return {};
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (value.validate && static_cast<uint64_t>(static_cast<int64_t>(insn.off)) != value.local)
        return malformed(fmt::format("the memory access has offset {}, not the {} the object's BTF gives", insn.off,
                                     value.local));
      if (value.target > SHRT_MAX)
        return malformed(fmt::format("offset {} does not fit a memory access instruction", value.target));
      if (value.size_change_unsafe) {
        // libbpf poisons too: a load of another size would read a wrong value.
        poison_here();
        return {};
      }
      insn.off = static_cast<int16_t>(value.target);
      if (value.local_size != value.target_size) {
        if (size_bytes(insn.code) != value.local_size)
          return malformed(fmt::format("the access is {} bytes, not the field's {}", size_bytes(insn.code),
                                       value.local_size));
        const int code = size_code(value.target_size);
        if (code < 0) return malformed(fmt::format("the target field is {} bytes, no load size", value.target_size));
        insn.code = static_cast<uint8_t>(BPF_MODE(insn.code) | code | BPF_CLASS(insn.code));
      }
      return {};
    }
    case BPF_LD: {
      const Instruction& high = insns[at + 1];
      if (!ld_imm64 || insn.src != 0 || insn.off != 0 || high.code != 0 || high.dst != 0 || high.src != 0 ||
          high.off != 0)
        return malformed("an ld_imm64 of an unexpected form");
      const uint64_t imm = static_cast<uint32_t>(insn.imm) | (static_cast<uint64_t>(static_cast<uint32_t>(high.imm)) << 32);
      if (value.validate && imm != value.local)
        return malformed(fmt::format("the ld_imm64 holds {}, not the {} the object's BTF gives", imm, value.local));
      insn.imm = static_cast<int32_t>(static_cast<uint32_t>(value.target));
      insns[at + 1].imm = static_cast<int32_t>(static_cast<uint32_t>(value.target >> 32));
      return {};
    }
    default:
      return malformed(fmt::format("instruction code 0x{:02x} is not one a CO-RE relocation applies to", insn.code));
  }
}

}  // namespace bpfload::core
