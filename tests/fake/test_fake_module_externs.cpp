// Module kfuncs and typed ksyms against the fake kernel: externs_ksyms.o's kfunc and typed
// variable are put in a hand-built split BTF of a fake module, and the load must pass that
// module's BTF object in BPF_PROG_LOAD's fd_array (slot 0 unused, the kfunc call's off the
// slot) and its fd in the second half of each BTF_ID ld_imm64, as the kernel reads them.
// The fake checks both the way the verifier does and records which BTF object each was.
#include <linux/bpf.h>
#include <linux/btf.h>
#include <unistd.h>

#include <bpf/btf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse_ksyms() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("externs_ksyms.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

// A kallsyms file in the fake's own filesystem: the load reads nothing of the host.
struct Kallsyms {
  std::string path = "/proc/kallsyms";
  explicit Kallsyms(FakeKernel& kernel) {
    kernel.add_file(path, "ffffffff81000000 T _stext\nffffffff81000010 t other\t[fake_mod]\n");
  }
};

struct ModuleTarget {
  std::shared_ptr<TargetBtf> btf = std::make_shared<TargetBtf>();
  int kfunc = 0, var = 0;
  ModuleTarget() {
    btf->vmlinux.reset(btf__new_empty());
    btf->origin = "fake vmlinux";
    const int proto = btf__add_func_proto(btf->vmlinux.get(), 0);
    btf__add_func(btf->vmlinux.get(), "bpf_rcu_read_lock", BTF_FUNC_GLOBAL, proto);
    btf__add_func(btf->vmlinux.get(), "bpf_rcu_read_unlock", BTF_FUNC_GLOBAL, proto);
    const int int_type = btf__add_int(btf->vmlinux.get(), "int", 4, BTF_INT_SIGNED);
    BtfHandle module(btf__new_empty_split(btf->vmlinux.get()));
    const int module_proto = btf__add_func_proto(module.get(), 0);
    kfunc = btf__add_func(module.get(), "bpfload_no_such_kfunc", BTF_FUNC_GLOBAL, module_proto);
    var = btf__add_var(module.get(), "bpfload_no_such_typed_var", BTF_VAR_GLOBAL_ALLOCATED, int_type);
    btf->modules.push_back({"fake_mod", std::move(module)});
  }
};

TEST(FakeModuleExterns, ModuleKfuncAndKsymGoThroughFdArrayAndTheBtfFd) {
  const ObjectSpec spec = parse_ksyms();
  const ModuleTarget target;
  FakeKernel kernel;
  const Kallsyms kallsyms(kernel);
  const uint32_t module_id = kernel.add_module_btf("fake_mod");
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = target.btf;
  options.kallsyms_path = kallsyms.path;
  LoadReport report;
  Result<LoadedObject> object = load_object(spec, options, &report);
  ASSERT_TRUE(object.ok()) << object.error().message;
  const std::vector<FakeKernel::Program> programs = kernel.programs();
  ASSERT_EQ(programs.size(), 1u);
  const FakeKernel::Program& program = programs[0];
  // One slot per distinct module after the unused slot 0.
  EXPECT_EQ(program.fd_array_btf_ids, (std::vector<uint32_t>{0, module_id}));
  unsigned module_calls = 0, vmlinux_calls = 0;
  for (const bpf_insn& insn : program.insns) {
    if (insn.code != (BPF_JMP | BPF_CALL) || insn.src_reg != BPF_PSEUDO_KFUNC_CALL) continue;
    if (insn.imm == target.kfunc) {
      EXPECT_EQ(insn.off, 1);
      ++module_calls;
    } else {
      EXPECT_EQ(insn.off, 0) << "a vmlinux kfunc has no fd_array slot";
      ++vmlinux_calls;
    }
  }
  EXPECT_EQ(module_calls, 1u);
  EXPECT_EQ(vmlinux_calls, 2u);
  // The typed variable and bpf_ksym_exists(kfunc) load with the module's BTF object.
  ASSERT_EQ(program.btf_id_load_objects.size(), 2u);
  std::vector<int32_t> ids;
  for (const auto& [insn, btf_object] : program.btf_id_load_objects) {
    EXPECT_EQ(btf_object, module_id) << "insn " << insn;
    ids.push_back(program.insns[insn].imm);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int32_t>{target.kfunc, target.var}));
  // The untyped ksym came from the given kallsyms file.
  bool saw_stext = false;
  for (size_t i = 0; i + 1 < program.insns.size(); ++i)
    saw_stext |= program.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && program.insns[i].src_reg == 0 &&
                 static_cast<uint32_t>(program.insns[i].imm) == 0x81000000u &&
                 static_cast<uint32_t>(program.insns[i + 1].imm) == 0xffffffffu;
  EXPECT_TRUE(saw_stext);
  bool noted = false;
  for (const std::string& note : report.core_relocations) noted |= note.find("module 'fake_mod'") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(FakeModuleExterns, ModuleWithoutBtfObjectFailsTheLoadNamingIt) {
  const ObjectSpec spec = parse_ksyms();
  const ModuleTarget target;
  FakeKernel kernel;  // no add_module_btf: the module is not loaded
  const Kallsyms kallsyms(kernel);
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = target.btf;
  options.kallsyms_path = kallsyms.path;
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().kind, ErrorKind::NotFound);
  EXPECT_NE(object.error().message.find("fake_mod"), std::string::npos) << object.error().message;
  EXPECT_TRUE(kernel.programs().empty());
}

TEST(FakeModuleExterns, UnreadableKallsymsFailsTheLoadNamingTheExtern) {
  const ObjectSpec spec = parse_ksyms();
  const ModuleTarget target;
  FakeKernel kernel;
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = target.btf;
  options.kallsyms_path = "/tmp/bpfload-no-such-kallsyms-" + std::to_string(getpid());
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().kind, ErrorKind::Io);
  EXPECT_NE(object.error().message.find("untyped .ksyms extern"), std::string::npos) << object.error().message;
}

// A reachable call to a weak kfunc the kernel lacks is refused by the verifier as an
// invalid helper (the poisoned imm); the load error names the kfunc and the guard to add.
TEST(FakeModuleExterns, ReachablePoisonedKfuncCallIsNamedInTheError) {
  const ObjectSpec spec = parse_ksyms();
  auto target = std::make_shared<TargetBtf>();
  target->vmlinux.reset(btf__new_empty());
  target->origin = "fake vmlinux";
  const int proto = btf__add_func_proto(target->vmlinux.get(), 0);
  btf__add_func(target->vmlinux.get(), "bpf_rcu_read_lock", BTF_FUNC_GLOBAL, proto);
  btf__add_func(target->vmlinux.get(), "bpf_rcu_read_unlock", BTF_FUNC_GLOBAL, proto);
  uint32_t index = 0;
  for (size_t e = 0; e < spec.externs.size(); ++e)
    if (spec.externs[e].name == "bpfload_no_such_kfunc") index = static_cast<uint32_t>(e);
  FakeKernel kernel;
  const Kallsyms kallsyms(kernel);
  kernel.refuse_program("read_ksyms", EINVAL,
                        "11: (85) call unknown#" + std::to_string(kPoisonKfuncCallBase + index) +
                            "\ninvalid func unknown#" + std::to_string(kPoisonKfuncCallBase + index) + "\n");
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = target;
  options.kallsyms_path = kallsyms.path;
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_FALSE(object.ok());
  EXPECT_NE(object.error().message.find("weak kfunc 'bpfload_no_such_kfunc'"), std::string::npos)
      << object.error().message;
  EXPECT_NE(object.error().message.find("bpf_ksym_exists(bpfload_no_such_kfunc)"), std::string::npos)
      << object.error().message;
}

}  // namespace
}  // namespace bpfload
