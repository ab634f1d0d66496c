// .kconfig, kfunc and typed .ksyms externs, following libbpf's bpf_object__resolve_externs
// and bpf_object__relocate_data.
#include "bpfload/externs.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "bpfload/core_relocate.hpp"
#include "core_access.hpp"

namespace bpfload {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;

// An extern as the object's BTF declares it.
struct Declared {
  ExternSection section = ExternSection::Unknown;
  uint32_t type_id = 0;  ///< the VAR's type (0: void, an untyped ksym) or the FUNC's id
  bool function = false;
};

std::optional<Declared> declared_in_btf(const struct btf* btf, const std::string& name) {
  if (btf == nullptr) return std::nullopt;
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr || !btf_is_datasec(type)) continue;
    const char* section_name = btf__name_by_offset(btf, type->name_off);
    if (section_name == nullptr) continue;
    const std::string_view section(section_name);
    if (section != ".kconfig" && section != ".ksyms") continue;
    const struct btf_var_secinfo* vars = btf_var_secinfos(type);
    for (int i = 0; i < btf_vlen(type); ++i) {
      const struct btf_type* var = btf__type_by_id(btf, vars[i].type);
      if (var == nullptr) continue;
      const char* var_name = btf__name_by_offset(btf, var->name_off);
      if (var_name == nullptr || name != var_name) continue;
      Declared out;
      out.section = section == ".kconfig" ? ExternSection::Kconfig : ExternSection::Ksyms;
      out.function = btf_is_func(var);
      out.type_id = out.function ? vars[i].type : var->type;
      return out;
    }
  }
  return std::nullopt;
}

// The bytes of one .kconfig value, sized and encoded for the extern's type.
struct KconfigType {
  enum class Kind { Bool, Char, Tristate, Int, CharArray } kind = Kind::Int;
  uint32_t size = 0;
  bool is_signed = false;
};

Result<KconfigType> kconfig_type(const struct btf* btf, uint32_t type_id, const std::string& name) {
  uint32_t id = type_id;
  const struct btf_type* type = core::skip_mods_and_typedefs(btf, id);
  const auto bad = [&] {
    return make_error(ErrorKind::Malformed,
                      fmt::format(".kconfig extern '{}': its type is not a bool, char, integer, enum "
                                  "(tristate) or char array",
                                  name));
  };
  if (type == nullptr) return bad();
  KconfigType out;
  if (btf_is_int(type)) {
    const uint8_t encoding = btf_int_encoding(type);
    out.size = type->size;
    out.is_signed = (encoding & BTF_INT_SIGNED) != 0;
    if ((encoding & BTF_INT_BOOL) != 0) out.kind = KconfigType::Kind::Bool;
    else if ((encoding & BTF_INT_CHAR) != 0 || type->size == 1) out.kind = KconfigType::Kind::Char;
    else out.kind = KconfigType::Kind::Int;
    if (out.size == 0 || out.size > 8) return bad();
    return out;
  }
  if (btf_is_any_enum(type)) {
    out.kind = KconfigType::Kind::Tristate;
    out.size = type->size;
    if (out.size == 0 || out.size > 8) return bad();
    return out;
  }
  if (btf_is_array(type)) {
    uint32_t element = btf_array(type)->type;
    const struct btf_type* element_type = core::skip_mods_and_typedefs(btf, element);
    if (element_type == nullptr || !btf_is_int(element_type) || element_type->size != 1) return bad();
    out.kind = KconfigType::Kind::CharArray;
    out.size = btf_array(type)->nelems;
    if (out.size == 0) return bad();
    return out;
  }
  return bad();
}

void put_integer(std::vector<std::byte>& bytes, uint64_t at, uint64_t value, uint32_t size) {
  // Host byte order: the map is read by the program on this host.
  std::memcpy(bytes.data() + at, &value, size);  // little-endian hosts: the low bytes first
}

// The value of `name` for `type`, or nullopt when the kernel has none for it.
Result<std::optional<std::vector<std::byte>>> kconfig_value(const std::string& name, const KconfigType& type,
                                                           const KernelFacts& facts) {
  std::vector<std::byte> bytes(type.size);
  const auto integer = [&](uint64_t value) -> Result<std::optional<std::vector<std::byte>>> {
    if (type.kind == KconfigType::Kind::CharArray)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format(".kconfig extern '{}': the value is a number but the extern is a char array", name));
    if (type.kind == KconfigType::Kind::Bool && value > 1)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format(".kconfig extern '{}': value {} in a bool extern", name, value));
    put_integer(bytes, 0, value, type.size);
    return std::optional(std::move(bytes));
  };
  if (name == "LINUX_KERNEL_VERSION") return integer(facts.version_code);
  if (name == "LINUX_HAS_BPF_COOKIE") return integer(facts.has_bpf_cookie ? 1 : 0);
  if (name == "LINUX_HAS_SYSCALL_WRAPPER") return integer(facts.has_syscall_wrapper ? 1 : 0);
  if (!name.starts_with("CONFIG_")) return std::optional<std::vector<std::byte>>{};
  const auto found = facts.config.find(name);
  if (found == facts.config.end()) return std::optional<std::vector<std::byte>>{};
  const std::string& text = found->second;
  if (text == "y") return integer(1);
  if (text == "n") return integer(0);
  if (text == "m") {
    if (type.kind == KconfigType::Kind::Bool)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format(".kconfig extern '{}' is a bool but the kernel builds it as a module (m); "
                                    "declare it as enum libbpf_tristate",
                                    name));
    return integer(2);
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    if (type.kind != KconfigType::Kind::CharArray)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format(".kconfig extern '{}': the value is a string but the extern is not a char array",
                                    name));
    const std::string_view value = std::string_view(text).substr(1, text.size() - 2);
    // Cut to fit with its NUL, as libbpf does (it warns).
    const size_t n = std::min<size_t>(value.size(), type.size - 1);
    std::memcpy(bytes.data(), value.data(), n);
    return std::optional(std::move(bytes));
  }
  int64_t number = 0;
  const bool hex = text.starts_with("0x") || text.starts_with("0X");
  const char* begin = text.data() + (hex ? 2 : 0);
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), number, hex ? 16 : 10);
  if (error != std::errc() || end != text.data() + text.size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format(".kconfig extern '{}': the kernel's value '{}' is no number, y, n, m or string", name,
                                  text));
  return integer(static_cast<uint64_t>(number));
}

class ExternResolver {
 public:
  ExternResolver(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts, std::vector<std::string>& notes)
      : spec_(spec), target_(target), facts_(facts), notes_(notes) {}

  Status run() {
    if (spec_.externs.empty()) return {};
    const struct btf* local = spec_.btf != nullptr ? spec_.btf->get() : nullptr;
    std::vector<std::byte> kconfig;
    // Per extern: the rewrite its references get.
    std::vector<std::optional<uint64_t>> kconfig_offset(spec_.externs.size());
    std::vector<std::optional<std::pair<uint8_t, int32_t>>> kernel_btf(spec_.externs.size());  // src, imm
    for (size_t e = 0; e < spec_.externs.size(); ++e) {
      const ExternSpec& external = spec_.externs[e];
      const std::optional<Declared> declared = declared_in_btf(local, external.name);
      if (!declared) continue;  // from another object: the loader refuses it
      if (declared->section == ExternSection::Kconfig) {
        if (facts_ == nullptr)
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format(".kconfig extern '{}': no kernel facts given", external.name));
        Result<KconfigType> type = kconfig_type(local, declared->type_id, external.name);
        if (!type.ok()) return std::move(type).error();
        Result<std::optional<std::vector<std::byte>>> value = kconfig_value(external.name, *type, *facts_);
        if (!value.ok()) return std::move(value).error();
        // An option absent from the configuration is "not set": 0. libbpf refuses a
        // non-weak one instead; the spec does not record ELF weakness, so bpfload cannot tell.
        const uint32_t align = type->kind == KconfigType::Kind::CharArray ? 1 : type->size;
        const uint64_t offset = (kconfig.size() + align - 1) / align * align;
        kconfig.resize(offset + type->size);
        if (value->has_value()) std::memcpy(kconfig.data() + offset, (*value)->data(), type->size);
        kconfig_offset[e] = offset;
        notes_.push_back(fmt::format(".kconfig extern '{}' = {}", external.name,
                                     value->has_value() ? describe_value(**value, *type) : "0 (not set)"));
        continue;
      }
      if (target_ == nullptr || target_->vmlinux == nullptr) continue;
      const struct btf* vmlinux = target_->vmlinux.get();
      if (external.kind == ExternSpec::Kind::Function || declared->function) {
        const int32_t id = btf__find_by_name_kind(vmlinux, external.name.c_str(), BTF_KIND_FUNC);
        if (id > 0) {
          kernel_btf[e] = {static_cast<uint8_t>(BPF_PSEUDO_KFUNC_CALL), id};
          notes_.push_back(fmt::format("kfunc '{}' = vmlinux BTF id {}", external.name, id));
        }
        continue;
      }
      if (declared->type_id == 0) continue;  // untyped ksym: needs kallsyms, not done
      const int32_t id = btf__find_by_name_kind(vmlinux, external.name.c_str(), BTF_KIND_VAR);
      if (id > 0) {
        kernel_btf[e] = {static_cast<uint8_t>(BPF_PSEUDO_BTF_ID), id};
        notes_.push_back(fmt::format("ksym '{}' = vmlinux BTF id {}", external.name, id));
      }
    }

    std::optional<uint32_t> kconfig_section;
    if (!kconfig.empty()) {
      DataSectionSpec section;
      section.name = ".kconfig";
      kconfig.resize((kconfig.size() + 7) / 8 * 8);
      section.bytes = std::move(kconfig);
      section.readonly = true;
      kconfig_section = static_cast<uint32_t>(spec_.data_sections.size());
      spec_.data_sections.push_back(std::move(section));
    }
    for (FunctionSpec& function : spec_.functions) {
      std::vector<Relocation> kept;
      for (Relocation& relocation : function.relocations) {
        if (relocation.kind != Relocation::Kind::Extern || relocation.target >= spec_.externs.size()) {
          kept.push_back(std::move(relocation));
          continue;
        }
        const uint32_t e = relocation.target;
        const auto where = [&] {
          return fmt::format("function '{}' instruction {} (extern '{}')", function.name, relocation.insn,
                             relocation.symbol);
        };
        if (relocation.insn >= function.insns.size())
          return make_error(ErrorKind::Malformed, fmt::format("{}: past the function", where()));
        Instruction& insn = function.insns[relocation.insn];
        if (kconfig_offset[e]) {
          relocation.kind = Relocation::Kind::Data;
          relocation.target = *kconfig_section;
          relocation.offset = *kconfig_offset[e];
          kept.push_back(std::move(relocation));
          continue;
        }
        if (!kernel_btf[e]) {
          kept.push_back(std::move(relocation));
          continue;
        }
        const auto [src, id] = *kernel_btf[e];
        if (src == BPF_PSEUDO_KFUNC_CALL) {
          if (insn.code != kCall)
            return make_error(ErrorKind::Malformed, fmt::format("{}: a kfunc reference that is not a call", where()));
          insn.src = src;
          insn.imm = id;
          insn.off = 0;  // 0: vmlinux BTF, no fd_array slot
          continue;
        }
        if (insn.code != kLdImm64 || relocation.insn + 1 >= function.insns.size())
          return make_error(ErrorKind::Malformed, fmt::format("{}: a ksym reference that is not an ld_imm64", where()));
        insn.src = src;
        insn.imm = id;
        function.insns[relocation.insn + 1].imm = 0;  // the BTF object fd: 0 for vmlinux
      }
      function.relocations = std::move(kept);
    }
    return {};
  }

 private:
  static std::string describe_value(const std::vector<std::byte>& bytes, const KconfigType& type) {
    if (type.kind == KconfigType::Kind::CharArray)
      return fmt::format("\"{}\"", std::string(reinterpret_cast<const char*>(bytes.data()),
                                               strnlen(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
    uint64_t value = 0;
    std::memcpy(&value, bytes.data(), std::min<size_t>(bytes.size(), sizeof(value)));
    return std::to_string(value);
  }

  ObjectSpec& spec_;
  const TargetBtf* target_;
  const KernelFacts* facts_;
  std::vector<std::string>& notes_;
};

}  // namespace

ExternSection extern_section(const ObjectSpec& spec, const std::string& name) {
  const std::optional<Declared> declared = declared_in_btf(spec.btf != nullptr ? spec.btf->get() : nullptr, name);
  return declared ? declared->section : ExternSection::Unknown;
}

bool has_externs(const ObjectSpec& spec) noexcept { return !spec.externs.empty(); }

bool needs_kernel_facts(const ObjectSpec& spec) {
  for (const ExternSpec& external : spec.externs)
    if (extern_section(spec, external.name) == ExternSection::Kconfig) return true;
  return false;
}

Status resolve_externs(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts,
                       std::vector<std::string>& notes) {
  return ExternResolver(spec, target, facts, notes).run();
}

}  // namespace bpfload
