// One loaded program of an object attached by name, where its section says: the spec
// gives the section and types, the loaded object the fd, attach_program does the rest.
#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {

Result<Attachment> attach(const ObjectSpec& spec, const LoadedObject& object, std::string_view program,
                          const AttachTargets& targets, Kernel* kernel) {
  const ProgramSpec* found = nullptr;
  for (const ProgramSpec& candidate : spec.programs)
    if (candidate.name == program) found = &candidate;
  if (found == nullptr) return make_error(ErrorKind::NotFound, fmt::format("no program named '{}' in the object", program));
  const int fd = object.program_fd(program);
  if (fd < 0) {
    for (const ProgramResult& result : object.report().programs)
      if (result.name == program && !result.loaded)
        return make_error(ErrorKind::NotFound, fmt::format("program '{}' did not load: {}", program, result.error));
    return make_error(ErrorKind::NotFound,
                      fmt::format("program '{}' was not loaded (LoadOptions::only_programs left it out)", program));
  }
  Kernel& system = kernel != nullptr ? *kernel : system_kernel();
  return attach_program(system, fd, found->name, found->section, found->type, found->expected_attach_type, targets);
}

}  // namespace bpfload
