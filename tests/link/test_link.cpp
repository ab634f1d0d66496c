// link_program on hand-built specs (every relocation kind and error path) and on real
// objects from bpf_progs/ with fake fds.
#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;
constexpr uint8_t kExit = BPF_JMP | BPF_EXIT;
constexpr uint8_t kMov = BPF_ALU64 | BPF_MOV | BPF_K;

const ByteOrder kHostOrder = std::endian::native == std::endian::little ? ByteOrder::Little : ByteOrder::Big;
const ByteOrder kForeignOrder = kHostOrder == ByteOrder::Little ? ByteOrder::Big : ByteOrder::Little;

Instruction mov(int32_t imm) { return {kMov, 0, 0, 0, imm}; }
Instruction exit_insn() { return {kExit, 0, 0, 0, 0}; }
Instruction pseudo_call(int32_t imm = -1) { return {kCall, 0, BPF_PSEUDO_CALL, 0, imm}; }
Instruction helper_call(int32_t helper) { return {kCall, 0, 0, 0, helper}; }
std::vector<Instruction> ld_imm64(uint8_t dst, int32_t imm = 0) {
  return {{kLdImm64, dst, 0, 0, imm}, {0, 0, 0, 0, 0}};
}

Relocation call_to(uint32_t insn, uint32_t target, std::string symbol) {
  return {Relocation::Kind::Call, insn, target, 0, std::move(symbol)};
}

FunctionSpec function(std::string name, std::vector<Instruction> insns, std::vector<Relocation> relocations = {}) {
  FunctionSpec spec;
  spec.name = std::move(name);
  spec.section = ".text";
  spec.insns = std::move(insns);
  spec.relocations = std::move(relocations);
  return spec;
}

ObjectSpec one_program(std::vector<FunctionSpec> functions) {
  ObjectSpec spec;
  spec.byte_order = kHostOrder;
  spec.functions = std::move(functions);
  ProgramSpec program;
  program.name = "prog";
  program.section = "socket";
  program.function = 0;
  spec.programs.push_back(program);
  return spec;
}

// Where function `index` starts in the linked program, from insn_function.
int64_t start_of(const LinkedProgram& linked, uint32_t index) {
  for (size_t i = 0; i < linked.insn_function.size(); ++i) {
    if (linked.insn_function[i] == index) return static_cast<int64_t>(i);
  }
  return -1;
}

// Every bpf-to-bpf call lands on the first instruction of the function its
// relocation names, and that function appears exactly once.
void expect_calls_resolved(const ObjectSpec& spec, const LinkedProgram& linked) {
  ASSERT_EQ(linked.insns.size(), linked.insn_function.size());
  for (size_t f = 0; f < spec.functions.size(); ++f) {
    const int64_t start = start_of(linked, static_cast<uint32_t>(f));
    if (start < 0) continue;
    for (const Relocation& relocation : spec.functions[f].relocations) {
      if (relocation.kind != Relocation::Kind::Call) continue;
      const int64_t at = start + relocation.insn;
      ASSERT_LT(at, static_cast<int64_t>(linked.insns.size()));
      const bpf_insn& call = linked.insns[at];
      EXPECT_EQ(call.code, kCall);
      EXPECT_EQ(call.src_reg, BPF_PSEUDO_CALL);
      const int64_t target = at + call.imm + 1;
      EXPECT_EQ(target, start_of(linked, relocation.target))
          << "call at " << at << " in '" << spec.functions[f].name << "' to '" << relocation.symbol << "'";
      ASSERT_GE(target, 0);
      ASSERT_LT(target, static_cast<int64_t>(linked.insns.size()));
      const Instruction& first = spec.functions[relocation.target].insns.front();
      EXPECT_EQ(linked.insns[target].code, first.code);
    }
  }
  // Each linked function's instructions are contiguous (appended once).
  for (size_t i = 1; i < linked.insn_function.size(); ++i) {
    if (linked.insn_function[i] == linked.insn_function[i - 1]) continue;
    for (size_t j = 0; j < i; ++j) EXPECT_NE(linked.insn_function[j], linked.insn_function[i]);
  }
}

TEST(EncodeInstruction, FieldsInHostLayout) {
  const bpf_insn insn = encode_instruction({0xb7, 3, 10, -2, 0x12345678});
  EXPECT_EQ(insn.code, 0xb7);
  EXPECT_EQ(insn.dst_reg, 3);
  EXPECT_EQ(insn.src_reg, 10);
  EXPECT_EQ(insn.off, -2);
  EXPECT_EQ(insn.imm, 0x12345678);
  if constexpr (std::endian::native == std::endian::little) {
    // Little-endian hosts keep dst in the low nibble of byte 1.
    const auto* raw = reinterpret_cast<const uint8_t*>(&insn);
    EXPECT_EQ(raw[1], 0xa3);
  }
}

TEST(Link, MapLoadGetsFd) {
  std::vector<Instruction> insns = ld_imm64(1, 0);
  insns.push_back(mov(0));
  insns.push_back(exit_insn());
  ObjectSpec spec = one_program({function("prog", insns, {{Relocation::Kind::Map, 0, 1, 0, "second"}})});
  spec.maps.resize(2);
  spec.maps[0].name = "first";
  spec.maps[1].name = "second";
  MapHandles handles{{-1, 42}, {}};  // a map the program does not use may lack a fd
  auto linked = link_program(spec, 0, handles);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->insns.size(), 4u);
  EXPECT_EQ(linked->insns[0].code, kLdImm64);
  EXPECT_EQ(linked->insns[0].dst_reg, 1);
  EXPECT_EQ(linked->insns[0].src_reg, BPF_PSEUDO_MAP_FD);
  EXPECT_EQ(linked->insns[0].imm, 42);
  EXPECT_EQ(linked->insns[1].imm, 0);
  EXPECT_EQ(linked->insns[3].code, kExit);
  EXPECT_EQ(linked->insn_function, (std::vector<uint32_t>{0, 0, 0, 0}));
  EXPECT_TRUE(linked->func_info.empty());
  EXPECT_TRUE(linked->line_info.empty());
}

// The two steps apart: the layout knows nothing of fds; patching is a copy with fds in.
TEST(LinkLayout, LayoutHasNoFdsAndPatchingFillsOnlyTheSlots) {
  std::vector<Instruction> insns = ld_imm64(1, 0);
  insns.push_back(pseudo_call());
  for (const Instruction& insn : ld_imm64(2, 0)) insns.push_back(insn);
  insns.push_back(exit_insn());
  ObjectSpec spec = one_program({function("main", insns,
                                          {{Relocation::Kind::Map, 0, 0, 0, "counters"},
                                           call_to(2, 1, "helper"),
                                           {Relocation::Kind::Data, 3, 0, 4, ".data"}}),
                                 function("helper", {mov(7), exit_insn()})});
  spec.functions[0].section_insn = 10;
  spec.maps.resize(1);
  spec.maps[0].name = "counters";
  spec.data_sections.resize(1);
  spec.data_sections[0].name = ".data";
  spec.data_sections[0].bytes.resize(8);

  auto layout = lay_out_program(spec, 0);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->program, 0u);
  EXPECT_EQ(layout->functions, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(layout->starts, (std::vector<uint32_t>{0, 6}));
  ASSERT_EQ(layout->insns.size(), 8u);
  EXPECT_EQ(layout->origins[5], (InsnOrigin{0, 5}));
  EXPECT_EQ(layout->origins[7], (InsnOrigin{1, 1}));
  EXPECT_EQ(layout->insns[2].imm, 6 - 2 - 1);  // the call is resolved in the layout
  EXPECT_EQ(layout->insns[0].src_reg, 0);      // the map ld_imm64 is not
  ASSERT_EQ(layout->fd_slots.size(), 2u);
  EXPECT_EQ(layout->fd_slots[0].insn, 0u);
  EXPECT_EQ(layout->fd_slots[1].insn, 3u);
  EXPECT_EQ(layout->fd_slots[1].offset, 4u);

  auto first = patch_fds(*layout, spec, MapHandles{{11}, {22}});
  auto second = patch_fds(*layout, spec, MapHandles{{33}, {44}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*first)[0].imm, 11);
  EXPECT_EQ((*first)[0].src_reg, BPF_PSEUDO_MAP_FD);
  EXPECT_EQ((*first)[3].imm, 22);
  EXPECT_EQ((*first)[4].imm, 4);
  EXPECT_EQ((*second)[0].imm, 33);
  EXPECT_EQ((*second)[3].imm, 44);
  EXPECT_EQ(layout->insns[0].imm, 0);  // patching left the shared layout alone
  for (size_t i : {1u, 2u, 5u, 6u, 7u}) {
    EXPECT_EQ((*first)[i].code, layout->insns[i].code) << i;
    EXPECT_EQ((*first)[i].imm, layout->insns[i].imm) << i;
  }
}

TEST(LinkLayout, MissingFdIsRefusedByThePatchNotTheLayout) {
  std::vector<Instruction> insns = ld_imm64(1, 0);
  insns.push_back(exit_insn());
  ObjectSpec spec = one_program({function("main", insns, {{Relocation::Kind::Map, 0, 0, 0, "counters"}})});
  spec.maps.resize(1);
  spec.maps[0].name = "counters";
  auto layout = lay_out_program(spec, 0);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  auto patched = patch_fds(*layout, spec, {});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(patched.error().message.find("'counters'"), std::string::npos) << patched.error().message;
  EXPECT_NE(patched.error().message.find("'main' instruction 0"), std::string::npos) << patched.error().message;
}

TEST(LinkLayout, ForeignByteOrderLaysOutButDoesNotPatch) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()})});
  spec.byte_order = kForeignOrder;
  auto layout = lay_out_program(spec, 0);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->insns.size(), 2u);
  auto patched = patch_fds(*layout, spec, {});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().kind, ErrorKind::Unsupported);
}

TEST(LinkLayout, EveryProgramGetsItsLayoutOrItsError) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()}),
                                 function("broken", {mov(0)}, {call_to(0, 0, "self")})});
  ProgramSpec second;
  second.name = "second";
  second.function = 1;
  spec.programs.push_back(second);
  const ProgramLayouts layouts = lay_out_programs(spec);
  ASSERT_EQ(layouts.size(), 2u);
  ASSERT_TRUE(layouts[0].ok());
  EXPECT_EQ(layouts[0].value()->insns.size(), 2u);
  ASSERT_FALSE(layouts[1].ok());
  EXPECT_EQ(layouts[1].error().kind, ErrorKind::Malformed);
}

TEST(Link, DataLoadGetsFdAndOffset) {
  std::vector<Instruction> insns{mov(0)};
  for (const Instruction& insn : ld_imm64(2, 8)) insns.push_back(insn);
  insns.push_back(exit_insn());
  ObjectSpec spec = one_program({function("prog", insns, {{Relocation::Kind::Data, 1, 0, 12, ".bss"}})});
  spec.data_sections.resize(1);
  spec.data_sections[0].name = ".bss";
  spec.data_sections[0].bytes.resize(16);
  auto linked = link_program(spec, 0, MapHandles{{}, {77}});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->insns[1].src_reg, BPF_PSEUDO_MAP_VALUE);
  EXPECT_EQ(linked->insns[1].imm, 77);
  EXPECT_EQ(linked->insns[2].imm, 12);
  EXPECT_EQ(linked->insns[2].src_reg, 0);
}

TEST(Link, DataOffsetPastSectionIsMalformed) {
  std::vector<Instruction> insns = ld_imm64(2);
  insns.push_back(exit_insn());
  ObjectSpec spec = one_program({function("prog", insns, {{Relocation::Kind::Data, 0, 0, 16, "big"}})});
  spec.data_sections.resize(1);
  spec.data_sections[0].name = ".data";
  spec.data_sections[0].bytes.resize(16);
  auto linked = link_program(spec, 0, MapHandles{{}, {5}});
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Malformed);
  EXPECT_NE(linked.error().message.find("0x10"), std::string::npos) << linked.error().message;
  EXPECT_NE(linked.error().message.find(".data"), std::string::npos);
}

// main -> a -> b
TEST(Link, CallChain) {
  ObjectSpec spec = one_program({
      function("main", {mov(1), pseudo_call(), exit_insn()}, {call_to(1, 1, "a")}),
      function("a", {pseudo_call(), mov(2), exit_insn()}, {call_to(0, 2, "b")}),
      function("b", {mov(3), exit_insn()}),
  });
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->insns.size(), 8u);
  EXPECT_EQ(linked->insn_function, (std::vector<uint32_t>{0, 0, 0, 1, 1, 1, 2, 2}));
  EXPECT_EQ(linked->insns[1].imm, 3 - 1 - 1);  // main's call at 1 -> a at 3
  EXPECT_EQ(linked->insns[3].imm, 6 - 3 - 1);  // a's call at 3 -> b at 6
  EXPECT_EQ(linked->insns[1].src_reg, BPF_PSEUDO_CALL);
  expect_calls_resolved(spec, *linked);
}

// A callback's address (bpf_loop): the callee is appended like a call and the ld_imm64
// becomes BPF_PSEUDO_FUNC with a call-style relative offset.
TEST(Link, CallbackAddressBecomesPseudoFunc) {
  std::vector<Instruction> main_insns = {mov(0)};
  for (const Instruction& insn : ld_imm64(2)) main_insns.push_back(insn);
  main_insns.push_back(helper_call(181));  // bpf_loop
  main_insns.push_back(exit_insn());
  ObjectSpec spec = one_program({
      function("main", main_insns, {{Relocation::Kind::FuncAddr, 1, 1, 0, "cb"}}),
      function("cb", {mov(0), exit_insn()}),
  });
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->insns.size(), 7u);
  EXPECT_EQ(linked->insns[1].src_reg, BPF_PSEUDO_FUNC);
  EXPECT_EQ(linked->insns[1].imm, 5 - 1 - 1);  // ld_imm64 at 1 -> cb at 5
  EXPECT_EQ(linked->insns[2].imm, 0);
  EXPECT_EQ(start_of(*linked, 1), 5);
}

TEST(Link, CallbackOnANonLoadInstructionIsMalformed) {
  ObjectSpec spec = one_program({
      function("main", {mov(0), exit_insn()}, {{Relocation::Kind::FuncAddr, 0, 1, 0, "cb"}}),
      function("cb", {mov(0), exit_insn()}),
  });
  auto linked = link_program(spec, 0, {});
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Malformed);
}

// main -> a, main -> b, a -> b: b is appended once.
TEST(Link, CallDiamondAppendsEachFunctionOnce) {
  ObjectSpec spec = one_program({
      function("b", {mov(3), exit_insn()}),
      function("main", {pseudo_call(), pseudo_call(), exit_insn()}, {call_to(0, 2, "a"), call_to(1, 0, "b")}),
      function("a", {mov(1), pseudo_call(), exit_insn()}, {call_to(1, 0, "b")}),
  });
  spec.programs[0].function = 1;
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->insns.size(), 3u + 3u + 2u);
  EXPECT_EQ(linked->insn_function, (std::vector<uint32_t>{1, 1, 1, 2, 2, 2, 0, 0}));
  EXPECT_EQ(linked->insns[0].imm, 3 - 0 - 1);  // main -> a
  EXPECT_EQ(linked->insns[1].imm, 6 - 1 - 1);  // main -> b
  EXPECT_EQ(linked->insns[4].imm, 6 - 4 - 1);  // a -> b
  expect_calls_resolved(spec, *linked);
}

TEST(Link, BackwardCallInRecursion) {
  // main -> a -> main would be refused by the verifier, but a -> a linking must still
  // give a negative offset back to a's own start.
  ObjectSpec spec = one_program({
      function("main", {pseudo_call(), exit_insn()}, {call_to(0, 1, "a")}),
      function("a", {mov(0), pseudo_call(), exit_insn()}, {call_to(1, 1, "a")}),
  });
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->insns[3].imm, 2 - 3 - 1);
  expect_calls_resolved(spec, *linked);
}

TEST(Link, UncalledFunctionsAreLeftOut) {
  ObjectSpec spec = one_program({
      function("main", {mov(0), exit_insn()}),
      function("unused", {mov(9), exit_insn()}),
  });
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->insns.size(), 2u);
}

TEST(Link, FuncAndLineInfoRebased) {
  ObjectSpec spec = one_program({
      function("main", {mov(1), pseudo_call(), exit_insn()}, {call_to(1, 1, "a")}),
      function("a", {mov(2), exit_insn()}),
  });
  spec.functions[0].func_info = {{0, 11}};
  spec.functions[0].line_info = {{0, 1, 2, (10 << 10) | 1}, {2, 1, 3, 11 << 10}};
  spec.functions[1].func_info = {{0, 12}};
  spec.functions[1].line_info = {{0, 1, 4, 20 << 10}, {1, 1, 5, 21 << 10}};
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->func_info.size(), 2u);
  EXPECT_EQ(linked->func_info[0].insn_off, 0u);
  EXPECT_EQ(linked->func_info[0].type_id, 11u);
  EXPECT_EQ(linked->func_info[1].insn_off, 3u);
  EXPECT_EQ(linked->func_info[1].type_id, 12u);
  ASSERT_EQ(linked->line_info.size(), 4u);
  const std::vector<uint32_t> offsets{linked->line_info[0].insn_off, linked->line_info[1].insn_off,
                                      linked->line_info[2].insn_off, linked->line_info[3].insn_off};
  EXPECT_EQ(offsets, (std::vector<uint32_t>{0, 2, 3, 4}));
  EXPECT_EQ(linked->line_info[2].line_off, 4u);
  EXPECT_EQ(linked->line_info[2].line_col, 20u << 10);
  EXPECT_EQ(linked->line_info[0].line_col, (10u << 10) | 1);
  EXPECT_EQ(linked->line_info[3].file_name_off, 1u);
}

TEST(Link, PartialFuncInfoDropsAllInfo) {
  ObjectSpec spec = one_program({
      function("main", {pseudo_call(), exit_insn()}, {call_to(0, 1, "a")}),
      function("a", {mov(2), exit_insn()}),
  });
  spec.functions[0].func_info = {{0, 11}};
  spec.functions[0].line_info = {{0, 1, 2, 3}};
  spec.functions[1].line_info = {{0, 1, 4, 5}};  // line info but no func info
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_TRUE(linked->func_info.empty());
  EXPECT_TRUE(linked->line_info.empty());
}

TEST(Link, MissingLineInfoKeepsFuncInfo) {
  ObjectSpec spec = one_program({
      function("main", {pseudo_call(), exit_insn()}, {call_to(0, 1, "a")}),
      function("a", {mov(2), exit_insn()}),
  });
  spec.functions[0].func_info = {{0, 11}};
  spec.functions[0].line_info = {{0, 1, 2, 3}};
  spec.functions[1].func_info = {{0, 12}};
  auto linked = link_program(spec, 0, {});
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_EQ(linked->func_info.size(), 2u);
  EXPECT_TRUE(linked->line_info.empty());
}

TEST(Link, LineInfoPastFunctionIsMalformed) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()})});
  spec.functions[0].func_info = {{0, 1}};
  spec.functions[0].line_info = {{0, 1, 2, 3}, {2, 1, 2, 3}};
  auto linked = link_program(spec, 0, {});
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Malformed);
  EXPECT_NE(linked.error().message.find("'main'"), std::string::npos);
}

// --- error paths ---

void expect_error(const Result<LinkedProgram>& linked, ErrorKind kind, std::vector<std::string> fragments) {
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, kind) << linked.error().message;
  for (const std::string& fragment : fragments) {
    EXPECT_NE(linked.error().message.find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << linked.error().message;
  }
}

ObjectSpec map_program(Relocation relocation, std::vector<Instruction> insns) {
  ObjectSpec spec = one_program({function("main", std::move(insns), {std::move(relocation)})});
  spec.maps.resize(1);
  spec.maps[0].name = "counters";
  return spec;
}

TEST(LinkErrors, RelocationPastFunction) {
  ObjectSpec spec = map_program({Relocation::Kind::Map, 5, 0, 0, "counters"}, {mov(0), exit_insn()});
  expect_error(link_program(spec, 0, {{3}, {}}), ErrorKind::Malformed, {"'main'", "instruction 5", "'counters'"});
}

TEST(LinkErrors, MapRelocationOnWrongOpcode) {
  ObjectSpec spec = map_program({Relocation::Kind::Map, 0, 0, 0, "counters"}, {helper_call(1), exit_insn()});
  expect_error(link_program(spec, 0, {{3}, {}}), ErrorKind::Malformed,
               {"'main'", "instruction 0", "'counters'", "0x85"});
}

TEST(LinkErrors, LdImm64WithoutSecondHalf) {
  std::vector<Instruction> insns{exit_insn(), ld_imm64(1)[0]};
  ObjectSpec spec = map_program({Relocation::Kind::Map, 1, 0, 0, "counters"}, insns);
  expect_error(link_program(spec, 0, {{3}, {}}), ErrorKind::Malformed, {"instruction 1", "ld_imm64"});
}

TEST(LinkErrors, CallRelocationOnWrongOpcode) {
  ObjectSpec spec = one_program({
      function("main", {mov(0), exit_insn()}, {call_to(0, 1, "a")}),
      function("a", {mov(2), exit_insn()}),
  });
  expect_error(link_program(spec, 0, {}), ErrorKind::Malformed, {"'main'", "instruction 0", "'a'", "0xb7"});
}

TEST(LinkErrors, CallRelocationOnHelperCall) {
  ObjectSpec spec = one_program({
      function("main", {helper_call(1), exit_insn()}, {call_to(0, 1, "a")}),
      function("a", {mov(2), exit_insn()}),
  });
  expect_error(link_program(spec, 0, {}), ErrorKind::Malformed, {"'main'", "'a'"});
}

TEST(LinkErrors, MapTargetOutOfRange) {
  ObjectSpec spec = map_program({Relocation::Kind::Map, 0, 4, 0, "ghost"}, ld_imm64(1));
  expect_error(link_program(spec, 0, {{3}, {}}), ErrorKind::Malformed, {"'ghost'", "map index 4"});
}

TEST(LinkErrors, DataTargetOutOfRange) {
  ObjectSpec spec = one_program({function("main", ld_imm64(1), {{Relocation::Kind::Data, 0, 2, 0, ".data"}})});
  expect_error(link_program(spec, 0, {}), ErrorKind::Malformed, {"'.data'", "data section index 2"});
}

TEST(LinkErrors, CallTargetOutOfRange) {
  ObjectSpec spec = one_program({function("main", {pseudo_call(), exit_insn()}, {call_to(0, 9, "nowhere")})});
  expect_error(link_program(spec, 0, {}), ErrorKind::Malformed, {"'nowhere'", "instruction 0"});
}

TEST(LinkErrors, ErrorInCalleeNamesCallee) {
  ObjectSpec spec = one_program({
      function("main", {pseudo_call(), exit_insn()}, {call_to(0, 1, "helper_fn")}),
      function("helper_fn", {mov(0), exit_insn()}, {{Relocation::Kind::Map, 0, 0, 0, "counters"}}),
  });
  spec.maps.resize(1);
  spec.maps[0].name = "counters";
  expect_error(link_program(spec, 0, {{3}, {}}), ErrorKind::Malformed, {"'helper_fn'", "'counters'"});
}

TEST(LinkErrors, MissingMapHandle) {
  ObjectSpec spec = map_program({Relocation::Kind::Map, 0, 0, 0, "counters"}, ld_imm64(1));
  expect_error(link_program(spec, 0, {{-1}, {}}), ErrorKind::InvalidArgument, {"'counters'"});
  expect_error(link_program(spec, 0, {{}, {}}), ErrorKind::InvalidArgument, {"'counters'"});
}

TEST(LinkErrors, MissingDataHandle) {
  ObjectSpec spec = one_program({function("main", ld_imm64(1), {{Relocation::Kind::Data, 0, 0, 0, "x"}})});
  spec.data_sections.resize(1);
  spec.data_sections[0].name = ".rodata";
  spec.data_sections[0].bytes.resize(4);
  expect_error(link_program(spec, 0, {{}, {-1}}), ErrorKind::InvalidArgument, {"'.rodata'"});
}

TEST(LinkErrors, ForeignByteOrder) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()})});
  spec.byte_order = kForeignOrder;
  expect_error(link_program(spec, 0, {}), ErrorKind::Unsupported, {"'prog'", "endian"});
}

TEST(LinkErrors, ProgramIndexOutOfRange) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()})});
  expect_error(link_program(spec, 3, {}), ErrorKind::InvalidArgument, {"3"});
}

TEST(LinkErrors, EntryFunctionOutOfRange) {
  ObjectSpec spec = one_program({function("main", {mov(0), exit_insn()})});
  spec.programs[0].function = 7;
  expect_error(link_program(spec, 0, {}), ErrorKind::Malformed, {"'prog'", "7"});
}

TEST(LinkErrors, TooManyInstructions) {
  std::vector<Instruction> half(600'000, mov(0));
  ObjectSpec spec = one_program({
      function("main", half, {call_to(0, 1, "big")}),
      function("big", half),
  });
  spec.functions[0].insns[0] = pseudo_call();
  expect_error(link_program(spec, 0, {}), ErrorKind::LimitExceeded, {"'big'", "1000000"});
}

// --- real objects ---

struct RealObject {
  ObjectSpec spec;
  MapHandles handles;
};

RealObject parse_with_fake_fds(const std::string& file) {
  RealObject object;
  auto spec = parse_object_file(test::bpf_object(file));
  EXPECT_TRUE(spec.ok()) << file << ": " << spec.error().message;
  if (!spec.ok()) return object;
  object.spec = std::move(spec).value();
  for (size_t i = 0; i < object.spec.maps.size(); ++i) object.handles.maps.push_back(100 + static_cast<int>(i));
  for (size_t i = 0; i < object.spec.data_sections.size(); ++i) {
    object.handles.data_sections.push_back(200 + static_cast<int>(i));
  }
  return object;
}

LinkedProgram link_named(const RealObject& object, const std::string& name) {
  const auto index = object.spec.find_program(name);
  EXPECT_TRUE(index.has_value()) << name;
  if (!index) return {};
  auto linked = link_program(object.spec, *index, object.handles);
  EXPECT_TRUE(linked.ok()) << linked.error().message;
  return linked.ok() ? std::move(linked).value() : LinkedProgram{};
}

size_t count_pseudo_calls(const LinkedProgram& linked) {
  size_t calls = 0;
  for (const bpf_insn& insn : linked.insns) calls += insn.code == kCall && insn.src_reg == BPF_PSEUDO_CALL;
  return calls;
}

TEST(LinkRealObjects, SubprogramInOwnSection) {
  const RealObject object = parse_with_fake_fds("subprog_section.o");
  const LinkedProgram linked = link_named(object, "call_in_section");
  ASSERT_FALSE(linked.insns.empty());
  EXPECT_EQ(count_pseudo_calls(linked), 1u);
  expect_calls_resolved(object.spec, linked);
  // One func_info per linked function, at the function starts.
  const auto callee = [&] {
    for (size_t f = 0; f < object.spec.functions.size(); ++f)
      if (object.spec.functions[f].name == "scale_and_add") return static_cast<int64_t>(f);
    return int64_t{-1};
  }();
  ASSERT_GE(callee, 0);
  const int64_t callee_start = start_of(linked, static_cast<uint32_t>(callee));
  ASSERT_GT(callee_start, 0);
  ASSERT_EQ(linked.func_info.size(), 2u);
  EXPECT_EQ(linked.func_info[0].insn_off, 0u);
  EXPECT_EQ(linked.func_info[1].insn_off, static_cast<uint32_t>(callee_start));
  ASSERT_FALSE(linked.line_info.empty());
  EXPECT_EQ(linked.line_info.front().insn_off, 0u);
  bool line_at_callee = false;
  for (const bpf_line_info& line : linked.line_info) line_at_callee |= line.insn_off == callee_start;
  EXPECT_TRUE(line_at_callee);
  // The map load got the fake fd of result_map.
  const auto map = object.spec.find_map("result_map");
  ASSERT_TRUE(map.has_value());
  bool map_patched = false;
  for (const bpf_insn& insn : linked.insns) {
    map_patched |= insn.code == kLdImm64 && insn.src_reg == BPF_PSEUDO_MAP_FD && insn.imm == 100 + static_cast<int>(*map);
  }
  EXPECT_TRUE(map_patched);
}

TEST(LinkRealObjects, SubprogramsInText) {
  const RealObject object = parse_with_fake_fds("subprog_text.o");
  const LinkedProgram linked = link_named(object, "call_text");
  ASSERT_FALSE(linked.insns.empty());
  EXPECT_EQ(count_pseudo_calls(linked), 2u);
  expect_calls_resolved(object.spec, linked);
  EXPECT_EQ(linked.func_info.size(), 3u);
  std::vector<std::string> names;
  for (size_t i = 0; i < linked.insn_function.size(); ++i) {
    if (i == 0 || linked.insn_function[i] != linked.insn_function[i - 1]) {
      names.push_back(object.spec.functions[linked.insn_function[i]].name);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"call_text", "global_triple", "static_add_100"}));
}

TEST(LinkRealObjects, GlobalDataLoads) {
  const RealObject object = parse_with_fake_fds("global_data.o");
  const LinkedProgram linked = link_named(object, "global_data_prog");
  ASSERT_FALSE(linked.insns.empty());
  size_t data_loads = 0;
  for (size_t i = 0; i + 1 < linked.insns.size(); ++i) {
    const bpf_insn& insn = linked.insns[i];
    if (insn.code != kLdImm64) continue;
    ASSERT_EQ(insn.src_reg, BPF_PSEUDO_MAP_VALUE) << "at " << i;
    ASSERT_GE(insn.imm, 200);
    const size_t section = static_cast<size_t>(insn.imm - 200);
    ASSERT_LT(section, object.spec.data_sections.size());
    EXPECT_LT(static_cast<size_t>(linked.insns[i + 1].imm), object.spec.data_sections[section].size());
    ++data_loads;
    ++i;  // skip the second half
  }
  EXPECT_GE(data_loads, 4u);  // .data, .rodata, .bss, .rodata.str1.1
  // Loads of bss_product and bss_runs carry different offsets within .bss.
  std::vector<int32_t> bss_offsets;
  for (size_t i = 0; i + 1 < linked.insns.size(); ++i) {
    if (linked.insns[i].code != kLdImm64) continue;
    const size_t section = static_cast<size_t>(linked.insns[i].imm - 200);
    if (object.spec.data_sections[section].name == ".bss") bss_offsets.push_back(linked.insns[i + 1].imm);
    ++i;
  }
  std::sort(bss_offsets.begin(), bss_offsets.end());
  bss_offsets.erase(std::unique(bss_offsets.begin(), bss_offsets.end()), bss_offsets.end());
  EXPECT_GE(bss_offsets.size(), 2u);
}

TEST(LinkRealObjects, EveryProgramOfEveryObjectLinks) {
  size_t linked_programs = 0;
  for (const std::string& path : test::all_bpf_objects()) {
    if (path.find(".bpfeb.o") != std::string::npos) continue;
    auto spec = parse_object_file(path, test::parse_options_for(path));
    ASSERT_TRUE(spec.ok()) << path << ": every built object parses with its options: " << spec.error().message;
    // CO-RE code links only once relocated against a target BTF: test_link_core.cpp.
    if (std::any_of(spec->functions.begin(), spec->functions.end(),
                    [](const FunctionSpec& f) { return !f.core_relocations.empty(); }))
      continue;
    MapHandles handles;
    handles.maps.assign(spec->maps.size(), 3);
    handles.data_sections.assign(spec->data_sections.size(), 4);
    for (size_t p = 0; p < spec->programs.size(); ++p) {
      // Refused by design: an extern nobody defines (LinkExterns below).
      if (!externs_used_by(*spec, spec->programs[p].function).empty()) continue;
      auto linked = link_program(*spec, p, handles);
      ASSERT_TRUE(linked.ok()) << path << ": " << linked.error().message;
      expect_calls_resolved(*spec, *linked);
      ++linked_programs;
    }
  }
  EXPECT_GT(linked_programs, 10u);
}

TEST(LinkRealObjects, BigEndianObjectRefused) {
  auto spec = parse_object_file(test::bpf_object("global_data.bpfeb.o"));
  if (!spec.ok()) GTEST_SKIP() << "no big-endian build of global_data: " << spec.error().message;
  MapHandles handles;
  handles.maps.assign(spec->maps.size(), 3);
  handles.data_sections.assign(spec->data_sections.size(), 4);
  auto linked = link_program(*spec, 0, handles);
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Unsupported);
}

TEST(LinkExterns, ProgramUsingAnUndefinedExternIsRefusedNamingItAndTheOthersLink) {
  auto spec = parse_object_file(test::bpf_object("quirk_undefined_extern.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  MapHandles handles;
  handles.maps.assign(spec->maps.size(), 3);
  handles.data_sections.assign(spec->data_sections.size(), 4);
  auto refused = link_program(*spec, *spec->find_program("uses_const"), handles);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(refused.error().message.find("extern 'MY_CONST'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("would be satisfied by"), std::string::npos) << refused.error().message;
  auto linked = link_program(*spec, *spec->find_program("plain"), handles);
  EXPECT_TRUE(linked.ok()) << linked.error().message;
}

}  // namespace
}  // namespace bpfload
