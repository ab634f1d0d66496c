// Applying every CO-RE record of an object: candidates by essential name, vmlinux
// before modules, each record's value decided once across all candidates.
#include "bpfload/core_relocate.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>

#include <map>
#include <string_view>
#include <utility>
#include <new>

#include <fmt/format.h>

#include "core_access.hpp"
#include "core_values.hpp"
#include "target_type_lookup.hpp"

namespace bpfload {
namespace {

struct Candidate {
  const struct btf* btf = nullptr;
  uint32_t id = 0;
  std::string origin;  ///< "vmlinux" or the module's name
};

// Kinds a candidate may have for a local type of kind `kind`: the same, or any enum for
// an enum (ENUM and ENUM64 stand for each other).
uint32_t kind_class(const struct btf_type* type) { return btf_is_any_enum(type) ? BTF_KIND_ENUM : btf_kind(type); }

class Relocator {
 public:
  Relocator(const ObjectSpec& spec, const TargetBtf& target) : spec_(spec), target_(target) {}

  Result<CoreRelocation> run() {
    CoreRelocation out{spec_, {}};
    out.spec.core_relocated = true;
    if (!needs_core_relocation(spec_)) return out;
    if (spec_.btf == nullptr)
      return make_error(ErrorKind::Unsupported, "CO-RE relocations need the object's .BTF, which it lacks or "
                                                "libbpf could not parse");
    if (target_.vmlinux == nullptr) return make_error(ErrorKind::InvalidArgument, "CO-RE: no target BTF given");
    for (size_t f = 0; f < spec_.functions.size(); ++f) {
      const FunctionSpec& function = spec_.functions[f];
      for (const CoreRecord& record : function.core_relocations) {
        const auto where = [&] {
          return fmt::format("CO-RE relocation of function '{}' in section '{}' at instruction {} ({} of type {}, "
                             "access '{}')",
                             function.name, function.section, record.insn, core_kind_name(record.kind),
                             record.type_id, core::shown_access(record.access));
        };
        if (record.insn >= function.insns.size())
          return make_error(ErrorKind::Malformed,
                            fmt::format("{}: past the function's {} instructions", where(), function.insns.size()));
        Result<Decided> decided = decide(record, static_cast<uint32_t>(f));
        if (!decided.ok()) return std::move(decided).error().with_context(where());
        Status patched = core::patch_instruction(out.spec.functions[f].insns, record.insn, decided->value);
        if (!patched.ok()) return std::move(patched).error().with_context(where());
        // A size change the patch refused to make poisons too.
        const Instruction& now = out.spec.functions[f].insns[record.insn];
        decided->decision.poisoned = now.code == (BPF_JMP | BPF_CALL) && now.imm == kCorePoisonImm && now.src == 0;
        out.decisions.push_back(std::move(decided->decision));
      }
    }
    return out;
  }

 private:
  struct Decided {
    CoreDecision decision;
    core::RelocationValue value;
  };

  Result<Decided> decide(const CoreRecord& record, uint32_t function) {
    const struct btf* local = spec_.btf->get();
    CoreDecision decision;
    decision.function = function;
    decision.insn = record.insn;
    decision.kind = record.kind;
    decision.access = record.access;
    const struct btf_type* local_type = btf__type_by_id(local, record.type_id);
    if (local_type == nullptr || record.type_id == 0)
      return make_error(ErrorKind::Malformed, fmt::format("type id {} is not in the object's BTF", record.type_id));
    decision.local_type = core::type_label(local, record.type_id);
    Result<core::AccessSpec> spec = core::parse_access(local, record.type_id, record.access, record.kind);
    if (!spec.ok()) return std::move(spec).error();
    if (!core::is_type_kind(record.kind)) decision.field = core::describe_access(*spec);

    if (record.kind == static_cast<uint32_t>(CoreKind::TypeIdLocal)) {
      Result<core::RelocationValue> value = core::compute_value(*spec, nullptr);
      if (!value.ok()) return std::move(value).error();
      return finish(decision, *value);
    }
    const char* local_name = btf__name_by_offset(local, local_type->name_off);
    if (local_name == nullptr || local_name[0] == '\0')
      return make_error(ErrorKind::Unsupported, "relocations against anonymous types are not supported (libbpf "
                                                "refuses them too)");

    const std::vector<Candidate>& candidates = candidates_for(record.type_id, local_type, local_name);
    std::optional<core::RelocationValue> chosen;
    core::AccessSpec chosen_spec;
    const Candidate* chosen_candidate = nullptr;
    for (const Candidate& candidate : candidates) {
      core::AccessSpec matched;
      Result<bool> fits = core::match_access(*spec, candidate.btf, candidate.id, matched);
      if (!fits.ok()) return std::move(fits).error().with_context(fmt::format("candidate {} in {}",
                                                                               candidate.id, candidate.origin));
      if (!*fits) continue;
      Result<core::RelocationValue> value = core::compute_value(*spec, &matched);
      if (!value.ok()) return std::move(value).error();
      if (!chosen) {
        chosen = *value;
        chosen_spec = std::move(matched);
        chosen_candidate = &candidate;
        continue;
      }
      if (matched.bit_offset != chosen_spec.bit_offset || value->poison != chosen->poison ||
          value->target != chosen->target)
        return make_error(ErrorKind::Unsupported,
                          fmt::format("ambiguous: {} (type {} in {}) gives {} but {} (type {} in {}) gives {}",
                                      core::type_label(chosen_candidate->btf, chosen_candidate->id),
                                      chosen_candidate->id, chosen_candidate->origin, chosen->target,
                                      core::type_label(candidate.btf, candidate.id), candidate.id, candidate.origin,
                                      value->target));
    }
    if (!chosen) {
      Result<core::RelocationValue> value = core::compute_value(*spec, nullptr);
      if (!value.ok()) return std::move(value).error();
      return finish(decision, *value);
    }
    decision.target = chosen_candidate->origin;
    decision.target_type_id = chosen_candidate->id;
    return finish(decision, *chosen);
  }

  static Decided finish(CoreDecision decision, const core::RelocationValue& value) {
    decision.local_value = value.local;
    decision.value = value.poison ? 0 : value.target;
    decision.poisoned = value.poison;
    return {std::move(decision), value};
  }

  // Candidates depend only on the local type's essential name and kind, so local types
  // that share them (N copies of task_struct) share one list.
  const std::vector<Candidate>& candidates_for(uint32_t /*local_id*/, const struct btf_type* local_type,
                                               const char* local_name) {
    const std::string_view name(local_name);
    const std::string_view essential = name.substr(0, core::essential_name_length(name));
    auto [found, added] = candidates_.try_emplace({std::string(essential), kind_class(local_type)});
    if (!added) return found->second;
    std::vector<Candidate>& list = found->second;
    bool from_vmlinux = false;
    for (const TargetTypeLookup::Found& type : lookup_.with_essential_name(essential)) {
      const struct btf_type* candidate = btf__type_by_id(type.btf, type.id);
      if (candidate == nullptr || kind_class(candidate) != kind_class(local_type)) continue;
      // vmlinux's candidates hide the modules' (libbpf looks in modules only when vmlinux has none).
      if (type.module == nullptr) from_vmlinux = true;
      if (type.module != nullptr && from_vmlinux) break;
      list.push_back({type.btf, type.id, type.module == nullptr ? std::string("vmlinux") : type.module->name});
    }
    return list;
  }

  const ObjectSpec& spec_;
  const TargetBtf& target_;
  TargetTypeLookup lookup_{target_};
  std::map<std::pair<std::string, uint32_t>, std::vector<Candidate>> candidates_;  // by essential name, kind
};

}  // namespace

const char* core_kind_name(uint32_t kind) noexcept {
  static constexpr const char* kNames[] = {
      "byte_off",    "byte_sz",       "field_exists", "signed",        "lshift_u64", "rshift_u64",  "local_type_id",
      "target_type_id", "type_exists", "type_size",   "enumval_exists", "enumval_value", "type_matches",
  };
  return kind < std::size(kNames) ? kNames[kind] : "unknown";
}

bool needs_core_relocation(const ObjectSpec& spec) noexcept {
  if (spec.core_relocated) return false;
  for (const FunctionSpec& function : spec.functions)
    if (!function.core_relocations.empty()) return true;
  return false;
}

std::string CoreDecision::describe(const ObjectSpec& spec) const {
  const std::string function_name = function < spec.functions.size() ? spec.functions[function].name : "?";
  const std::string what = field.empty() ? local_type : fmt::format("{} ({})", field, local_type);
  std::string text = fmt::format("function '{}' insn {}: {} of {} [access {}]", function_name, insn,
                                 core_kind_name(kind), what, core::shown_access(access));
  if (poisoned)
    return text + (target.empty() ? " poisoned: no type of that name in the target BTF has this access"
                                  : fmt::format(" poisoned: the field in {} (type {}) cannot be read with this "
                                                "instruction's size",
                                                target, target_type_id));
  if (kind == static_cast<uint32_t>(CoreKind::TypeIdLocal)) return text + fmt::format(" = {}", value);
  if (target.empty()) return text + fmt::format(" = {} (no type of that name in the target BTF has this access)", value);
  return text + fmt::format(" = {} ({} type {}; the object said {})", value, target, target_type_id, local_value);
}

Result<CoreRelocation> relocate_core(const ObjectSpec& spec, const TargetBtf& target) try {
  return Relocator(spec, target).run();
} catch (const std::bad_alloc&) {
  return out_of_memory_error("applying CO-RE relocations");
}

}  // namespace bpfload
