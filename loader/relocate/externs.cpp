// .kconfig, kfunc and typed .ksyms externs, following libbpf's bpf_object__resolve_externs
// and bpf_object__relocate_data.
#include "bpfload/externs.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "bpfload/core_relocate.hpp"
#include "core_access.hpp"
#include "target_type_lookup.hpp"

namespace bpfload {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
// The .kconfig map holds the object's kconfig externs; their sizes come from the object's
// BTF, so the map is bounded (libbpf's largest real use is a few hundred bytes).
constexpr uint64_t kMaxKconfigBytes = uint64_t{1} << 20;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;

// An extern as the object's BTF declares it.
struct Declared {
  ExternSection section = ExternSection::Unknown;
  uint32_t type_id = 0;  ///< the VAR's type (0: void, an untyped ksym) or the FUNC's id
  bool function = false;
};

// Every extern the object's BTF declares in .kconfig or .ksyms, by name, from one pass
// over its types: an object may declare tens of thousands, and each is looked up once.
// The first declaration of a name wins, as a scan in type order would find it.
class DeclaredExterns {
 public:
  explicit DeclaredExterns(const struct btf* btf) {
    if (btf == nullptr) return;
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
        if (var_name == nullptr) continue;
        Declared out;
        out.section = section == ".kconfig" ? ExternSection::Kconfig : ExternSection::Ksyms;
        out.function = btf_is_func(var);
        out.type_id = out.function ? vars[i].type : var->type;
        by_name_.try_emplace(var_name, out);
      }
    }
  }

  [[nodiscard]] std::optional<Declared> find(std::string_view name) const {
    const auto found = by_name_.find(name);
    if (found == by_name_.end()) return std::nullopt;
    return found->second;
  }

 private:
  std::unordered_map<std::string_view, Declared> by_name_;  ///< views into the BTF's strings
};

const struct btf* local_btf(const ObjectSpec& spec) { return spec.btf != nullptr ? spec.btf->get() : nullptr; }

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
    // libbpf's sizes: an int extern of 3, 5, 6 or 7 bytes has no load of its size.
    if (out.size != 1 && out.size != 2 && out.size != 4 && out.size != 8) return bad();
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
    // The size comes from the object: bound it before anything is allocated for it.
    if (out.size == 0 || out.size > kMaxKconfigBytes) return bad();
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
    // As libbpf (ERANGE): a value that does not fit is refused, never truncated.
    if (type.size < 8) {
      const unsigned bits = type.size * 8;
      const bool fits = type.is_signed
                            ? static_cast<int64_t>(value) >= -(int64_t{1} << (bits - 1)) &&
                                  static_cast<int64_t>(value) < (int64_t{1} << (bits - 1))
                            : value < (uint64_t{1} << bits);
      if (!fits)
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format(".kconfig extern '{}': the kernel's value {} does not fit its {} bytes; "
                                      "declare it wider",
                                      name, static_cast<int64_t>(value), type.size));
    }
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
  if (text == "y" || text == "n" || text == "m") {
    const uint64_t tristate = text == "y" ? 1 : text == "n" ? 0 : 2;
    switch (type.kind) {
      case KconfigType::Kind::Char:
        // libbpf stores the letter in a char extern: `CONFIG_X == 'y'`.
        bytes[0] = static_cast<std::byte>(text[0]);
        return std::optional(std::move(bytes));
      case KconfigType::Kind::Bool:
        if (text == "m")
          return make_error(ErrorKind::InvalidArgument,
                            fmt::format(".kconfig extern '{}' is a bool but the kernel builds it as a module (m); "
                                        "declare it as enum libbpf_tristate",
                                        name));
        return integer(tristate);
      case KconfigType::Kind::Tristate: return integer(tristate);
      case KconfigType::Kind::Int:
      case KconfigType::Kind::CharArray:
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format(".kconfig extern '{}': the kernel's value '{}' is a tristate; declare the "
                                      "extern as bool, char or enum libbpf_tristate",
                                      name, text));
    }
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
  // strtoull with base 0, as libbpf: decimal, 0x hex (CONFIG_ILLEGAL_POINTER_VALUE is
  // 0xdead000000000000, over INT64_MAX) and 0 octal; a leading '-' for negative values.
  const bool negative = text.starts_with("-");
  const std::string digits = negative ? text.substr(1) : text;
  errno = 0;
  char* end = nullptr;
  const unsigned long long parsed = digits.empty() || digits[0] == '-' || digits[0] == '+' || std::isspace(static_cast<unsigned char>(digits[0]))
                                        ? 0
                                        : std::strtoull(digits.c_str(), &end, 0);
  if (digits.empty() || end == nullptr || *end != '\0' || errno == ERANGE)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format(".kconfig extern '{}': the kernel's value '{}' is no number, y, n, m or string", name,
                                  text));
  const uint64_t number = negative ? static_cast<uint64_t>(-static_cast<int64_t>(parsed)) : parsed;
  return integer(number);
}

// What one extern resolved to; its references are rewritten from it.
struct Resolution {
  enum class How {
    Unresolved,  ///< left an Extern relocation (another object's, or no target BTF)
    Kconfig,     ///< a value in the .kconfig section at `offset`
    KernelBtf,   ///< BTF id `btf_id` in vmlinux (module 0) or module `module` - 1
    Address,     ///< a constant `address`: a kallsyms address, or 0 for a weak absent extern
  };
  How how = How::Unresolved;
  uint64_t offset = 0;
  int32_t btf_id = 0;
  uint32_t module = 0;    ///< fd_array slot: 0 vmlinux, else index into kernel_btf_modules + 1
  uint64_t address = 0;
  bool absent = false;    ///< Address because a weak extern is missing: calls are poisoned
};

// A kernel BTF id of `name` of `kind`: vmlinux first, then each module's own types (split
// BTF would find vmlinux's again through its base), as libbpf's find_ksym_btf_id.
struct KernelBtfId {
  int32_t id = 0;
  std::string module;  ///< empty: vmlinux
};

std::optional<KernelBtfId> find_kernel_btf_id(TargetTypeLookup& lookup, const std::string& name, uint32_t kind) {
  const std::optional<TargetTypeLookup::Found> found = lookup.first_named(name, kind);
  if (!found) return std::nullopt;
  return KernelBtfId{static_cast<int32_t>(found->id), found->module == nullptr ? std::string() : found->module->name};
}

// A VAR whose type, const and typedefs skipped, is void: `extern const void x __ksym;`.
bool is_untyped(const struct btf* btf, const Declared& declared) {
  if (declared.function) return false;
  uint32_t id = declared.type_id;
  if (id == 0) return true;
  const struct btf_type* type = core::skip_mods_and_typedefs(btf, id);
  return type != nullptr && id == 0;
}

class ExternResolver {
 public:
  ExternResolver(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts, const KernelSymbols* symbols,
                 std::vector<std::string>& notes)
      : spec_(spec), target_(target), facts_(facts), symbols_(symbols), notes_(notes) {}

  Status run() {
    if (spec_.externs.empty()) return {};
    const struct btf* local = local_btf(spec_);
    const DeclaredExterns declarations(local);
    std::vector<Resolution> resolved(spec_.externs.size());
    for (size_t e = 0; e < spec_.externs.size(); ++e) {
      const ExternSpec& external = spec_.externs[e];
      const std::optional<Declared> declared = declarations.find(external.name);
      if (!declared) continue;  // from another object: the loader refuses it
      Result<Resolution> one = declared->section == ExternSection::Kconfig ? resolve_kconfig(external, *declared)
                               : is_untyped(local, *declared)              ? resolve_untyped(external)
                                                                           : resolve_typed(external, *declared);
      if (!one.ok()) return std::move(one).error();
      resolved[e] = *one;
    }

    std::optional<uint32_t> kconfig_section;
    if (!kconfig_.empty()) {
      DataSectionSpec section;
      section.name = ".kconfig";
      kconfig_.resize((kconfig_.size() + 7) / 8 * 8);
      section.bytes = std::move(kconfig_);
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
        const Resolution& resolution = resolved[e];
        const auto where = [&] {
          return fmt::format("function '{}' instruction {} (extern '{}')", function.name, relocation.insn,
                             relocation.symbol);
        };
        if (relocation.insn >= function.insns.size())
          return make_error(ErrorKind::Malformed, fmt::format("{}: past the function", where()));
        Instruction& insn = function.insns[relocation.insn];
        const bool is_load = insn.code == kLdImm64 && relocation.insn + 1 < function.insns.size();
        switch (resolution.how) {
          case Resolution::How::Unresolved:
            kept.push_back(std::move(relocation));
            continue;
          case Resolution::How::Kconfig:
            relocation.kind = Relocation::Kind::Data;
            relocation.target = *kconfig_section;
            relocation.offset = resolution.offset;
            kept.push_back(std::move(relocation));
            continue;
          case Resolution::How::Address:
            if (insn.code == kCall && resolution.absent && spec_.externs[e].kind == ExternSpec::Kind::Function) {
              // libbpf's poison_kfunc_call: an invalid helper the verifier names only if reached.
              insn = Instruction{kCall, 0, 0, 0, kPoisonKfuncCallBase + static_cast<int32_t>(e)};
              continue;
            }
            if (!is_load)
              return make_error(ErrorKind::Malformed,
                                fmt::format("{}: a ksym address used by an instruction that is not an ld_imm64 "
                                            "(code 0x{:02x})",
                                            where(), insn.code));
            insn.src = 0;
            insn.imm = static_cast<int32_t>(static_cast<uint32_t>(resolution.address));
            function.insns[relocation.insn + 1].imm = static_cast<int32_t>(static_cast<uint32_t>(resolution.address >> 32));
            continue;
          case Resolution::How::KernelBtf:
            break;
        }
        if (insn.code == kCall) {
          if (spec_.externs[e].kind != ExternSpec::Kind::Function)
            return make_error(ErrorKind::Malformed, fmt::format("{}: a call to a ksym variable", where()));
          insn.src = BPF_PSEUDO_KFUNC_CALL;
          insn.imm = resolution.btf_id;
          insn.off = static_cast<int16_t>(resolution.module);  // fd_array slot; 0: vmlinux
          continue;
        }
        if (!is_load)
          return make_error(ErrorKind::Malformed,
                            fmt::format("{}: a ksym reference that is neither a call nor an ld_imm64 (code 0x{:02x})",
                                        where(), insn.code));
        insn.src = BPF_PSEUDO_BTF_ID;
        insn.imm = resolution.btf_id;
        function.insns[relocation.insn + 1].imm = 0;  // the BTF object's fd: 0 for vmlinux
        if (resolution.module == 0) continue;
        relocation.kind = Relocation::Kind::ModuleBtf;
        relocation.target = resolution.module - 1;
        relocation.offset = 0;
        kept.push_back(std::move(relocation));
      }
      function.relocations = std::move(kept);
    }
    return {};
  }

 private:
  static Error not_found(const ExternSpec& external, const std::string& what, const std::string& why) {
    return make_error(ErrorKind::NotFound,
                      fmt::format("{} '{}': {}; declare it __weak to load without it ({})", what, external.name, why,
                                  external.kind == ExternSpec::Kind::Function
                                      ? "and guard its calls with bpf_ksym_exists()"
                                      : "it is then 0"));
  }

  Result<Resolution> resolve_kconfig(const ExternSpec& external, const Declared& declared) {
    const struct btf* local = spec_.btf->get();
    if (facts_ == nullptr)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format(".kconfig extern '{}': no kernel facts given", external.name));
    Result<KconfigType> type = kconfig_type(local, declared.type_id, external.name);
    if (!type.ok()) return std::move(type).error();
    Result<std::optional<std::vector<std::byte>>> value = kconfig_value(external.name, *type, *facts_);
    if (!value.ok()) return std::move(value).error();
    // libbpf: an option the configuration does not set is 0 only for a weak extern.
    if (!value->has_value() && !external.weak)
      return not_found(external, ".kconfig extern",
                       external.name.starts_with("CONFIG_")
                           ? "the kernel's configuration does not set it"
                           : "bpfload knows no such value (LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, "
                             "LINUX_HAS_SYSCALL_WRAPPER, CONFIG_*)");
    const uint32_t align = type->kind == KconfigType::Kind::CharArray ? 1 : type->size;
    const uint64_t offset = (kconfig_.size() + align - 1) / align * align;
    if (offset + type->size > kMaxKconfigBytes)
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format(".kconfig extern '{}': the object's kconfig externs exceed {} bytes",
                                    external.name, kMaxKconfigBytes));
    kconfig_.resize(offset + type->size);
    if (value->has_value()) std::memcpy(kconfig_.data() + offset, (*value)->data(), type->size);
    notes_.push_back(fmt::format(".kconfig extern '{}' = {}", external.name,
                                 value->has_value() ? describe_value(**value, *type) : "0 (weak, not set)"));
    Resolution out;
    out.how = Resolution::How::Kconfig;
    out.offset = offset;
    return out;
  }

  Result<Resolution> resolve_untyped(const ExternSpec& external) {
    if (symbols_ == nullptr)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("untyped .ksyms extern '{}': no kernel symbols (kallsyms) given", external.name));
    Resolution out;
    out.how = Resolution::How::Address;
    const auto found = symbols_->addresses.find(external.name);
    if (found == symbols_->addresses.end()) {
      if (!external.weak) return not_found(external, "untyped .ksyms extern", fmt::format("{} does not list it", symbols_->origin));
      out.absent = true;
      notes_.push_back(fmt::format("ksym '{}' = 0 (weak, not in {})", external.name, symbols_->origin));
      return out;
    }
    // Without CAP_SYSLOG (kptr_restrict) kallsyms lists every address as 0.
    if (found->second == 0 && !external.weak)
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("untyped .ksyms extern '{}': {} shows its address as 0, so addresses are hidden "
                                    "(kernel.kptr_restrict); load as root or with CAP_SYSLOG",
                                    external.name, symbols_->origin));
    out.address = found->second;
    out.absent = found->second == 0;
    notes_.push_back(fmt::format("ksym '{}' = 0x{:x} ({})", external.name, out.address, symbols_->origin));
    return out;
  }

  Result<Resolution> resolve_typed(const ExternSpec& external, const Declared& declared) {
    if (target_ == nullptr || target_->vmlinux == nullptr) return Resolution{};
    const bool function = external.kind == ExternSpec::Kind::Function || declared.function;
    const std::optional<KernelBtfId> found =
        find_kernel_btf_id(*lookup_, external.name, function ? BTF_KIND_FUNC : BTF_KIND_VAR);
    Resolution out;
    if (!found) {
      const std::string where = fmt::format("{}{}", target_->origin, target_->modules.empty() ? "" : " or its modules' BTF");
      if (!external.weak)
        return not_found(external, function ? "kfunc" : ".ksyms extern", fmt::format("not in {}", where));
      out.how = Resolution::How::Address;
      out.absent = true;
      notes_.push_back(fmt::format("{} '{}' = 0 (weak, not in {})", function ? "kfunc" : "ksym", external.name, where));
      return out;
    }
    out.how = Resolution::How::KernelBtf;
    out.btf_id = found->id;
    if (!found->module.empty()) {
      Result<uint32_t> slot = module_slot(found->module, external);
      if (!slot.ok()) return std::move(slot).error();
      out.module = *slot;
    }
    notes_.push_back(fmt::format("{} '{}' = {} BTF id {}", function ? "kfunc" : "ksym", external.name,
                                 found->module.empty() ? std::string("vmlinux") : "module '" + found->module + "'",
                                 found->id));
    return out;
  }

  // fd_array slot of `module` (index in kernel_btf_modules + 1), added on first use.
  Result<uint32_t> module_slot(const std::string& module, const ExternSpec& external) {
    std::vector<std::string>& modules = spec_.kernel_btf_modules;
    const auto known = std::find(modules.begin(), modules.end(), module);
    if (known != modules.end()) return static_cast<uint32_t>(known - modules.begin()) + 1;
    if (modules.size() + 1 >= static_cast<size_t>(INT16_MAX))
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format("extern '{}' in module '{}': more than {} modules' BTF (a kfunc call's off is "
                                    "16 bits)",
                                    external.name, module, INT16_MAX - 1));
    modules.push_back(module);
    return static_cast<uint32_t>(modules.size());
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
  const KernelSymbols* symbols_;
  std::vector<std::string>& notes_;
  std::vector<std::byte> kconfig_;  ///< the .kconfig section being built
  std::optional<TargetTypeLookup> lookup_ = target_ != nullptr ? std::optional<TargetTypeLookup>(std::in_place, *target_)
                                                                : std::nullopt;
};

}  // namespace

ExternSection extern_section(const ObjectSpec& spec, const std::string& name) {
  const std::optional<Declared> declared = DeclaredExterns(local_btf(spec)).find(name);
  return declared ? declared->section : ExternSection::Unknown;
}

std::vector<ExternSection> extern_sections(const ObjectSpec& spec) {
  const DeclaredExterns declarations(local_btf(spec));
  std::vector<ExternSection> sections;
  sections.reserve(spec.externs.size());
  for (const ExternSpec& external : spec.externs) {
    const std::optional<Declared> declared = declarations.find(external.name);
    sections.push_back(declared ? declared->section : ExternSection::Unknown);
  }
  return sections;
}

bool has_externs(const ObjectSpec& spec) noexcept { return !spec.externs.empty(); }

bool needs_kernel_facts(const ObjectSpec& spec) {
  const std::vector<ExternSection> sections = extern_sections(spec);
  return std::find(sections.begin(), sections.end(), ExternSection::Kconfig) != sections.end();
}

std::vector<std::string> untyped_ksyms(const ObjectSpec& spec) {
  std::vector<std::string> names;
  const struct btf* local = local_btf(spec);
  const DeclaredExterns declarations(local);
  for (const ExternSpec& external : spec.externs) {
    const std::optional<Declared> declared = declarations.find(external.name);
    if (declared && declared->section == ExternSection::Ksyms && is_untyped(local, *declared))
      names.push_back(external.name);
  }
  return names;
}

Status resolve_externs(ObjectSpec& spec, const TargetBtf* target, const KernelFacts* facts,
                       std::vector<std::string>& notes, const KernelSymbols* symbols) {
  return ExternResolver(spec, target, facts, symbols, notes).run();
}

}  // namespace bpfload
