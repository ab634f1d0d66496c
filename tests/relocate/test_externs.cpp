// .kconfig, kfunc and ksym externs resolved against given kernel facts and a hand-built
// target BTF: the values land in a read-only ".kconfig" data section the loads point at,
// kfunc calls get their BTF id, and what cannot be resolved stays an extern. Pure.
#include <linux/bpf.h>
#include <linux/btf.h>

#include <bpf/btf.h>

#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/kernel_facts.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse_externs() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("externs_kconfig.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

KernelFacts facts() {
  KernelFacts out;
  out.version_code = (6u << 16) | (18u << 8) | 44u;
  out.has_bpf_cookie = true;
  out.config = parse_kernel_config(
      "# comment\nCONFIG_BPF_SYSCALL=y\nCONFIG_BPF_JIT=m\nCONFIG_HZ=250\n# CONFIG_FOO is not set\n"
      "CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n");
  return out;
}

struct Target {
  TargetBtf btf;
  int lock = 0, unlock = 0;
  Target() {
    btf.vmlinux.reset(btf__new_empty());
    btf.origin = "test";
    const int proto = btf__add_func_proto(btf.vmlinux.get(), 0);
    lock = btf__add_func(btf.vmlinux.get(), "bpf_rcu_read_lock", BTF_FUNC_GLOBAL, proto);
    unlock = btf__add_func(btf.vmlinux.get(), "bpf_rcu_read_unlock", BTF_FUNC_GLOBAL, proto);
  }
};

uint64_t kconfig_value_at(const ObjectSpec& spec, const std::string& name, size_t size) {
  for (const FunctionSpec& function : spec.functions)
    for (const Relocation& relocation : function.relocations)
      if (relocation.kind == Relocation::Kind::Data && relocation.symbol == name) {
        const DataSectionSpec& section = spec.data_sections[relocation.target];
        uint64_t value = 0;
        std::memcpy(&value, section.bytes.data() + relocation.offset, size);
        return value;
      }
  ADD_FAILURE() << "no data relocation for " << name;
  return ~0ull;
}

TEST(Externs, ConfigTextParsesSetOptionsOnly) {
  const auto config = parse_kernel_config("CONFIG_A=y\n# CONFIG_B is not set\n\nCONFIG_C=\"x y\"\nNOT_CONFIG=1\n");
  EXPECT_EQ(config.size(), 2u);
  EXPECT_EQ(config.at("CONFIG_A"), "y");
  EXPECT_EQ(config.at("CONFIG_C"), "\"x y\"");
}

TEST(Externs, KconfigValuesGoIntoAReadOnlySectionAndKfuncsGetTheirBtfIds) {
  ObjectSpec spec = parse_externs();
  ASSERT_TRUE(needs_kernel_facts(spec));
  EXPECT_EQ(extern_section(spec, "CONFIG_HZ"), ExternSection::Kconfig);
  EXPECT_EQ(extern_section(spec, "bpf_rcu_read_lock"), ExternSection::Ksyms);
  Target target;
  const KernelFacts kernel = facts();
  std::vector<std::string> notes;
  Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  ASSERT_FALSE(spec.data_sections.empty());
  const DataSectionSpec& kconfig = spec.data_sections.back();
  EXPECT_EQ(kconfig.name, ".kconfig");
  EXPECT_TRUE(kconfig.readonly);
  EXPECT_EQ(kconfig_value_at(spec, "LINUX_KERNEL_VERSION", 4), kernel.version_code);
  EXPECT_EQ(kconfig_value_at(spec, "LINUX_HAS_BPF_COOKIE", 1), 1u);
  EXPECT_EQ(kconfig_value_at(spec, "CONFIG_BPF_SYSCALL", 1), 1u);
  EXPECT_EQ(kconfig_value_at(spec, "CONFIG_BPF_JIT", 4), 2u) << "m is TRI_MODULE";
  EXPECT_EQ(kconfig_value_at(spec, "CONFIG_HZ", 4), 250u);
  EXPECT_EQ(kconfig_value_at(spec, "CONFIG_BPFLOAD_NO_SUCH_OPTION", 1), 0u) << "weak and absent: 0";
  bool saw_lock = false;
  for (const FunctionSpec& function : spec.functions) {
    for (const Relocation& relocation : function.relocations) EXPECT_NE(relocation.kind, Relocation::Kind::Extern);
    for (const Instruction& insn : function.insns)
      if (insn.code == (BPF_JMP | BPF_CALL) && insn.src == BPF_PSEUDO_KFUNC_CALL && insn.imm == target.lock)
        saw_lock = true;
  }
  EXPECT_TRUE(saw_lock);
  // The resolved object links: no extern left.
  MapHandles handles;
  handles.data_sections.assign(spec.data_sections.size(), 5);
  Result<LinkedProgram> linked = link_program(spec, 0, handles);
  EXPECT_TRUE(linked.ok()) << linked.error().message;
}

TEST(Externs, WeaknessComesFromTheElfSymbol) {
  const ObjectSpec spec = parse_externs();
  std::map<std::string, bool> weak;
  for (const ExternSpec& external : spec.externs) weak[external.name] = external.weak;
  EXPECT_FALSE(weak.at("CONFIG_BPF_SYSCALL"));
  EXPECT_FALSE(weak.at("LINUX_KERNEL_VERSION"));
  EXPECT_TRUE(weak.at("CONFIG_BPF_JIT"));
  EXPECT_TRUE(weak.at("CONFIG_BPFLOAD_NO_SUCH_OPTION"));
  EXPECT_FALSE(weak.at("bpf_rcu_read_lock"));
}

TEST(Externs, NonWeakKfuncMissingFromTheTargetIsRefusedNamingIt) {
  ObjectSpec spec = parse_externs();
  TargetBtf empty;
  empty.vmlinux.reset(btf__new_empty());
  empty.origin = "empty vmlinux";
  const KernelFacts kernel = facts();
  std::vector<std::string> notes;
  Status resolved = resolve_externs(spec, &empty, &kernel, notes);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().kind, ErrorKind::NotFound);
  EXPECT_NE(resolved.error().message.find("kfunc 'bpf_rcu_read_lock'"), std::string::npos) << resolved.error().message;
  EXPECT_NE(resolved.error().message.find("empty vmlinux"), std::string::npos) << resolved.error().message;
}

TEST(Externs, KsymsStayExternsWithoutTargetBtf) {
  ObjectSpec spec = parse_externs();
  const KernelFacts kernel = facts();
  std::vector<std::string> notes;
  ASSERT_TRUE(resolve_externs(spec, nullptr, &kernel, notes).ok());
  const std::vector<std::string> left = externs_used_by(spec, spec.programs[0].function);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.front(), "bpf_rcu_read_lock");
}

// libbpf: a CONFIG_ option the configuration does not set is 0 for a weak extern and
// refuses the load for a strong one, naming it and saying how to accept its absence.
TEST(Externs, OptionTheConfigurationDoesNotSetIsRefusedUnlessWeak) {
  Target target;
  KernelFacts kernel = facts();
  kernel.config.erase("CONFIG_BPF_SYSCALL");  // "# CONFIG_BPF_SYSCALL is not set"
  {
    ObjectSpec spec = parse_externs();
    std::vector<std::string> notes;
    Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().kind, ErrorKind::NotFound);
    EXPECT_NE(resolved.error().message.find("'CONFIG_BPF_SYSCALL'"), std::string::npos) << resolved.error().message;
    EXPECT_NE(resolved.error().message.find("__weak"), std::string::npos) << resolved.error().message;
  }
  ObjectSpec spec = parse_externs();
  for (ExternSpec& external : spec.externs)
    if (external.name == "CONFIG_BPF_SYSCALL") external.weak = true;
  std::vector<std::string> notes;
  Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(kconfig_value_at(spec, "CONFIG_BPF_SYSCALL", 1), 0u);
  bool noted = false;
  for (const std::string& note : notes) noted |= note.find("CONFIG_BPF_SYSCALL") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Externs, ValueOfTheWrongShapeIsRefused) {
  ObjectSpec spec = parse_externs();
  Target target;
  KernelFacts kernel = facts();
  kernel.config["CONFIG_HZ"] = "\"text\"";
  std::vector<std::string> notes;
  Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(resolved.error().message.find("CONFIG_HZ"), std::string::npos) << resolved.error().message;
}

// libbpf's rules for numbers: base 0 (octal 010 is 8), a value that does not fit is
// refused, and a tristate letter is no value for an int extern.
TEST(Externs, NumbersAreParsedAsLibbpfDoesAndMustFitTheirExtern) {
  Target target;
  std::vector<std::string> notes;
  {
    ObjectSpec spec = parse_externs();
    KernelFacts kernel = facts();
    kernel.config["CONFIG_HZ"] = "010";
    Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
    ASSERT_TRUE(resolved.ok()) << resolved.error().message;
    EXPECT_EQ(kconfig_value_at(spec, "CONFIG_HZ", 4), 8u);
  }
  for (const char* value : {"0x100000000", "0xdead000000000000", "y", "m", "12abc"}) {
    SCOPED_TRACE(value);
    ObjectSpec spec = parse_externs();
    KernelFacts kernel = facts();
    kernel.config["CONFIG_HZ"] = value;
    Status resolved = resolve_externs(spec, &target.btf, &kernel, notes);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(resolved.error().message.find("CONFIG_HZ"), std::string::npos) << resolved.error().message;
  }
}

}  // namespace
}  // namespace bpfload
