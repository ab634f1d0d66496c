// Attaching a whole object: all or nothing.
#include <fmt/format.h>

#include "bpfload/attach.hpp"
#include "bpfload/section_table.hpp"

namespace bpfload {

Result<AttachSet> attach_all(Kernel& kernel, const std::vector<ProgramToAttach>& programs,
                             const AttachTargets& targets) {
  AttachSet set;
  for (const ProgramToAttach& program : programs) {
    if (program.fd < 0) {
      return make_error(ErrorKind::InvalidArgument,
                        fmt::format("attach program '{}': it is not loaded", program.name));
    }
    auto attachment = attach_program(kernel, program.fd, program.name, program.section, program.type,
                                     program.expected_attach_type, targets);
    // Returning destroys `set`, which detaches what this call attached before the failure.
    if (!attachment) return std::move(attachment).error();
    set.add(std::move(*attachment));
  }
  return set;
}

std::vector<ProgramToAttach> attachable_programs(const ObjectSpec& spec, const LoadedObject& object,
                                                 const AttachTargets& targets, std::vector<std::string>* skipped) {
  std::vector<ProgramToAttach> programs;
  for (const ProgramSpec& program : spec.programs) {
    const int fd = object.program_fd(program.name);
    if (fd < 0) continue;  // not loaded (only_programs, or keep_going)
    const auto kind = section_kind(program.section);
    if (kind && kind->tail_call_key) {
      if (skipped != nullptr) {
        skipped->push_back(fmt::format("{}: a tail-call program, run from its prog array", program.name));
      }
      continue;
    }
    if (!program.struct_ops_type.empty()) {
      if (skipped != nullptr)
        skipped->push_back(fmt::format("{}: implements {}.{}, run from its struct_ops map", program.name,
                                       program.struct_ops_type, program.struct_ops_member));
      continue;
    }
    const AttachPlan plan = plan_attach(program.section, program.type, program.expected_attach_type, targets);
    if (plan.kind == AttachPlan::Kind::None) {
      if (skipped != nullptr) skipped->push_back(fmt::format("{}: {}", program.name, plan.reason));
      continue;
    }
    programs.push_back({program.name, program.section, program.type, program.expected_attach_type, fd});
  }
  return programs;
}

}  // namespace bpfload
