// CO-RE decisions against hand-built BTF: every relocation kind, flavours, anonymous
// members, arrays, load-size changes, poisoning, ambiguity, module fallback and bad
// records. Pure: no kernel.
#include <linux/bpf.h>
#include <linux/btf.h>

#include <bpf/btf.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/core_relocate.hpp"
#include "bpfload/link.hpp"

namespace bpfload {
namespace {

constexpr uint32_t kind(CoreKind k) { return static_cast<uint32_t>(k); }

Instruction ldx_w(int16_t off) {
  return Instruction{static_cast<uint8_t>(BPF_LDX | BPF_MEM | BPF_W), 0, 1, off, 0};
}
Instruction mov_imm(int32_t imm) { return Instruction{static_cast<uint8_t>(BPF_ALU64 | BPF_MOV | BPF_K), 0, 0, 0, imm}; }
Instruction exit_insn() { return Instruction{static_cast<uint8_t>(BPF_JMP | BPF_EXIT), 0, 0, 0, 0}; }
bool is_poison(const Instruction& insn) {
  return insn.code == (BPF_JMP | BPF_CALL) && insn.imm == kCorePoisonImm && insn.src == 0;
}

/// A BTF being written; ids are what the btf__add_* calls return.
class BtfBuilder {
 public:
  BtfBuilder() : btf_(btf__new_empty()) {}
  struct btf* get() { return btf_.get(); }
  BtfHandle take() { return std::move(btf_); }
  int add_int(const char* name, size_t size, bool is_signed) {
    return btf__add_int(get(), name, size, is_signed ? BTF_INT_SIGNED : 0);
  }
  /// struct `name` of `size` bytes with (name, type, bit offset, bit size) fields.
  struct Field {
    const char* name;
    int type;
    uint32_t bit_offset;
    uint32_t bit_size = 0;
  };
  int add_struct(const char* name, uint32_t size, std::initializer_list<Field> fields, bool is_union = false) {
    const int id = is_union ? btf__add_union(get(), name, size) : btf__add_struct(get(), name, size);
    for (const Field& field : fields) btf__add_field(get(), field.name, field.type, field.bit_offset, field.bit_size);
    return id;
  }
  int add_enum(const char* name, std::initializer_list<std::pair<const char*, int64_t>> values) {
    const int id = btf__add_enum(get(), name, 4);
    for (const auto& [value_name, value] : values) btf__add_enum_value(get(), value_name, value);
    return id;
  }

 private:
  BtfHandle btf_;
};

/// An object of one function whose BTF is `local` and whose instructions carry `records`.
ObjectSpec object_with(BtfBuilder& local, std::vector<Instruction> insns, std::vector<CoreRecord> records) {
  ObjectSpec spec;
  uint32_t size = 0;
  const void* raw = btf__raw_data(local.get(), &size);
  std::vector<std::byte> bytes(static_cast<const std::byte*>(raw), static_cast<const std::byte*>(raw) + size);
  spec.btf = std::make_shared<const ParsedBtf>(local.take(), std::move(bytes));
  FunctionSpec function;
  function.name = "prog";
  function.section = "raw_tp/x";
  function.insns = std::move(insns);
  function.core_relocations = std::move(records);
  spec.functions.push_back(std::move(function));
  ProgramSpec program;
  program.name = "prog";
  program.section = "raw_tp/x";
  program.type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  spec.programs.push_back(program);
  return spec;
}

TargetBtf target_of(BtfBuilder& builder) {
  TargetBtf target;
  target.vmlinux = builder.take();
  target.origin = "test";
  return target;
}

// Local: struct task { int pid; int tgid; }  Target: struct task { long pad; int pid; int tgid; }
struct TaskPair {
  BtfBuilder local;
  BtfBuilder target;
  int local_task = 0;
  TaskPair(bool target_has_tgid = true) {
    const int lint = local.add_int("int", 4, true);
    local_task = local.add_struct("task", 8, {{"pid", lint, 0}, {"tgid", lint, 32}});
    const int tint = target.add_int("int", 4, true);
    const int tlong = target.add_int("long", 8, true);
    if (target_has_tgid)
      target.add_struct("task", 16, {{"pad", tlong, 0}, {"pid", tint, 64}, {"tgid", tint, 96}});
    else
      target.add_struct("task", 16, {{"pad", tlong, 0}, {"pid", tint, 64}});
  }
};

Result<CoreRelocation> relocate(ObjectSpec& spec, TargetBtf& target) { return relocate_core(spec, target); }

TEST(CoreRelocate, FieldOffsetIsTheTargetsAndTheLoadIsRewritten) {
  TaskPair pair;
  ObjectSpec spec = object_with(pair.local, {ldx_w(4), exit_insn()},
                                {{0, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldByteOffset), "0:1"}});
  TargetBtf target = target_of(pair.target);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].off, 12);
  EXPECT_TRUE(out->spec.core_relocated);
  ASSERT_EQ(out->decisions.size(), 1u);
  EXPECT_EQ(out->decisions[0].value, 12u);
  EXPECT_EQ(out->decisions[0].local_value, 4u);
  EXPECT_EQ(out->decisions[0].target, "vmlinux");
  EXPECT_EQ(out->decisions[0].field, "task.tgid");
  EXPECT_FALSE(out->decisions[0].poisoned);
  // The input is untouched: relocation returns a copy.
  EXPECT_EQ(spec.functions[0].insns[0].off, 4);
}

TEST(CoreRelocate, MissingFieldPoisonsTheInstructionAndSaysWhich) {
  TaskPair pair(false);
  ObjectSpec spec = object_with(pair.local, {ldx_w(4), exit_insn()},
                                {{0, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldByteOffset), "0:1"}});
  TargetBtf target = target_of(pair.target);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(is_poison(out->spec.functions[0].insns[0]));
  ASSERT_EQ(out->decisions.size(), 1u);
  EXPECT_TRUE(out->decisions[0].poisoned);
  const std::string text = out->decisions[0].describe(out->spec);
  EXPECT_NE(text.find("task.tgid"), std::string::npos) << text;
  EXPECT_NE(text.find("poisoned"), std::string::npos) << text;
}

TEST(CoreRelocate, FieldExistsIsZeroWhenMissingAndOneWhenPresent) {
  for (const bool present : {true, false}) {
    TaskPair pair(present);
    ObjectSpec spec = object_with(pair.local, {mov_imm(1), exit_insn()},
                                  {{0, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldExists), "0:1"}});
    TargetBtf target = target_of(pair.target);
    Result<CoreRelocation> out = relocate(spec, target);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->spec.functions[0].insns[0].imm, present ? 1 : 0);
    EXPECT_FALSE(out->decisions[0].poisoned);
  }
}

TEST(CoreRelocate, ByteSizeAndSignednessFollowTheTargetField) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"flags", lint, 0}});
  BtfBuilder target_btf;
  const int tulong = target_btf.add_int("unsigned long", 8, false);
  target_btf.add_struct("task", 8, {{"flags", tulong, 0}});
  ObjectSpec spec = object_with(local, {mov_imm(4), mov_imm(1), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteSize), "0:0"},
                                 {1, static_cast<uint32_t>(ltask), kind(CoreKind::FieldSigned), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].imm, 8);
  EXPECT_EQ(out->spec.functions[0].insns[1].imm, 0);
}

TEST(CoreRelocate, BitfieldShiftsAndLoadWindow) {
  // Local: bits 0..2 of a u32. Target: 3 bits at bit 37 of a u64 word.
  BtfBuilder local;
  const int luint = local.add_int("unsigned int", 4, false);
  const int ls = local.add_struct("s", 4, {{"mode", luint, 0, 3}});
  BtfBuilder target_btf;
  const int tuint = target_btf.add_int("unsigned int", 4, false);
  target_btf.add_struct("s", 8, {{"other", tuint, 0, 0}, {"mode", tuint, 37, 3}});
  ObjectSpec spec = object_with(local, {mov_imm(0), mov_imm(4), mov_imm(61), mov_imm(61), exit_insn()},
                                {{0, static_cast<uint32_t>(ls), kind(CoreKind::FieldByteOffset), "0:0"},
                                 {1, static_cast<uint32_t>(ls), kind(CoreKind::FieldByteSize), "0:0"},
                                 {2, static_cast<uint32_t>(ls), kind(CoreKind::FieldLshiftU64), "0:0"},
                                 {3, static_cast<uint32_t>(ls), kind(CoreKind::FieldRshiftU64), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  const std::vector<Instruction>& insns = out->spec.functions[0].insns;
  // Bits 37..39 lie in the u32 at byte 4: read 4 bytes at 4, bit 5 within it.
  EXPECT_EQ(insns[0].imm, 4);
  EXPECT_EQ(insns[1].imm, 4);
  EXPECT_EQ(insns[2].imm, 64 - (37 + 3 - 32));  // little-endian: 64 - (bit_off + bit_sz - byte_off * 8)
  EXPECT_EQ(insns[3].imm, 61);
}

TEST(CoreRelocate, FlavouredLocalNameMatchesByEssentialName) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task___v1", 4, {{"tgid", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  target_btf.add_struct("task", 8, {{"pid", tint, 0}, {"tgid", tint, 32}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].off, 4);
}

TEST(CoreRelocate, CandidatesThatDisagreeAreAnAmbiguityError) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"tgid", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  target_btf.add_struct("task", 8, {{"pid", tint, 0}, {"tgid", tint, 32}});
  target_btf.add_struct("task___other", 4, {{"tgid", tint, 0}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(out.error().message.find("ambiguous"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("'prog'"), std::string::npos) << out.error().message;
}

TEST(CoreRelocate, CandidatesThatAgreeAreFine) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"tgid", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  target_btf.add_struct("task", 8, {{"pid", tint, 0}, {"tgid", tint, 32}});
  target_btf.add_struct("task___same", 8, {{"x", tint, 0}, {"tgid", tint, 32}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].off, 4);
}

TEST(CoreRelocate, FieldInsideAnAnonymousMemberOfTheTarget) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"state", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  const int anon = target_btf.add_struct(nullptr, 8, {{"a", tint, 0}, {"state", tint, 32}});
  target_btf.add_struct("task", 16, {{"pad", tint, 0}, {nullptr, anon, 64}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].off, 12);
}

TEST(CoreRelocate, ArrayElementOfAFieldUsesTheTargetElementSize) {
  // local: struct s { int pad; long arr[4]; }  access s.arr[2] = "0:1:2"
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int llong = local.add_int("long", 8, true);
  const int larr = btf__add_array(local.get(), lint, llong, 4);
  const int ls = local.add_struct("s", 40, {{"pad", lint, 0}, {"arr", larr, 64}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  const int tlong = target_btf.add_int("long", 8, true);
  const int tarr = btf__add_array(target_btf.get(), tint, tlong, 8);
  target_btf.add_struct("s", 96, {{"pad", tlong, 0}, {"more", tlong, 64}, {"arr", tarr, 128}});
  ObjectSpec spec = object_with(local, {mov_imm(24), exit_insn()},
                                {{0, static_cast<uint32_t>(ls), kind(CoreKind::FieldByteOffset), "0:1:2"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].imm, 16 + 2 * 8);
  EXPECT_EQ(out->decisions[0].field, "s.arr[2]");
}

TEST(CoreRelocate, IncompatibleFieldTypeIsNoMatch) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"tgid", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  const int inner = target_btf.add_struct("inner", 4, {{"v", tint, 0}});
  target_btf.add_struct("task", 4, {{"tgid", inner, 0}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ltask), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->decisions[0].poisoned);
}

TEST(CoreRelocate, UnsignedFieldThatGrewWidensTheLoad) {
  BtfBuilder local;
  const int luint = local.add_int("unsigned int", 4, false);
  const int ls = local.add_struct("s", 4, {{"v", luint, 0}});
  BtfBuilder target_btf;
  const int tulong = target_btf.add_int("unsigned long", 8, false);
  target_btf.add_struct("s", 8, {{"v", tulong, 0}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ls), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(BPF_SIZE(out->spec.functions[0].insns[0].code), BPF_DW);
  EXPECT_FALSE(out->decisions[0].poisoned);
}

TEST(CoreRelocate, SignedFieldThatChangedSizePoisonsTheLoad) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ls = local.add_struct("s", 4, {{"v", lint, 0}});
  BtfBuilder target_btf;
  const int tlong = target_btf.add_int("long", 8, true);
  target_btf.add_struct("s", 8, {{"v", tlong, 0}});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(ls), kind(CoreKind::FieldByteOffset), "0:0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(is_poison(out->spec.functions[0].insns[0]));
  EXPECT_TRUE(out->decisions[0].poisoned);
}

TEST(CoreRelocate, TypeRelocations) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int ltask = local.add_struct("task", 4, {{"tgid", lint, 0}});
  const int lmissing = local.add_struct("missing", 4, {{"x", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  const int ttask = target_btf.add_struct("task", 24, {{"pid", tint, 0}, {"tgid", tint, 32}});
  const auto u = [](int id) { return static_cast<uint32_t>(id); };
  ObjectSpec spec = object_with(
      local, {mov_imm(1), mov_imm(4), mov_imm(0), mov_imm(ltask), mov_imm(1), mov_imm(1), mov_imm(4), mov_imm(1),
              exit_insn()},
      {{0, u(ltask), kind(CoreKind::TypeExists), "0"},
       {1, u(ltask), kind(CoreKind::TypeSize), "0"},
       {2, u(ltask), kind(CoreKind::TypeIdTarget), "0"},
       {3, u(ltask), kind(CoreKind::TypeIdLocal), "0"},
       {4, u(lmissing), kind(CoreKind::TypeExists), "0"},
       {5, u(ltask), kind(CoreKind::TypeMatches), "0"},
       {6, u(lmissing), kind(CoreKind::TypeSize), "0"},
       {7, u(lmissing), kind(CoreKind::TypeMatches), "0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  const std::vector<Instruction>& insns = out->spec.functions[0].insns;
  EXPECT_EQ(insns[0].imm, 1);
  EXPECT_EQ(insns[1].imm, 24);
  EXPECT_EQ(insns[2].imm, ttask);
  EXPECT_EQ(insns[3].imm, ltask);
  EXPECT_EQ(insns[4].imm, 0);
  EXPECT_EQ(insns[5].imm, 1);  // every local member is in the target, by name, with a matching type
  EXPECT_EQ(insns[6].imm, 0);
  EXPECT_EQ(insns[7].imm, 0);
}

TEST(CoreRelocate, TypeMatchesNeedsSameSignednessAndSize) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int la = local.add_struct("a", 4, {{"v", lint, 0}});
  const int lb = local.add_struct("b", 4, {{"v", lint, 0}});
  BtfBuilder target_btf;
  const int tint = target_btf.add_int("int", 4, true);
  const int tuint = target_btf.add_int("unsigned int", 4, false);
  target_btf.add_struct("a", 8, {{"w", tint, 0}, {"v", tint, 32}});
  target_btf.add_struct("b", 4, {{"v", tuint, 0}});
  ObjectSpec spec = object_with(local, {mov_imm(1), mov_imm(1), exit_insn()},
                                {{0, static_cast<uint32_t>(la), kind(CoreKind::TypeMatches), "0"},
                                 {1, static_cast<uint32_t>(lb), kind(CoreKind::TypeMatches), "0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].imm, 1);
  EXPECT_EQ(out->spec.functions[0].insns[1].imm, 0);
}

// bpf_core_read.h: enums match "by symbolic name (but not numeric value)".
TEST(CoreRelocate, TypeMatchesComparesEnumeratorsByNameNotValue) {
  BtfBuilder local;
  const int le = local.add_enum("state", {{"RUNNING", 1}, {"STOPPED", 2}});
  const int lo = local.add_enum("other", {{"RUNNING", 1}, {"GONE", 2}});
  BtfBuilder target_btf;
  target_btf.add_enum("state", {{"STOPPED", 7}, {"RUNNING", 9}, {"ZOMBIE", 3}});
  target_btf.add_enum("other", {{"RUNNING", 1}});
  ObjectSpec spec = object_with(local, {mov_imm(1), mov_imm(1), exit_insn()},
                                {{0, static_cast<uint32_t>(le), kind(CoreKind::TypeMatches), "0"},
                                 {1, static_cast<uint32_t>(lo), kind(CoreKind::TypeMatches), "0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].imm, 1) << "same names, other values: a match";
  EXPECT_EQ(out->spec.functions[0].insns[1].imm, 0) << "a local enumerator the target lacks: no match";
}

TEST(CoreRelocate, EnumValuesAndExistence) {
  BtfBuilder local;
  const int le = local.add_enum("mode___local", {{"MODE_A___local", 1}, {"MODE_B", 2}});
  BtfBuilder target_btf;
  target_btf.add_enum("mode", {{"MODE_B", 5}, {"MODE_C", 6}});
  const Instruction ld_lo{static_cast<uint8_t>(BPF_LD | BPF_IMM | BPF_DW), 0, 0, 0, 2};
  const Instruction ld_hi{0, 0, 0, 0, 0};
  const Instruction ld_a{static_cast<uint8_t>(BPF_LD | BPF_IMM | BPF_DW), 0, 0, 0, 1};
  ObjectSpec spec = object_with(local, {ld_lo, ld_hi, mov_imm(1), mov_imm(1), ld_a, ld_hi, exit_insn()},
                                {{0, static_cast<uint32_t>(le), kind(CoreKind::EnumvalValue), "1"},
                                 {2, static_cast<uint32_t>(le), kind(CoreKind::EnumvalExists), "1"},
                                 {3, static_cast<uint32_t>(le), kind(CoreKind::EnumvalExists), "0"},
                                 {4, static_cast<uint32_t>(le), kind(CoreKind::EnumvalValue), "0"}});
  TargetBtf target = target_of(target_btf);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  const std::vector<Instruction>& insns = out->spec.functions[0].insns;
  EXPECT_EQ(insns[0].imm, 5);
  EXPECT_EQ(insns[1].imm, 0);
  EXPECT_EQ(insns[2].imm, 1);
  EXPECT_EQ(insns[3].imm, 0);
  // A missing enumerator's value poisons both halves of the ld_imm64.
  EXPECT_TRUE(is_poison(insns[4]));
  EXPECT_TRUE(is_poison(insns[5]));
  EXPECT_TRUE(out->decisions[3].poisoned);
  EXPECT_EQ(out->decisions[3].field, "mode___local::MODE_A___local");
}

TEST(CoreRelocate, ModuleBtfIsSearchedOnlyWhenVmlinuxHasNoCandidate) {
  BtfBuilder local;
  const int lint = local.add_int("int", 4, true);
  const int lmod = local.add_struct("mod_state", 4, {{"count", lint, 0}});
  BtfBuilder vmlinux;
  vmlinux.add_int("int", 4, true);
  TargetBtf target = target_of(vmlinux);
  BtfHandle module(btf__new_empty_split(target.vmlinux.get()));
  ASSERT_NE(module, nullptr);
  const int mint = btf__add_int(module.get(), "int", 4, BTF_INT_SIGNED);
  btf__add_struct(module.get(), "mod_state", 8);
  btf__add_field(module.get(), "pad", mint, 0, 0);
  btf__add_field(module.get(), "count", mint, 32, 0);
  target.modules.push_back({"my_module", std::move(module)});
  ObjectSpec spec = object_with(local, {ldx_w(0), exit_insn()},
                                {{0, static_cast<uint32_t>(lmod), kind(CoreKind::FieldByteOffset), "0:0"}});
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->spec.functions[0].insns[0].off, 4);
  EXPECT_EQ(out->decisions[0].target, "my_module");
}

TEST(CoreRelocate, BadRecordsAreMalformedErrorsNamingTheRecord) {
  struct Case {
    CoreRecord record;
    const char* expect;
  };
  TaskPair probe;
  const uint32_t task = static_cast<uint32_t>(probe.local_task);
  const std::vector<Case> cases = {
      {{0, task, kind(CoreKind::FieldByteOffset), "0:x"}, "not a list of numbers"},
      {{0, task, kind(CoreKind::FieldByteOffset), ""}, "empty"},
      {{0, 9999, kind(CoreKind::FieldByteOffset), "0:1"}, "not in the object's BTF"},
      {{0, task, kind(CoreKind::FieldByteOffset), "0:7"}, "does not exist"},
      {{0, task, kind(CoreKind::TypeSize), "0:1"}, "must be \"0\""},
      {{0, task, kind(CoreKind::FieldByteOffset), "0:0"}, "not the 0 the object's BTF gives"},  // insn says 4
      {{5, task, kind(CoreKind::FieldByteOffset), "0:1"}, "past the function"},
      {{0, task, 99, "0:1"}, "unknown"},
  };
  for (const Case& c : cases) {
    TaskPair pair;
    ObjectSpec spec = object_with(pair.local, {ldx_w(4), exit_insn()}, {c.record});
    TargetBtf target = target_of(pair.target);
    Result<CoreRelocation> out = relocate(spec, target);
    ASSERT_FALSE(out.ok()) << c.expect;
    EXPECT_NE(out.error().message.find(c.expect), std::string::npos) << out.error().message;
    EXPECT_NE(out.error().message.find("function 'prog'"), std::string::npos) << out.error().message;
  }
}

TEST(CoreRelocate, SameInputsGiveTheSameDecisions) {
  std::vector<std::vector<Instruction>> runs;
  for (int run = 0; run < 2; ++run) {
    TaskPair pair;
    ObjectSpec spec = object_with(pair.local, {ldx_w(4), mov_imm(1), exit_insn()},
                                  {{0, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldByteOffset), "0:1"},
                                   {1, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldExists), "0:0"}});
    TargetBtf target = target_of(pair.target);
    Result<CoreRelocation> out = relocate(spec, target);
    ASSERT_TRUE(out.ok()) << out.error().message;
    runs.push_back(out->spec.functions[0].insns);
  }
  EXPECT_EQ(runs[0], runs[1]);
}

TEST(CoreRelocate, UnrelocatedCoreCodeIsRefusedByTheLinkerAndRelocatedCodeIsNot) {
  TaskPair pair;
  ObjectSpec spec = object_with(pair.local, {ldx_w(4), exit_insn()},
                                {{0, static_cast<uint32_t>(pair.local_task), kind(CoreKind::FieldByteOffset), "0:1"}});
  MapHandles handles;
  Result<LinkedProgram> refused = link_program(spec, 0, handles);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("CO-RE"), std::string::npos) << refused.error().message;
  TargetBtf target = target_of(pair.target);
  Result<CoreRelocation> out = relocate(spec, target);
  ASSERT_TRUE(out.ok()) << out.error().message;
  Result<LinkedProgram> linked = link_program(out->spec, 0, handles);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->insns[0].off, 12);
}

}  // namespace
}  // namespace bpfload
