// The BTF id a BTF-targeted program (fentry, fexit, fmod_ret, lsm, tp_btf, iter) is
// loaded with: the kernel checks the program against that function's or tracepoint's
// prototype at load time, so the id goes into BPF_PROG_LOAD (attach_btf_id), not the
// attach call. Pure: looked up in a TargetBtf the kernel layer read.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <optional>
#include <string>

#include "bpfload/result.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/target_btf.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Where a program's attach target is.
struct AttachBtfTarget {
  uint32_t btf_id = 0;  ///< type id in vmlinux or in the module's split BTF
  std::string module;   ///< "" for vmlinux; else the module whose BTF fd goes in attach_btf_obj_fd
  std::string type_name;  ///< the BTF name looked up ("do_unlinkat", "btf_trace_sched_switch", ...)
  /// struct_ops programs: the index of the member they implement, which the kernel takes
  /// as expected_attach_type.
  std::optional<uint32_t> expected_attach_type;
};

/// True for the program and attach types whose load needs attach_btf_id.
[[nodiscard]] bool needs_attach_btf_id(const ProgramSpec& program) noexcept;

/// The BTF name the kernel knows a program's target by, from ProgramSpec::attach_to:
/// the function itself for fentry/fexit/fmod_ret, "bpf_lsm_<hook>" for lsm,
/// "btf_trace_<tracepoint>" for tp_btf, "bpf_iter_<name>" for iter. A "module:function"
/// target keeps only the function.
[[nodiscard]] std::string attach_btf_name(const ProgramSpec& program);

/// Finds the target of `program` (needs_attach_btf_id) in vmlinux, then in each module
/// ("module:function" looks only in that module). Fails with InvalidArgument when the
/// section names no target, NotFound naming the program, section, BTF name and where it
/// looked when no BTF has it.
[[nodiscard]] Result<AttachBtfTarget> find_attach_btf_target(const ProgramSpec& program, const TargetBtf& target);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
