// attach_btf_id lookup, following libbpf's find_kernel_btf_id and btf_attach_names.
#include "bpfload/attach_btf.hpp"

#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <fmt/format.h>

#include "bpfload/struct_ops.hpp"

namespace bpfload {
namespace {

// The part of attach_to naming the target, and the module when it says "module:target".
std::pair<std::string, std::string> split_module(const std::string& attach_to) {
  const size_t colon = attach_to.find(':');
  if (colon == std::string::npos) return {"", attach_to};
  return {attach_to.substr(0, colon), attach_to.substr(colon + 1)};
}

uint32_t btf_kind_for(const ProgramSpec& program) {
  return program.expected_attach_type == BPF_TRACE_RAW_TP ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC;
}

// Ids of a split BTF's own types start after its base's. btf__find_by_name_kind searches
// the base (vmlinux) first and would hide a module function that shares a vmlinux name, so
// only the module's own ids are walked, as libbpf does.
std::optional<uint32_t> find_own(const struct btf* btf, const std::string& name, uint32_t kind, uint32_t first) {
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = first; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr || btf_kind(type) != kind) continue;
    const char* type_name = btf__name_by_offset(btf, type->name_off);
    if (type_name != nullptr && name == type_name) return id;
  }
  return std::nullopt;
}

}  // namespace

bool needs_attach_btf_id(const ProgramSpec& program) noexcept {
  if (program.type == BPF_PROG_TYPE_STRUCT_OPS) return !program.struct_ops_type.empty();
  if (program.type == BPF_PROG_TYPE_LSM) return program.expected_attach_type == BPF_LSM_MAC ||
                                                program.expected_attach_type == BPF_LSM_CGROUP;
  if (program.type != BPF_PROG_TYPE_TRACING) return false;
  switch (program.expected_attach_type) {
    case BPF_TRACE_FENTRY:
    case BPF_TRACE_FEXIT:
    case BPF_MODIFY_RETURN:
    case BPF_TRACE_RAW_TP:
    case BPF_TRACE_ITER:
      return true;
    default:
      return false;
  }
}

std::string attach_btf_name(const ProgramSpec& program) {
  const std::string target = split_module(program.attach_to).second;
  if (program.type == BPF_PROG_TYPE_LSM) return "bpf_lsm_" + target;
  switch (program.expected_attach_type) {
    case BPF_TRACE_RAW_TP: return "btf_trace_" + target;
    case BPF_TRACE_ITER: return "bpf_iter_" + target;
    default: return target;
  }
}

Result<AttachBtfTarget> find_attach_btf_target(const ProgramSpec& program, const TargetBtf& target) {
  if (program.type == BPF_PROG_TYPE_STRUCT_OPS) {
    // The struct the program's map implements, and the member it is (its index).
    auto layout = struct_ops_kernel_layout(program.struct_ops_type, target);
    if (!layout) return layout.error().with_context(fmt::format("program '{}'", program.name));
    auto member = struct_ops_member_index(*layout, program.struct_ops_member);
    if (!member) return member.error().with_context(fmt::format("program '{}'", program.name));
    AttachBtfTarget found;
    found.btf_id = layout->struct_btf_id;
    found.type_name = program.struct_ops_type;
    found.expected_attach_type = *member;
    return found;
  }
  const auto [module, function] = split_module(program.attach_to);
  if (function.empty())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("program '{}' in section '{}': the section names no attach target (e.g. "
                                  "fentry/do_unlinkat)",
                                  program.name, program.section));
  AttachBtfTarget found;
  found.type_name = attach_btf_name(program);
  const uint32_t kind = btf_kind_for(program);
  if (module.empty() && target.vmlinux != nullptr) {
    if (const auto id = find_own(target.vmlinux.get(), found.type_name, kind, 1)) {
      found.btf_id = *id;
      return found;
    }
  }
  const uint32_t module_start = target.vmlinux != nullptr ? btf__type_cnt(target.vmlinux.get()) : 1;
  for (const TargetBtf::Module& candidate : target.modules) {
    if (!module.empty() && candidate.name != module) continue;
    if (const auto id = find_own(candidate.btf.get(), found.type_name, kind, module_start)) {
      found.btf_id = *id;
      found.module = candidate.name;
      return found;
    }
  }
  return make_error(ErrorKind::NotFound,
                    fmt::format("program '{}' in section '{}': no {} '{}' in {}{}", program.name, program.section,
                                kind == BTF_KIND_TYPEDEF ? "tracepoint typedef" : "function", found.type_name,
                                module.empty() ? target.origin : fmt::format("module '{}'", module),
                                module.empty() && !target.modules.empty() ? " or its modules' BTF" : ""));
}

}  // namespace bpfload
