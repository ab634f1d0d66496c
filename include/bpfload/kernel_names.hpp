// Names of kernel enums and objects, shared by every layer (the core library): libbpf's
// spelling of program, map and attach types, and the sanitising the kernel wants for
// object names. Pure; no system calls.
#pragma once

#include "bpfload/export.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Names as libbpf spells them; "unknown(N)" for values this build does not know.
[[nodiscard]] std::string program_type_name(uint32_t type);
[[nodiscard]] std::string map_type_name(uint32_t type);
[[nodiscard]] std::string attach_type_name(uint32_t type);

/// The value of a program or map type spelled as libbpf spells it ("sched_cls", "hash");
/// nullopt when no value has that name.
[[nodiscard]] std::optional<uint32_t> program_type_by_libbpf_name(std::string_view name);
[[nodiscard]] std::optional<uint32_t> map_type_by_libbpf_name(std::string_view name);

/// The BPF_F_* program flag named `name` as the UAPI spells it, with or without the
/// "BPF_F_" prefix and in either case ("test_state_freq", "BPF_F_STRICT_ALIGNMENT");
/// nullopt when no flag has that name.
[[nodiscard]] std::optional<uint32_t> program_flag_by_name(std::string_view name);
/// `flags` as names joined by '|' ("BPF_F_SLEEPABLE|BPF_F_TEST_STATE_FREQ"), unknown bits
/// in hex; "0" for none.
[[nodiscard]] std::string program_flags_text(uint32_t flags);

/// `name` made valid for the kernel's object names: characters other than [A-Za-z0-9_.]
/// become '_', cut to BPF_OBJ_NAME_LEN - 1 (15) bytes. Never fails.
[[nodiscard]] std::string kernel_object_name(std::string_view name);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
