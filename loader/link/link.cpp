// Linking one program: lay out the entry function and its callees, patch ld_imm64 and
// call instructions, and rebase BTF func/line info to the linked layout.
#include "bpfload/link.hpp"

#include <bit>
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
  }
  return "unknown";
}


// The kernel's BPF_COMPLEXITY_LIMIT_INSNS: nothing larger can ever load.
constexpr size_t kMaxLinkedInsns = 1'000'000;

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;  // 0x18
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;            // 0x85

struct Layout {
  std::vector<uint32_t> functions;  // entry first, then callees in called_functions() order
  std::vector<uint32_t> starts;     // parallel: first linked instruction of each
  std::vector<int64_t> start_of;    // by function index, -1 when not linked
};

class Linker {
 public:
  Linker(const ObjectSpec& spec, const ProgramSpec& program, const MapHandles& handles)
      : spec_(spec), program_(program), handles_(handles) {}

  Result<LinkedProgram> link() {
    auto layout = lay_out();
    if (!layout.ok()) return std::move(layout).error();
    layout_ = std::move(layout).value();
    for (size_t i = 0; i < layout_.functions.size(); ++i) {
      const uint32_t function = layout_.functions[i];
      for (const Instruction& insn : spec_.functions[function].insns) {
        out_.insns.push_back(encode_instruction(insn));
        out_.insn_function.push_back(function);
      }
    }
    for (size_t i = 0; i < layout_.functions.size(); ++i) {
      BPFLOAD_TRY(relocate(layout_.functions[i], layout_.starts[i]));
    }
    BPFLOAD_TRY(rebase_btf_info());
    return std::move(out_);
  }

 private:
  Error fail(ErrorKind kind, const std::string& what) const {
    return make_error(kind, fmt::format("link program '{}': {}", program_.name, what));
  }

  Result<Layout> lay_out() const {
    const uint32_t entry = program_.function;
    if (entry >= spec_.functions.size()) {
      return fail(ErrorKind::Malformed, fmt::format("entry function index {} out of range ({} functions)",
                                                    entry, spec_.functions.size()));
    }
    Layout layout;
    layout.functions.push_back(entry);
    for (uint32_t callee : called_functions(spec_, entry)) layout.functions.push_back(callee);
    layout.start_of.assign(spec_.functions.size(), -1);
    size_t total = 0;
    for (uint32_t function : layout.functions) {
      const FunctionSpec& code = spec_.functions[function];
      // Unrelocated CO-RE accesses would load with the compiler's field offsets: wrong, silently.
      if (code.core_relocations != 0) {
        return fail(ErrorKind::Unsupported,
                    fmt::format("function '{}' in section '{}' has {} CO-RE relocation(s) (BPF_CORE_READ, "
                                "preserve_access_index); bpfload does not apply CO-RE",
                                code.name, code.section, code.core_relocations));
      }
      const size_t size = code.insns.size();
      if (size > kMaxLinkedInsns - total) {
        return fail(ErrorKind::LimitExceeded,
                    fmt::format("more than {} instructions after appending function '{}'", kMaxLinkedInsns,
                                spec_.functions[function].name));
      }
      layout.start_of[function] = static_cast<int64_t>(total);
      layout.starts.push_back(static_cast<uint32_t>(total));
      total += size;
    }
    return layout;
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
        if (relocation.target >= spec_.functions.size() || layout_.start_of[relocation.target] < 0) {
          return fail(ErrorKind::Malformed, fmt::format("{}: call target {} out of range ({} functions)", where(),
                                                        relocation.target, spec_.functions.size()));
        }
        // The kernel resolves a call to (call index + imm + 1).
        out_.insns[at].imm = static_cast<int32_t>(layout_.start_of[relocation.target] -
                                                  static_cast<int64_t>(at) - 1);
        continue;
      }
      if (insn.code != kLdImm64 || relocation.insn + 1 >= function.insns.size()) {
        return fail(ErrorKind::Malformed,
                    fmt::format("{}: {} relocation on an instruction that is not a complete ld_imm64 (code 0x{:02x})",
                                where(), relocation_kind_name(relocation.kind), insn.code));
      }
      if (relocation.kind == Relocation::Kind::FuncAddr) {
        if (relocation.target >= spec_.functions.size() || layout_.start_of[relocation.target] < 0) {
          return fail(ErrorKind::Malformed, fmt::format("{}: callback target {} out of range ({} functions)",
                                                        where(), relocation.target, spec_.functions.size()));
        }
        // Like a call, the kernel resolves BPF_PSEUDO_FUNC to (insn index + imm + 1).
        out_.insns[at].src_reg = BPF_PSEUDO_FUNC;
        out_.insns[at].imm = static_cast<int32_t>(layout_.start_of[relocation.target] - static_cast<int64_t>(at) - 1);
        out_.insns[at + 1].imm = 0;
        continue;
      }
      if (relocation.kind == Relocation::Kind::Map) {
        BPFLOAD_TRY(patch_map(relocation, at, where()));
      } else {
        BPFLOAD_TRY(patch_data(relocation, at, where()));
      }
    }
    return {};
  }

  Status patch_map(const Relocation& relocation, size_t at, const std::string& where) {
    if (relocation.target >= spec_.maps.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: map index {} out of range ({} maps)", where,
                                                    relocation.target, spec_.maps.size()));
    }
    const std::string& name = spec_.maps[relocation.target].name;
    if (relocation.target >= handles_.maps.size() || handles_.maps[relocation.target] < 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{}: map '{}' has no file descriptor", where, name));
    }
    out_.insns[at].src_reg = BPF_PSEUDO_MAP_FD;
    out_.insns[at].imm = handles_.maps[relocation.target];
    out_.insns[at + 1].imm = 0;
    return {};
  }

  Status patch_data(const Relocation& relocation, size_t at, const std::string& where) {
    if (relocation.target >= spec_.data_sections.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: data section index {} out of range ({} sections)", where,
                                                    relocation.target, spec_.data_sections.size()));
    }
    const DataSectionSpec& section = spec_.data_sections[relocation.target];
    // The kernel refuses a direct value address at or past the value's end.
    if (relocation.offset >= section.bytes.size()) {
      return fail(ErrorKind::Malformed, fmt::format("{}: offset 0x{:x} past the end of '{}' (size 0x{:x})", where,
                                                    relocation.offset, section.name, section.bytes.size()));
    }
    if (relocation.target >= handles_.data_sections.size() || handles_.data_sections[relocation.target] < 0) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("{}: data section map '{}' has no file descriptor", where, section.name));
    }
    out_.insns[at].src_reg = BPF_PSEUDO_MAP_VALUE;
    out_.insns[at].imm = handles_.data_sections[relocation.target];
    out_.insns[at + 1].imm = static_cast<int32_t>(relocation.offset);
    return {};
  }

  // The kernel refuses partial info: func_info must cover every function, and line
  // info must start each function. Missing records drop the info, not the program.
  Status rebase_btf_info() {
    bool complete_func_info = true;
    bool complete_line_info = true;
    for (uint32_t function : layout_.functions) {
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
    for (size_t i = 0; i < layout_.functions.size(); ++i) {
      const FunctionSpec& spec = spec_.functions[layout_.functions[i]];
      out_.func_info.push_back(bpf_func_info{layout_.starts[i], spec.func_info.front().type_id});
    }
    if (!complete_line_info) return {};
    for (size_t i = 0; i < layout_.functions.size(); ++i) {
      for (const LineInfo& line : spec_.functions[layout_.functions[i]].line_info) {
        out_.line_info.push_back(
            bpf_line_info{layout_.starts[i] + line.insn, line.file_name_off, line.line_off, line.line_col});
      }
    }
    return {};
  }

  const ObjectSpec& spec_;
  const ProgramSpec& program_;
  const MapHandles& handles_;
  Layout layout_;
  LinkedProgram out_;
};

}  // namespace

std::string unresolved_extern_text(std::string_view name, bool function) {
  if (function)
    return fmt::format("calls extern function '{}', which the object does not define; it would be satisfied by "
                       "linking in the object that defines it (bpftool gen object) or, for a kfunc, by kernel "
                       "BTF resolution, which bpfload does not do",
                       name);
  return fmt::format("refers to extern '{}', which the object does not define; it would be satisfied by a "
                     "definition in the object (a global or const variable) or, for .kconfig/.ksyms externs, "
                     "by libbpf's kernel-config and kernel-BTF resolution, which bpfload does not do",
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

Result<LinkedProgram> link_program(const ObjectSpec& spec, size_t program, const MapHandles& handles) {
  if (program >= spec.programs.size()) {
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("link: program index {} out of range ({} programs)", program, spec.programs.size()));
  }
  const ByteOrder host = std::endian::native == std::endian::little ? ByteOrder::Little : ByteOrder::Big;
  if (spec.byte_order != host) {
    return make_error(ErrorKind::Unsupported,
                      fmt::format("link program '{}': the object is {}-endian but this host is not; the kernel "
                                  "only loads programs in its own byte order",
                                  spec.programs[program].name,
                                  spec.byte_order == ByteOrder::Little ? "little" : "big"));
  }
  return Linker(spec, spec.programs[program], handles).link();
}

}  // namespace bpfload
