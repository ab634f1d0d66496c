// What a load resolves against the target kernel's BTF before anything is created:
// CO-RE relocations (on a copy of the spec, laid out again) and, per program, the BTF id
// of a fentry/fexit/fmod_ret/lsm/tp_btf/iter target.
#include <algorithm>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

#include "bpfload/attach_btf.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/kallsyms.hpp"
#include "bpfload/kernel_btf.hpp"
#include "bpfload/kernel_facts.hpp"
#include "load_context.hpp"

namespace bpfload {
namespace {

// Externs the object's BTF places in .kconfig or .ksyms: the ones resolve_externs handles.
bool has_kernel_externs(const ObjectSpec& spec) {
  const std::vector<ExternSection> sections = extern_sections(spec);
  return std::any_of(sections.begin(), sections.end(),
                     [](ExternSection section) { return section != ExternSection::Unknown; });
}

// Typed .ksyms externs and kfuncs: resolved against the target BTF (untyped ones need kallsyms).
bool needs_ksyms(const ObjectSpec& spec) {
  const std::vector<std::string> untyped = untyped_ksyms(spec);
  const std::unordered_set<std::string_view> untyped_names(untyped.begin(), untyped.end());
  const std::vector<ExternSection> sections = extern_sections(spec);
  for (size_t e = 0; e < spec.externs.size(); ++e)
    if (sections[e] == ExternSection::Ksyms && !untyped_names.contains(spec.externs[e].name)) return true;
  return false;
}

bool needs_target(const ObjectSpec& spec) {
  if (needs_core_relocation(spec) || needs_ksyms(spec)) return true;
  for (const MapSpec& map : spec.maps)
    if (map.struct_ops) return true;
  for (const ProgramSpec& program : spec.programs)
    if (needs_attach_btf_id(program)) return true;
  return false;
}

Kernel& kernel_of(const LoadOptions& options) {
  return options.kernel != nullptr ? *options.kernel : system_kernel();
}

// .kconfig values and kfunc/ksym BTF ids written into a copy of `from` (which may be
// out.relocated's own spec), laid out again.
Status resolve_kernel_externs(const ObjectSpec& from, const LoadOptions& options, TargetedSpec& out) {
  ObjectSpec copy = from;
  std::optional<KernelFacts> facts;
  if (needs_kernel_facts(copy)) {
    Result<KernelFacts> read = read_kernel_facts(kernel_of(options), options.kallsyms_path);
    if (!read.ok()) return read.error().with_context(".kconfig externs need the kernel's version and configuration");
    facts = std::move(read).value();
  }
  std::optional<KernelSymbols> symbols;
  const std::vector<std::string> untyped = untyped_ksyms(copy);
  if (!untyped.empty()) {
    Result<KernelSymbols> read =
        read_kallsyms(kernel_of(options), std::set<std::string>(untyped.begin(), untyped.end()), options.kallsyms_path);
    if (!read.ok())
      return read.error().with_context(fmt::format("untyped .ksyms extern '{}' needs kernel symbol addresses",
                                                   untyped.front()));
    symbols = std::move(read).value();
  }
  std::vector<std::string> notes;
  BPFLOAD_TRY(resolve_externs(copy, out.target.get(), facts ? &*facts : nullptr, notes,
                              symbols ? &*symbols : nullptr));
  if (!out.relocated) out.relocated = CoreRelocation{ObjectSpec{}, {}};
  out.relocated->spec = std::move(copy);
  out.extern_notes = std::move(notes);
  out.layouts = lay_out_programs(out.relocated->spec);
  return {};
}

}  // namespace

Result<TargetedSpec> target_spec(const ObjectSpec& spec, const LoadOptions& options) try {
  TargetedSpec out;
  const bool externs = has_kernel_externs(spec);
  if (!needs_target(spec)) {
    if (externs) BPFLOAD_TRY(resolve_kernel_externs(spec, options, out));
    return out;
  }
  if (options.target_btf != nullptr) {
    out.target = options.target_btf;
  } else {
    Result<std::shared_ptr<const TargetBtf>> read = read_target_btf(kernel_of(options), options.btf_path);
    // Only CO-RE cannot do without it; BTF-targeted programs fail one by one instead.
    if (!read.ok()) {
      if (needs_core_relocation(spec)) return read.error().with_context("CO-RE relocations need the target's BTF");
      out.target_error = read.error().message;
    } else {
      out.target = std::move(read).value();
    }
  }
  if (needs_core_relocation(spec)) {
    Result<CoreRelocation> relocated = relocate_core(spec, *out.target);
    if (!relocated.ok())
      return relocated.error().with_context(fmt::format("CO-RE against {}", out.target->origin));
    out.relocated = std::move(relocated).value();
  }
  if (externs) {
    BPFLOAD_TRY(resolve_kernel_externs(out.relocated ? out.relocated->spec : spec, options, out));
    return out;
  }
  if (out.relocated) out.layouts = lay_out_programs(out.relocated->spec);
  return out;
} catch (const std::bad_alloc&) {
  return out_of_memory_error("relocating the object against the target BTF");
}

Status open_module_btf_fds(LoadContext& context) {
  const std::vector<std::string>& modules = context.spec.kernel_btf_modules;
  if (modules.empty()) return {};
  context.module_btf_fds.clear();
  context.fd_array.assign(1, 0);  // slot 0: vmlinux, which a call's off 0 means; never read
  for (const std::string& module : modules) {
    Result<Fd> fd = context.kernel.module_btf_fd(module);
    if (!fd.ok())
      return fd.error().with_context(fmt::format("BTF of module '{}', where kfuncs or ksyms of the object are",
                                                 module));
    context.fd_array.push_back(fd->get());
    context.module_btf_fds.push_back(std::move(fd).value());
  }
  return {};
}

std::string poisoned_relocations_text(const LoadContext& context, const ProgramLayout& layout) {
  std::string text;
  if (context.core_decisions == nullptr) return text;
  for (const CoreDecision& decision : *context.core_decisions) {
    if (!decision.poisoned) continue;
    bool in_program = false;
    for (uint32_t function : layout.functions) in_program |= function == decision.function;
    if (!in_program) continue;
    text += fmt::format("; CO-RE: {}", decision.describe(context.spec));
  }
  return text;
}

Status resolve_attach_target(const LoadContext& context, const ProgramSpec& program, ProgLoadRequest& request,
                             Fd& module_fd) {
  if (!needs_attach_btf_id(program)) return {};
  if (context.target_btf == nullptr)
    return make_error(ErrorKind::NotFound,
                      fmt::format("program '{}' in section '{}' needs the BTF id of its target, but the target BTF "
                                  "could not be read: {}",
                                  program.name, program.section, context.target_btf_error));
  Result<AttachBtfTarget> found = find_attach_btf_target(program, *context.target_btf);
  if (!found.ok()) return std::move(found).error();
  request.attach_btf_id = found->btf_id;
  if (found->expected_attach_type) request.expected_attach_type = *found->expected_attach_type;
  if (found->module.empty()) return {};
  Result<Fd> fd = context.kernel.module_btf_fd(found->module);
  if (!fd.ok())
    return fd.error().with_context(fmt::format("program '{}': BTF of module '{}', where its target '{}' is",
                                               program.name, found->module, found->type_name));
  module_fd = std::move(fd).value();
  request.attach_btf_obj_fd = module_fd.get();
  return {};
}

}  // namespace bpfload
