// attach_btf_id for fentry/fexit/lsm/tp_btf/iter programs, against the fake kernel and a
// target BTF built in the test: the id of the named function, tracepoint typedef, LSM
// hook or iterator goes into BPF_PROG_LOAD, from vmlinux or from a module (with the
// module's BTF object fd), and a missing target is refused before the kernel is asked.
#include <linux/bpf.h>
#include <linux/btf.h>

#include <bpf/btf.h>

#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/attach_btf.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse_targets() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("btf_targets.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

int add_function(struct btf* btf, const char* name) {
  const int proto = btf__add_func_proto(btf, 0);
  return btf__add_func(btf, name, BTF_FUNC_STATIC, proto);
}

struct Targets {
  std::shared_ptr<TargetBtf> btf = std::make_shared<TargetBtf>();
  int unlinkat = 0, sys_enter = 0, iter_task = 0, lsm_file_open = 0;
};

// vmlinux with every target of btf_targets.o, or without do_unlinkat.
Targets make_targets(bool with_unlinkat) {
  Targets out;
  out.btf->vmlinux.reset(btf__new_empty());
  out.btf->origin = "test vmlinux";
  struct btf* b = out.btf->vmlinux.get();
  btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  if (with_unlinkat) out.unlinkat = add_function(b, "do_unlinkat");
  const int proto = btf__add_func_proto(b, 0);
  const int pointer = btf__add_ptr(b, proto);
  out.sys_enter = btf__add_typedef(b, "btf_trace_sys_enter", pointer);
  out.iter_task = add_function(b, "bpf_iter_task");
  out.lsm_file_open = add_function(b, "bpf_lsm_file_open");
  return out;
}

const FakeKernel::Program* loaded(const std::vector<FakeKernel::Program>& programs, const std::string& name) {
  for (const FakeKernel::Program& program : programs)
    if (program.name == name) return &program;
  return nullptr;
}

TEST(FakeBtfTargets, EachProgramIsLoadedWithItsTargetsBtfId) {
  ObjectSpec spec = parse_targets();
  Targets targets = make_targets(true);
  FakeKernel kernel;
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = targets.btf;
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message;
  const std::vector<FakeKernel::Program> programs = kernel.programs();
  const auto id_of = [&](const char* name) {
    const FakeKernel::Program* program = loaded(programs, name);
    EXPECT_NE(program, nullptr) << name;
    return program == nullptr ? 0u : program->attach_btf_id;
  };
  EXPECT_EQ(id_of("on_unlinkat_ent"), static_cast<uint32_t>(targets.unlinkat));  // names cut to 15 bytes
  EXPECT_EQ(id_of("on_unlinkat_exi"), static_cast<uint32_t>(targets.unlinkat));
  EXPECT_EQ(id_of("count_sys_enter"), static_cast<uint32_t>(targets.sys_enter));
  EXPECT_EQ(id_of("count_tasks"), static_cast<uint32_t>(targets.iter_task));
  EXPECT_EQ(id_of("on_file_open"), static_cast<uint32_t>(targets.lsm_file_open));
  for (const FakeKernel::Program& program : programs) EXPECT_EQ(program.attach_btf_obj_id, 0u) << program.name;
}

TEST(FakeBtfTargets, TargetInAModuleIsLoadedWithTheModulesBtfObject) {
  ObjectSpec spec = parse_targets();
  Targets targets = make_targets(false);
  BtfHandle module(btf__new_empty_split(targets.btf->vmlinux.get()));
  ASSERT_NE(module, nullptr);
  const int unlinkat = add_function(module.get(), "do_unlinkat");
  targets.btf->modules.push_back({"fake_fs", std::move(module)});
  FakeKernel kernel;
  const uint32_t module_btf_id = kernel.add_module_btf("fake_fs");
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = targets.btf;
  options.only_programs = {"on_unlinkat_entry"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message;
  const std::vector<FakeKernel::Program> programs = kernel.programs();
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].attach_btf_id, static_cast<uint32_t>(unlinkat));
  EXPECT_EQ(programs[0].attach_btf_obj_id, module_btf_id);
}

TEST(FakeBtfTargets, MissingTargetIsRefusedBeforeTheKernelNamingIt) {
  ObjectSpec spec = parse_targets();
  Targets targets = make_targets(false);
  FakeKernel kernel;
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = targets.btf;
  options.only_programs = {"on_unlinkat_entry"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().kind, ErrorKind::NotFound);
  EXPECT_NE(object.error().message.find("'do_unlinkat'"), std::string::npos) << object.error().message;
  EXPECT_NE(object.error().message.find("fentry/do_unlinkat"), std::string::npos) << object.error().message;
  EXPECT_EQ(kernel.calls_named("prog_load"), 0u);
}

TEST(FakeBtfTargets, KernelRefusalOfFentryIsReportedWithTheLog) {
  // What this machine's kernel does: EPERM for fentry even as root.
  ObjectSpec spec = parse_targets();
  Targets targets = make_targets(true);
  FakeKernel kernel;
  kernel.refuse_program("on_unlinkat_ent", EPERM, "");
  LoadOptions options;
  options.kernel = &kernel;
  options.target_btf = targets.btf;
  options.only_programs = {"on_unlinkat_entry"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().sys_errno, EPERM);
  EXPECT_NE(object.error().message.find("on_unlinkat_entry"), std::string::npos) << object.error().message;
}

TEST(FakeBtfTargets, BtfNamesFollowTheSectionKind) {
  ProgramSpec program;
  program.type = BPF_PROG_TYPE_TRACING;
  program.expected_attach_type = BPF_TRACE_RAW_TP;
  program.attach_to = "sched_switch";
  EXPECT_EQ(attach_btf_name(program), "btf_trace_sched_switch");
  program.expected_attach_type = BPF_TRACE_ITER;
  program.attach_to = "bpf_map";
  EXPECT_EQ(attach_btf_name(program), "bpf_iter_bpf_map");
  program.expected_attach_type = BPF_TRACE_FENTRY;
  program.attach_to = "nf_conntrack:nf_confirm";
  EXPECT_EQ(attach_btf_name(program), "nf_confirm");
  program.type = BPF_PROG_TYPE_LSM;
  program.expected_attach_type = BPF_LSM_MAC;
  program.attach_to = "bprm_check_security";
  EXPECT_EQ(attach_btf_name(program), "bpf_lsm_bprm_check_security");
  EXPECT_TRUE(needs_attach_btf_id(program));
  program.type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  program.expected_attach_type = 0;
  EXPECT_FALSE(needs_attach_btf_id(program));
}

}  // namespace
}  // namespace bpfload
