// .ksyms externs against hand-built target BTF and kallsyms text, as libbpf resolves them:
// untyped ksyms get the kallsyms address in their ld_imm64, a weak extern the kernel lacks
// is NULL (and a call to it poisoned, so bpf_ksym_exists() guards verify), a non-weak one
// is refused naming it, and symbols in a module's BTF get fd_array slots. The kallsyms
// parser and reader: malformed lines, ambiguity, long lines and huge files. Pure, except
// for files the tests write in /tmp.
#include <linux/bpf.h>
#include <linux/btf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/kallsyms.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

constexpr uint64_t kStext = 0xffffffff81000000ull;
constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;

ObjectSpec parse_ksyms() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("externs_ksyms.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

const ExternSpec* find_extern(const ObjectSpec& spec, const std::string& name) {
  for (const ExternSpec& external : spec.externs)
    if (external.name == name) return &external;
  return nullptr;
}

uint32_t extern_index(const ObjectSpec& spec, const std::string& name) {
  for (size_t e = 0; e < spec.externs.size(); ++e)
    if (spec.externs[e].name == name) return static_cast<uint32_t>(e);
  ADD_FAILURE() << "no extern " << name;
  return 0;
}

// vmlinux with bpf_rcu_read_lock/unlock; optionally a module "fake_mod" (split BTF) with
// the kfunc and the typed variable vmlinux lacks.
struct Target {
  TargetBtf btf;
  int lock = 0, unlock = 0, module_kfunc = 0, module_var = 0;
  explicit Target(bool with_module = false) {
    btf.vmlinux.reset(btf__new_empty());
    btf.origin = "test vmlinux";
    const int proto = btf__add_func_proto(btf.vmlinux.get(), 0);
    lock = btf__add_func(btf.vmlinux.get(), "bpf_rcu_read_lock", BTF_FUNC_GLOBAL, proto);
    unlock = btf__add_func(btf.vmlinux.get(), "bpf_rcu_read_unlock", BTF_FUNC_GLOBAL, proto);
    const int int_type = btf__add_int(btf.vmlinux.get(), "int", 4, BTF_INT_SIGNED);
    if (!with_module) return;
    BtfHandle module(btf__new_empty_split(btf.vmlinux.get()));
    const int module_proto = btf__add_func_proto(module.get(), 0);
    module_kfunc = btf__add_func(module.get(), "bpfload_no_such_kfunc", BTF_FUNC_GLOBAL, module_proto);
    module_var = btf__add_var(module.get(), "bpfload_no_such_typed_var", BTF_VAR_GLOBAL_ALLOCATED, int_type);
    btf.modules.push_back({"fake_mod", std::move(module)});
  }
};

KernelSymbols stext_only() {
  KernelSymbols symbols;
  symbols.origin = "test kallsyms";
  symbols.addresses["_stext"] = kStext;
  return symbols;
}

// The instructions of the program's function that refer to `name`, by the spec before
// resolution (relocations are consumed by it).
std::vector<uint32_t> references(const ObjectSpec& spec, const std::string& name) {
  std::vector<uint32_t> out;
  for (const Relocation& relocation : spec.functions[spec.programs[0].function].relocations)
    if (relocation.symbol == name) out.push_back(relocation.insn);
  return out;
}

struct Resolved {
  ObjectSpec before, after;
  const std::vector<Instruction>& insns() const { return after.functions[after.programs[0].function].insns; }
};

Resolved resolve(const Target& target, const KernelSymbols& symbols, Status* status = nullptr) {
  Resolved out;
  out.before = parse_ksyms();
  out.after = out.before;
  std::vector<std::string> notes;
  Status resolved = resolve_externs(out.after, &target.btf, nullptr, notes, &symbols);
  if (status != nullptr) *status = resolved;
  else EXPECT_TRUE(resolved.ok()) << resolved.error().message;
  return out;
}

TEST(Ksyms, WeaknessAndKindAreRecordedFromTheSymbols) {
  const ObjectSpec spec = parse_ksyms();
  ASSERT_NE(find_extern(spec, "_stext"), nullptr);
  EXPECT_FALSE(find_extern(spec, "_stext")->weak);
  EXPECT_EQ(find_extern(spec, "_stext")->kind, ExternSpec::Kind::Variable);
  EXPECT_TRUE(find_extern(spec, "bpfload_no_such_symbol")->weak);
  EXPECT_TRUE(find_extern(spec, "bpfload_no_such_typed_var")->weak);
  // Its address is loaded (bpf_ksym_exists) before the call: still a function.
  EXPECT_TRUE(find_extern(spec, "bpfload_no_such_kfunc")->weak);
  EXPECT_EQ(find_extern(spec, "bpfload_no_such_kfunc")->kind, ExternSpec::Kind::Function);
  EXPECT_FALSE(find_extern(spec, "bpf_rcu_read_unlock")->weak);
  const std::vector<std::string> untyped = untyped_ksyms(spec);
  EXPECT_EQ(untyped, (std::vector<std::string>{"bpfload_no_such_symbol", "_stext"}));
  // Equality sees weakness: a spec differing only there is another spec.
  ObjectSpec strong = spec;
  for (ExternSpec& external : strong.externs) external.weak = false;
  EXPECT_FALSE(strong.externs == spec.externs);
}

TEST(Ksyms, UntypedKsymGetsItsKallsymsAddressInTheLdImm64) {
  const Resolved r = resolve(Target(), stext_only());
  const std::vector<uint32_t> at = references(r.before, "_stext");
  ASSERT_EQ(at.size(), 1u);
  const Instruction& low = r.insns()[at[0]];
  EXPECT_EQ(low.code, kLdImm64);
  EXPECT_EQ(low.src, 0);
  EXPECT_EQ(static_cast<uint32_t>(low.imm), static_cast<uint32_t>(kStext));
  EXPECT_EQ(static_cast<uint32_t>(r.insns()[at[0] + 1].imm), static_cast<uint32_t>(kStext >> 32));
  // Nothing of the extern is left for the linker to refuse.
  EXPECT_TRUE(externs_used_by(r.after, r.after.programs[0].function).empty());
  MapHandles handles;
  handles.data_sections.assign(r.after.data_sections.size(), 5);
  Result<LinkedProgram> linked = link_program(r.after, 0, handles);
  EXPECT_TRUE(linked.ok()) << linked.error().message;
}

TEST(Ksyms, WeakAbsentVariablesAreNullAndTheWeakAbsentKfuncCallIsPoisoned) {
  const Resolved r = resolve(Target(), stext_only());
  for (const char* name : {"bpfload_no_such_symbol", "bpfload_no_such_typed_var"}) {
    SCOPED_TRACE(name);
    const std::vector<uint32_t> at = references(r.before, name);
    ASSERT_EQ(at.size(), 1u);
    EXPECT_EQ(r.insns()[at[0]], (Instruction{kLdImm64, r.insns()[at[0]].dst, 0, 0, 0}));
    EXPECT_EQ(r.insns()[at[0] + 1].imm, 0);
  }
  const std::vector<uint32_t> kfunc = references(r.before, "bpfload_no_such_kfunc");
  ASSERT_EQ(kfunc.size(), 2u);  // bpf_ksym_exists() then the call
  for (uint32_t insn : kfunc) {
    const Instruction& now = r.insns()[insn];
    if (r.before.functions[r.before.programs[0].function].insns[insn].code == kLdImm64) {
      EXPECT_EQ(now.src, 0);
      EXPECT_EQ(now.imm, 0);
      EXPECT_EQ(r.insns()[insn + 1].imm, 0);
    } else {
      // libbpf's poison_kfunc_call: an invalid helper naming the extern's index.
      EXPECT_EQ(now, (Instruction{kCall, 0, 0, 0,
                                  kPoisonKfuncCallBase + static_cast<int32_t>(extern_index(r.after, "bpfload_no_such_kfunc"))}));
    }
  }
}

TEST(Ksyms, PresentKfuncIsACallAndItsAddressABtfIdLoad) {
  const Target target;
  const Resolved r = resolve(target, stext_only());
  bool saw_load = false, saw_call = false;
  for (uint32_t insn : references(r.before, "bpf_rcu_read_lock")) {
    const Instruction& now = r.insns()[insn];
    if (now.code == kLdImm64) {
      saw_load = true;
      EXPECT_EQ(now.src, BPF_PSEUDO_BTF_ID);
      EXPECT_EQ(now.imm, target.lock);
      EXPECT_EQ(r.insns()[insn + 1].imm, 0) << "vmlinux: no BTF fd";
    } else {
      saw_call = true;
      EXPECT_EQ(now.src, BPF_PSEUDO_KFUNC_CALL);
      EXPECT_EQ(now.imm, target.lock);
      EXPECT_EQ(now.off, 0);
    }
  }
  EXPECT_TRUE(saw_load);
  EXPECT_TRUE(saw_call);
  EXPECT_TRUE(r.after.kernel_btf_modules.empty());
}

TEST(Ksyms, NonWeakAbsentExternsAreRefusedNamingThem) {
  struct Case {
    const char* name;
    bool drop_from_kallsyms;
  };
  for (const Case& c : {Case{"_stext", true}, Case{"bpfload_no_such_kfunc", false},
                        Case{"bpfload_no_such_typed_var", false}, Case{"bpf_rcu_read_unlock", false}}) {
    SCOPED_TRACE(c.name);
    ObjectSpec spec = parse_ksyms();
    for (ExternSpec& external : spec.externs)
      if (external.name == c.name) external.weak = false;
    KernelSymbols symbols = stext_only();
    if (c.drop_from_kallsyms) symbols.addresses.clear();
    TargetBtf bare;  // only for bpf_rcu_read_unlock: a vmlinux without it
    bare.vmlinux.reset(btf__new_empty());
    bare.origin = "bare vmlinux";
    const Target target;
    std::vector<std::string> notes;
    Status resolved = resolve_externs(spec, std::string(c.name) == "bpf_rcu_read_unlock" ? &bare : &target.btf,
                                      nullptr, notes, &symbols);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().kind, ErrorKind::NotFound);
    EXPECT_NE(resolved.error().message.find(std::string("'") + c.name + "'"), std::string::npos)
        << resolved.error().message;
    EXPECT_NE(resolved.error().message.find("__weak"), std::string::npos) << resolved.error().message;
  }
}

TEST(Ksyms, HiddenKallsymsAddressIsRefusedSayingWhy) {
  KernelSymbols symbols = stext_only();
  symbols.addresses["_stext"] = 0;  // what kallsyms shows without CAP_SYSLOG
  Status status;
  resolve(Target(), symbols, &status);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(status.error().message.find("kptr_restrict"), std::string::npos) << status.error().message;
}

TEST(Ksyms, ModuleKfuncAndVariableGetTheModulesFdArraySlot) {
  const Target target(true);
  const Resolved r = resolve(target, stext_only());
  ASSERT_EQ(r.after.kernel_btf_modules, std::vector<std::string>{"fake_mod"});
  const FunctionSpec& function = r.after.functions[r.after.programs[0].function];
  unsigned module_loads = 0;
  for (const char* name : {"bpfload_no_such_kfunc", "bpfload_no_such_typed_var"}) {
    for (uint32_t insn : references(r.before, name)) {
      const Instruction& now = r.insns()[insn];
      if (now.code == kCall) {
        EXPECT_EQ(now.src, BPF_PSEUDO_KFUNC_CALL);
        EXPECT_EQ(now.imm, target.module_kfunc);
        EXPECT_EQ(now.off, 1) << "fd_array slot 1: the first module";
        continue;
      }
      EXPECT_EQ(now.src, BPF_PSEUDO_BTF_ID) << name;
      EXPECT_EQ(now.imm, std::string(name) == "bpfload_no_such_kfunc" ? target.module_kfunc : target.module_var);
      bool patched_by_linker = false;
      for (const Relocation& relocation : function.relocations)
        patched_by_linker |= relocation.insn == insn && relocation.kind == Relocation::Kind::ModuleBtf &&
                             relocation.target == 0;
      EXPECT_TRUE(patched_by_linker) << name;
      ++module_loads;
    }
  }
  EXPECT_EQ(module_loads, 2u);
  // The fd patch writes the module's BTF fd into the second half; without one it refuses.
  MapHandles handles;
  handles.data_sections.assign(r.after.data_sections.size(), 5);
  Result<LinkedProgram> missing = link_program(r.after, 0, handles);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("fake_mod"), std::string::npos) << missing.error().message;
  handles.module_btf = {42};
  Result<LinkedProgram> linked = link_program(r.after, 0, handles);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  unsigned with_fd = 0;
  for (size_t i = 0; i + 1 < linked->insns.size(); ++i)
    if (linked->insns[i].code == kLdImm64 && linked->insns[i].src_reg == BPF_PSEUDO_BTF_ID &&
        linked->insns[i + 1].imm == 42)
      ++with_fd;
  EXPECT_EQ(with_fd, 2u);
}

// ---- the kallsyms parser and reader ----

TEST(Kallsyms, ParsesWantedSymbolsWithModulesAndLlvmSuffixes) {
  KernelSymbols out;
  out.origin = "text";
  Status parsed = parse_kallsyms(
      "ffffffff81000000 T _stext\n"
      "ffffffff82400000 D __start_rodata\n"
      "ffffffffc0a01000 t mod_fn\t[fake_mod]\n"
      "ffffffff83000000 d counter.llvm.123456\n"
      "ffffffff84000000 T unwanted\n"
      "\n",
      {"_stext", "mod_fn", "counter", "absent"}, out);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(out.addresses.size(), 3u);
  EXPECT_EQ(out.addresses.at("_stext"), kStext);
  EXPECT_EQ(out.addresses.at("mod_fn"), 0xffffffffc0a01000ull);
  EXPECT_EQ(out.addresses.at("counter"), 0xffffffff83000000ull);
  EXPECT_EQ(out.addresses.count("absent"), 0u);
}

TEST(Kallsyms, MalformedLinesAreRefusedNamingTheLine) {
  for (const char* text : {"ffffffff81000000 T _stext\nnot a line\n", "ffffffff81000000 T _stext\nffff TT x\n",
                           "ffffffff81000000 T _stext\n1ffffffffffffffff T wide\n",
                           "ffffffff81000000 T _stext\nffffffff81000000 T\n"}) {
    SCOPED_TRACE(text);
    KernelSymbols out;
    out.origin = "kallsyms text";
    Status parsed = parse_kallsyms(text, {"_stext"}, out);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().kind, ErrorKind::Malformed);
    EXPECT_NE(parsed.error().message.find("kallsyms text line 2"), std::string::npos) << parsed.error().message;
  }
}

TEST(Kallsyms, SymbolAtTwoAddressesIsAmbiguous) {
  KernelSymbols out;
  out.origin = "t";
  Status parsed = parse_kallsyms("0000000000001000 t dup\n0000000000002000 t dup\n", {"dup"}, out);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("ambiguous"), std::string::npos) << parsed.error().message;
  KernelSymbols same;
  EXPECT_TRUE(parse_kallsyms("0000000000001000 t dup\n0000000000001000 t dup\n", {"dup"}, same).ok());
}

TEST(Kallsyms, ReaderStreamsAFileAndBoundsLinesAndSize) {
  FakeKernel kernel;
  const std::string path = "/proc/kallsyms";
  std::string text;
  for (int i = 0; i < 10000; ++i) text += fmt::format("ffffffff8{:x} t filler_{}\n", 0x1000000 + i, i);
  text += "ffffffff81000000 T _stext";  // last line without a newline
  kernel.add_file(path, text);
  Result<KernelSymbols> read = read_kallsyms(kernel, {"_stext", "filler_7"}, path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->addresses.at("_stext"), kStext);
  EXPECT_EQ(read->addresses.at("filler_7"), 0xffffffff81000007ull);
  EXPECT_EQ(read->origin, path);

  Result<KernelSymbols> capped = read_kallsyms(kernel, {"_stext"}, path, 4096);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, ErrorKind::LimitExceeded);

  kernel.add_file(path, "ffffffff81000000 T _stext\n" + std::string(kMaxKallsymsLine + 10, 'x') + "\n");
  Result<KernelSymbols> long_line = read_kallsyms(kernel, {"_stext"}, path);
  ASSERT_FALSE(long_line.ok());
  EXPECT_EQ(long_line.error().kind, ErrorKind::Malformed);
  EXPECT_NE(long_line.error().message.find("line 2"), std::string::npos) << long_line.error().message;

  // NULs with no newline: refused after one line's worth, not read whole.
  kernel.add_file(path, std::string(size_t{1} << 20, '\0'));
  Result<KernelSymbols> zeros = read_kallsyms(kernel, {"_stext"}, path);
  ASSERT_FALSE(zeros.ok());
  EXPECT_EQ(zeros.error().kind, ErrorKind::Malformed);

  Result<KernelSymbols> missing = read_kallsyms(kernel, {"_stext"}, path + ".absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::Io);
}

TEST(Kallsyms, TheRealReaderRefusesWhatIsNotARegularFileWithoutReadingIt) {
  // /dev/zero never ends, and a FIFO without a writer would block an open without
  // O_NONBLOCK: both are refused by the one file reader before a byte is read.
  Result<KernelSymbols> zeros = read_kallsyms(system_kernel(), {"_stext"}, "/dev/zero");
  ASSERT_FALSE(zeros.ok());
  EXPECT_EQ(zeros.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(zeros.error().message.find("character device"), std::string::npos) << zeros.error().message;
  const std::string fifo = "/tmp/bpfload-kallsyms-fifo-" + std::to_string(getpid());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result<KernelSymbols> from_fifo = read_kallsyms(system_kernel(), {"_stext"}, fifo);
  std::remove(fifo.c_str());
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_EQ(from_fifo.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(from_fifo.error().message.find("FIFO"), std::string::npos) << from_fifo.error().message;
}

}  // namespace
}  // namespace bpfload
