// Inputs that grow without bound against the relocate layer (issue 25): each runs in a
// child under RLIMIT_CPU, so a return to super-linear work is a SIGXCPU, not a slow suite.
// The BTF is built at test time with libbpf's writer. Pure: no kernel.
#include <linux/bpf.h>
#include <linux/btf.h>

#include <bpf/btf.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "bpfload/core_relocate.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/link.hpp"
#include "resource_limits.hpp"

namespace bpfload {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
constexpr unsigned kCpuSeconds = 40;
#else
constexpr unsigned kCpuSeconds = 6;
#endif

// The shapes below took 20 s to hours of CPU before; linear code takes well under 1 s.
constexpr int kTargetTypes = 200000;

Instruction ldx_w() { return Instruction{static_cast<uint8_t>(BPF_LDX | BPF_MEM | BPF_W), 0, 1, 0, 0}; }
Instruction mov_one() { return Instruction{static_cast<uint8_t>(BPF_ALU64 | BPF_MOV | BPF_K), 0, 0, 0, 1}; }
Instruction call_imm(int32_t imm) { return Instruction{static_cast<uint8_t>(BPF_JMP | BPF_CALL), 0, 0, 0, imm}; }
Instruction exit_insn() { return Instruction{static_cast<uint8_t>(BPF_JMP | BPF_EXIT), 0, 0, 0, 0}; }

// A vmlinux-sized target: many named types, then `last` (which may add what is sought).
template <typename AddLast>
TargetBtf big_target(AddLast&& last) {
  TargetBtf target;
  target.vmlinux.reset(btf__new_empty());
  target.origin = "generated vmlinux";
  struct btf* btf = target.vmlinux.get();
  for (int i = 0; i < kTargetTypes; ++i) btf__add_int(btf, fmt::format("filler_{}", i).c_str(), 4, 0);
  last(btf);
  return target;
}

ObjectSpec one_function_object(struct btf* local, std::vector<Instruction> insns) {
  ObjectSpec spec;
  uint32_t size = 0;
  const void* raw = btf__raw_data(local, &size);
  std::vector<std::byte> bytes(static_cast<const std::byte*>(raw), static_cast<const std::byte*>(raw) + size);
  spec.btf = std::make_shared<const ParsedBtf>(BtfHandle(local), std::move(bytes));
  FunctionSpec function;
  function.name = "prog";
  function.section = "raw_tp/x";
  function.insns = std::move(insns);
  spec.functions.push_back(std::move(function));
  ProgramSpec program;
  program.name = "prog";
  program.section = "raw_tp/x";
  program.type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  spec.programs.push_back(program);
  return spec;
}

void expect_within_cpu_bound(const std::function<int()>& body) {
  const test::ChildOutcome outcome = test::run_bounded(0, kCpuSeconds, body);
  EXPECT_TRUE(outcome.exited) << "killed by signal " << outcome.signal
                              << (outcome.signal == SIGXCPU ? " (over the CPU bound: super-linear again)" : "");
  EXPECT_EQ(outcome.code, 0);
}

TEST(RelocateScaling, ManyLocalTypesOfOneNameShareOneCandidateSearch) {
  // 20,000 local copies of struct task_struct, one record each: every record used to scan
  // all 200,000 target types for candidates (4e9 name checks).
  constexpr int kLocalTypes = 20000;
  expect_within_cpu_bound([] {
    TargetBtf target = big_target([](struct btf* btf) {
      const int tint = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
      btf__add_struct(btf, "task_struct", 8);
      btf__add_field(btf, "pad", tint, 0, 0);
      btf__add_field(btf, "pid", tint, 32, 0);
    });
    struct btf* local = btf__new_empty();
    const int lint = btf__add_int(local, "int", 4, BTF_INT_SIGNED);
    std::vector<uint32_t> ids;
    for (int i = 0; i < kLocalTypes; ++i) {
      ids.push_back(static_cast<uint32_t>(btf__add_struct(local, "task_struct", 4)));
      btf__add_field(local, "pid", lint, 0, 0);
    }
    std::vector<Instruction> insns(kLocalTypes, ldx_w());
    insns.push_back(exit_insn());
    ObjectSpec spec = one_function_object(local, std::move(insns));
    for (int i = 0; i < kLocalTypes; ++i)
      spec.functions[0].core_relocations.push_back(
          {static_cast<uint32_t>(i), ids[i], static_cast<uint32_t>(CoreKind::FieldByteOffset), "0:0"});
    Result<CoreRelocation> out = relocate_core(spec, target);
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.error().message.c_str());
      return 3;
    }
    return out->spec.functions[0].insns[kLocalTypes - 1].off == 4 ? 0 : 4;
  });
}

TEST(RelocateScaling, AnonymousMemberFanOutIsSearchedOncePerType) {
  // Every level holds two anonymous members of the next level's type: 2^28 paths to a
  // member that is not there, as a --btf file of under 1 KB can declare.
  constexpr int kLevels = 28;
  expect_within_cpu_bound([] {
    TargetBtf target;
    target.vmlinux.reset(btf__new_empty());
    target.origin = "fan-out --btf";
    struct btf* btf = target.vmlinux.get();
    const int tint = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    // Ids are known ahead: level k is struct id first + k, the deepest holds `other`.
    const int first = tint + 1;
    for (int level = 0; level < kLevels; ++level) {
      btf__add_struct(btf, level == 0 ? "task_struct" : nullptr, 4);
      if (level + 1 == kLevels) {
        btf__add_field(btf, "other", tint, 0, 0);
      } else {
        btf__add_field(btf, nullptr, first + level + 1, 0, 0);
        btf__add_field(btf, nullptr, first + level + 1, 0, 0);
      }
    }
    struct btf* local = btf__new_empty();
    const int lint = btf__add_int(local, "int", 4, BTF_INT_SIGNED);
    const int task = btf__add_struct(local, "task_struct", 4);
    btf__add_field(local, "pid", lint, 0, 0);
    ObjectSpec spec = one_function_object(local, {mov_one(), exit_insn()});
    spec.functions[0].core_relocations.push_back(
        {0, static_cast<uint32_t>(task), static_cast<uint32_t>(CoreKind::FieldExists), "0:0"});
    Result<CoreRelocation> out = relocate_core(spec, target);
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.error().message.c_str());
      return 3;
    }
    return out->decisions.size() == 1 && out->decisions[0].value == 0 ? 0 : 4;
  });
}

TEST(RelocateScaling, ThousandsOfWeakKfuncsTheKernelLacksResolveInLinearTime) {
  // 16,000 weak kfunc externs, none in the target: each used to scan the object's BTF and
  // then all 200,000 target types.
  constexpr int kExterns = 16000;
  expect_within_cpu_bound([] {
    TargetBtf target = big_target([](struct btf*) {});
    struct btf* local = btf__new_empty();
    const int proto = btf__add_func_proto(local, 0);
    std::vector<int> funcs;
    for (int i = 0; i < kExterns; ++i)
      funcs.push_back(btf__add_func(local, fmt::format("missing_kfunc_{}", i).c_str(), BTF_FUNC_EXTERN, proto));
    const int ksyms = btf__add_datasec(local, ".ksyms", 0);
    (void)ksyms;
    for (int id : funcs) btf__add_datasec_var_info(local, id, 0, 0);
    std::vector<Instruction> insns(kExterns, call_imm(-1));
    insns.push_back(exit_insn());
    ObjectSpec spec = one_function_object(local, std::move(insns));
    for (int i = 0; i < kExterns; ++i) {
      const std::string name = fmt::format("missing_kfunc_{}", i);
      spec.externs.push_back({name, ExternSpec::Kind::Function, true});
      Relocation relocation;
      relocation.kind = Relocation::Kind::Extern;
      relocation.insn = static_cast<uint32_t>(i);
      relocation.target = static_cast<uint32_t>(i);
      relocation.symbol = name;
      spec.functions[0].relocations.push_back(std::move(relocation));
    }
    std::vector<std::string> notes;
    Status resolved = resolve_externs(spec, &target, nullptr, notes);
    if (!resolved.ok()) {
      std::fprintf(stderr, "%s\n", resolved.error().message.c_str());
      return 3;
    }
    // Every call is poisoned, as libbpf poisons calls to weak kfuncs the kernel lacks.
    return spec.functions[0].insns[kExterns - 1].imm == kPoisonKfuncCallBase + kExterns - 1 ? 0 : 4;
  });
}

}  // namespace
}  // namespace bpfload
