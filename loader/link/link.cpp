// Linking one program: lay out the entry function and its callees, resolve calls and
// callback addresses, check every map and data ld_imm64, rebase BTF func/line info
// (lay_out_program); then, separately, write fds into the checked ld_imm64 (patch_fds).
#include "bpfload/link.hpp"

#include <algorithm>
#include <bit>
#include <new>
#include <string>

#include <fmt/format.h>

namespace bpfload {
namespace {

const char* relocation_kind_name(Relocation::Kind kind) {
  switch (kind) {
    case Relocation::Kind::Map: return "map";
    case Relocation::Kind::Data: return "data";
    case Relocation::Kind::Call: return "call";
    case Relocation::Kind::FuncAddr: return "callback address";
    case Relocation::Kind::Extern: return "extern";
    case Relocation::Kind::ModuleBtf: return "module BTF";
    case Relocation::Kind::Arena: return "arena global";
  }
  return "unknown";
}


// The kernel's BPF_COMPLEXITY_LIMIT_INSNS: nothing larger can ever load.
constexpr size_t kMaxLinkedInsns = 1'000'000;

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;  // 0x18
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;            // 0x85

Error link_error(const ProgramSpec& program, ErrorKind kind, const std::string& what) {
  return make_error(kind, fmt::format("link program '{}': {}", program.name, what));
}

class Linker {
 public:
  Linker(const ObjectSpec& spec, size_t program) : spec_(spec), program_(spec.programs[program]) {
    out_.program = program;
  }

  Result<ProgramLayout> lay_out() {
    BPFLOAD_TRY(place_functions());
    for (size_t i = 0; i < out_.functions.size(); ++i) {
      const uint32_t function = out_.functions[i];
      const std::vector<Instruction>& insns = spec_.functions[function].insns;
      for (size_t insn = 0; insn < insns.size(); ++insn) {
        out_.insns.push_back(encode_instruction(insns[insn]));
        out_.origins.push_back({function, static_cast<uint32_t>(insn)});
      }
    }
    for (size_t i = 0; i < out_.functions.size(); ++i) {
      BPFLOAD_TRY(relocate(out_.functions[i], out_.starts[i]));
    }
    std::stable_sort(out_.fd_slots.begin(), out_.fd_slots.end(),
                     [](const FdSlot& a, const FdSlot& b) { return a.insn < b.insn; });
    BPFLOAD_TRY(rebase_btf_info());
    return std::move(out_);
  }

 private:
  Error fail(ErrorKind kind, const std::string& what) const { return link_error(program_, kind, what); }

  Status place_functions() {
    const uint32_t entry = program_.function;
    if (entry >= spec_.functions.size()) {
      return fail(ErrorKind::Malformed, fmt::format("entry function index {} out of range ({} functions)",
                                                    entry, spec_.functions.size()));
    }
    out_.functions.push_back(entry);
    for (uint32_t callee : called_functions(spec_, entry)) out_.functions.push_back(callee);
    start_of_.assign(spec_.functions.size(), -1);
    size_t total = 0;
    for (uint32_t function : out_.functions) {
      const size_t size = spec_.functions[function].insns.size();
      if (size > kMaxLinkedInsns - total) {
        return fail(ErrorKind::LimitExceeded,
                    fmt::format("more than {} instructions after appending function '{}'", kMaxLinkedInsns,
                                spec_.functions[function].name));
      }
      start_of_[function] = static_cast<int64_t>(total);
      out_.starts.push_back(static_cast<uint32_t>(total));
      total += size;
    }
    return {};
  }

  Status relocate(uint32_t function_index, uint32_t start) {
    const FunctionSpec& function = spec_.functions[function_index];
    for (const Relocation& relocation : function.relocations) {
      const auto where = [&] {
        return fmt::format("function '{}' instruction {} (symbol '{}')", function.name, relocation.insn,
                           relocation.symbol);
      };
      if (relocation.insn >= function.insns.size()) {
        return fail(ErrorKind::Malformed, fmt::format("{}: past the function's {} instructions", where(),
                                                      function.insns.size()));
      }
      const Instruction& insn = function.insns[relocation.insn];
      const size_t at = start + relocation.insn;
      if (relocation.kind == Relocation::Kind::Extern) {
        const bool function_extern = relocation.target < spec_.externs.size() &&
                                     spec_.externs[relocation.target].kind == ExternSpec::Kind::Function;
        return fail(ErrorKind::Unsupported, fmt::format("{}: {}", where(), unresolved_extern_text(relocation.symbol,
                                                                                                   function_extern)));
      }
      if (relocation.kind == Relocation::Kind::Call) {
        if (insn.code != kCall || insn.src != BPF_PSEUDO_CALL) {
          return fail(ErrorKind::Malformed,
                      fmt::format("{}: call relocation on an instruction that is not a bpf-to-bpf call "
                                  "(code 0x{:02x}, src {})",
                                  where(), insn.code, insn.src));
        }
        if (relocation.target >= spec_.functions.size() || start_of_[relocation.target] < 0) {
          return fail(ErrorKind::Malformed, fmt::format("{}: call target {} out of range ({} functions)", where(),
                                                        relocation.target, spec_.functions.size()));
        }
        // The kernel resolves a call to (call index + imm + 1).
        out_.insns[at].imm = static_cast<int32_t>(start_of_[relocation.target] -
                                                  static_cast<int64_t>(at) - 1);
        continue;
      }
      if (insn.code != kLdImm64 || relocation.insn + 1 >= function.insns.size()) {
        return fail(ErrorKind::Malformed,
                    fmt::format("{}: {} relocation on an instruction that is not a complete ld_imm64 (code 0x{:02x})",
                                where(), relocation_kind_name(relocation.kind), insn.code));
      }
      if (relocation.kind == Relocation::Kind::FuncAddr) {
        if (relocation.target >= spec_.functions.size() || start_of_[relocation.target] < 0) {
          return fail(ErrorKind::Malformed, fmt::format("{}: callback target {} out of range ({} functions)",
                                                        where(), relocation.target, spec_.functions.size()));
        }
        // Like a call, the kernel resolves BPF_PSEUDO_FUNC to (insn index + imm + 1).
        out_.insns[at].src_reg = BPF_PSEUDO_FUNC;
        out_.insns[at].imm = static_cast<int32_t>(start_of_[relocation.target] - static_cast<int64_t>(at) - 1);
        out_.insns[at + 1].imm = 0;
        continue;
      }
      if (relocation.kind == Relocation::Kind::ModuleBtf) {
        if (relocation.target >= spec_.kernel_btf_modules.size())
          return fail(ErrorKind::Malformed, fmt::format("{}: module index {} out of range ({} modules)", where(),
                                                        relocation.target, spec_.kernel_btf_modules.size()));
      } else if (relocation.kind == Relocation::Kind::Map || relocation.kind == Relocation::Kind::Arena) {
        BPFLOAD_TRY(check_map(relocation, where()));
      } else {
        BPFLOAD_TRY(check_data(relocation, where()));
      }
      out_.fd_slots.push_back({relocation.kind, static_cast<uint32_t>(at), relocation.target,
                               static_cast<uint32_t>(relocation.offset), relocation.symbol});
    }
    return {};
  }

  Status check_map(const Relocation& relocation, const std::string& where) const {
    if (relocation.target >= spec_.maps.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: map index {} out of range ({} maps)", where,
                                                    relocation.target, spec_.maps.size()));
    }
    return {};
  }

  Status check_data(const Relocation& relocation, const std::string& where) const {
    if (relocation.target >= spec_.data_sections.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: data section index {} out of range ({} sections)", where,
                                                    relocation.target, spec_.data_sections.size()));
    }
    const DataSectionSpec& section = spec_.data_sections[relocation.target];
    // The kernel refuses a direct value address at or past the value's end.
    if (relocation.offset >= section.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: offset 0x{:x} past the end of '{}' (size 0x{:x})", where,
                                                    relocation.offset, section.name, section.size()));
    }
    return {};
  }

  // The kernel refuses partial info: func_info must cover every function, and line
  // info must start each function. Missing records drop the info, not the program.
  Status rebase_btf_info() {
    bool complete_func_info = true;
    bool complete_line_info = true;
    for (uint32_t function : out_.functions) {
      const FunctionSpec& spec = spec_.functions[function];
      if (spec.func_info.empty() || spec.func_info.front().insn != 0) complete_func_info = false;
      if (spec.line_info.empty() || spec.line_info.front().insn != 0) complete_line_info = false;
      for (const LineInfo& line : spec.line_info) {
        if (line.insn >= spec.insns.size()) {
          return fail(ErrorKind::Malformed,
                      fmt::format("function '{}': line info at instruction {} past its {} instructions", spec.name,
                                  line.insn, spec.insns.size()));
        }
      }
    }
    if (!complete_func_info) return {};
    for (size_t i = 0; i < out_.functions.size(); ++i) {
      const FunctionSpec& spec = spec_.functions[out_.functions[i]];
      out_.func_info.push_back(bpf_func_info{out_.starts[i], spec.func_info.front().type_id});
    }
    if (!complete_line_info) return {};
    for (size_t i = 0; i < out_.functions.size(); ++i) {
      for (const LineInfo& line : spec_.functions[out_.functions[i]].line_info) {
        out_.line_info.push_back(
            bpf_line_info{out_.starts[i] + line.insn, line.file_name_off, line.line_off, line.line_col});
      }
    }
    return {};
  }

  const ObjectSpec& spec_;
  const ProgramSpec& program_;
  std::vector<int64_t> start_of_;  // by function index, -1 when not laid out
  ProgramLayout out_;
};

}  // namespace

std::string unresolved_extern_text(std::string_view name, bool function) {
  if (function)
    return fmt::format("calls extern function '{}', which the object does not define; a kfunc (declared __ksym) "
                       "is resolved against the target kernel's BTF when that can be read, and a function of "
                       "another object would be satisfied by linking in the object that defines it (bpftool gen "
                       "object)",
                       name);
  return fmt::format("refers to extern '{}', which the object does not define; it would be satisfied by a "
                     "definition in the object (a global or const variable); bpfload resolves .kconfig externs, "
                     "untyped .ksyms from kallsyms and typed .ksyms when the target kernel's BTF can be read",
                     name);
}

bpf_insn encode_instruction(const Instruction& insn) noexcept {
  bpf_insn encoded{};
  encoded.code = insn.code;
  encoded.dst_reg = insn.dst & 0xf;
  encoded.src_reg = insn.src & 0xf;
  encoded.off = insn.off;
  encoded.imm = insn.imm;
  return encoded;
}

Result<ProgramLayout> lay_out_program(const ObjectSpec& spec, size_t program) {
  if (program >= spec.programs.size()) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("link: program index {} out of range ({} programs)", program, spec.programs.size()));
  }
  return Linker(spec, program).lay_out();
}

ProgramLayouts lay_out_programs(const ObjectSpec& spec) {
  ProgramLayouts layouts;
  layouts.reserve(spec.programs.size());
  for (size_t i = 0; i < spec.programs.size(); ++i) {
    auto layout = lay_out_program(spec, i);
    if (!layout.ok()) {
      layouts.emplace_back(std::move(layout).error());
      continue;
    }
    layouts.emplace_back(std::make_shared<const ProgramLayout>(std::move(layout).value()));
  }
  return layouts;
}

Result<std::vector<bpf_insn>> patch_fds(const ProgramLayout& layout, const ObjectSpec& spec,
                                        const MapHandles& handles) {
  if (layout.program >= spec.programs.size())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("link: layout of program {} does not belong to this object ({} programs)",
                                  layout.program, spec.programs.size()));
  const ProgramSpec& program = spec.programs[layout.program];
  // Instructions are decoded to host order whatever the object's, so a foreign-order
  // object lays out (inspect shows it) but its data would not match the kernel's.
  const ByteOrder host = std::endian::native == std::endian::little ? ByteOrder::Little : ByteOrder::Big;
  if (spec.byte_order != host) {
    return link_error(program, ErrorKind::Unsupported,
                      fmt::format("the object is {}-endian but this host is not; the kernel only loads programs "
                                  "in its own byte order",
                                  spec.byte_order == ByteOrder::Little ? "little" : "big"));
  }
  for (uint32_t function : layout.functions) {
    const FunctionSpec& code = spec.functions[function];
    // Unrelocated CO-RE accesses would load with the compiler's field offsets: wrong, silently.
    if (!spec.core_relocated && !code.core_relocations.empty()) {
      return link_error(program, ErrorKind::Unsupported,
                        fmt::format("function '{}' in section '{}' has {} CO-RE relocation(s) (BPF_CORE_READ, "
                                    "preserve_access_index) not yet applied; relocate the spec against a target "
                                    "BTF first (relocate_core, which load_object does)",
                                    code.name, code.section, code.core_relocations.size()));
    }
  }
  std::vector<bpf_insn> insns = layout.insns;
  for (const FdSlot& slot : layout.fd_slots) {
    const InsnOrigin& origin = layout.origins[slot.insn];
    const auto where = [&] {
      return fmt::format("function '{}' instruction {} (symbol '{}')", spec.functions[origin.function].name,
                         origin.insn, slot.symbol);
    };
    if (slot.kind == Relocation::Kind::ModuleBtf) {
      // The ld_imm64 is BPF_PSEUDO_BTF_ID already; the kernel takes the BTF object's fd.
      if (slot.target >= handles.module_btf.size() || handles.module_btf[slot.target] < 0)
        return link_error(program, ErrorKind::InvalidArgument,
                          fmt::format("{}: the BTF of module '{}' has no file descriptor", where(),
                                      spec.kernel_btf_modules[slot.target]));
      insns[slot.insn + 1].imm = handles.module_btf[slot.target];
      continue;
    }
    if (slot.kind == Relocation::Kind::Arena) {
      if (slot.target >= handles.maps.size() || handles.maps[slot.target] < 0)
        return link_error(program, ErrorKind::InvalidArgument,
                          fmt::format("{}: arena map '{}' has no file descriptor", where(), spec.maps[slot.target].name));
      const uint64_t offset = handles.arena_data_offset + slot.offset;
      if (offset > INT32_MAX)
        return link_error(program, ErrorKind::LimitExceeded,
                          fmt::format("{}: arena offset 0x{:x} does not fit an instruction", where(), offset));
      insns[slot.insn].src_reg = BPF_PSEUDO_MAP_VALUE;
      insns[slot.insn].imm = handles.maps[slot.target];
      insns[slot.insn + 1].imm = static_cast<int32_t>(offset);
      continue;
    }
    if (slot.kind == Relocation::Kind::Map) {
      if (slot.target >= handles.maps.size() || handles.maps[slot.target] < 0)
        return link_error(program, ErrorKind::InvalidArgument,
                          fmt::format("{}: map '{}' has no file descriptor", where(), spec.maps[slot.target].name));
      insns[slot.insn].src_reg = BPF_PSEUDO_MAP_FD;
      insns[slot.insn].imm = handles.maps[slot.target];
      insns[slot.insn + 1].imm = 0;
      continue;
    }
    if (slot.target >= handles.data_sections.size() || handles.data_sections[slot.target] < 0)
      return link_error(program, ErrorKind::InvalidArgument,
                        fmt::format("{}: data section map '{}' has no file descriptor", where(),
                                    spec.data_sections[slot.target].name));
    insns[slot.insn].src_reg = BPF_PSEUDO_MAP_VALUE;
    insns[slot.insn].imm = handles.data_sections[slot.target];
    insns[slot.insn + 1].imm = static_cast<int32_t>(slot.offset);
  }
  return insns;
}

Result<LinkedProgram> link_program(const ObjectSpec& spec, size_t program, const MapHandles& handles) try {
  auto layout = lay_out_program(spec, program);
  if (!layout.ok()) return std::move(layout).error();
  auto insns = patch_fds(*layout, spec, handles);
  if (!insns.ok()) return std::move(insns).error();
  LinkedProgram linked;
  linked.insns = std::move(insns).value();
  linked.func_info = std::move(layout->func_info);
  linked.line_info = std::move(layout->line_info);
  linked.insn_function.reserve(layout->origins.size());
  for (const InsnOrigin& origin : layout->origins) linked.insn_function.push_back(origin.function);
  return linked;
} catch (const std::bad_alloc&) {
  return out_of_memory_error("linking a program");
}

}  // namespace bpfload
