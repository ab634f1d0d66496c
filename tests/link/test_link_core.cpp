// CO-RE records as the parser reads them, and the linker's refusal of code whose records
// were not applied yet (relocate_core does that; its tests are in tests/relocate/).
#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(LinkCore, ParserReadsEachFunctionsCoreRecords) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("reject_core_read.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_EQ(spec->programs.size(), 1u);
  const FunctionSpec& function = spec->functions[spec->programs[0].function];
  EXPECT_EQ(function.name, "read_tgid");
  ASSERT_EQ(function.core_relocations.size(), 1u);
  const CoreRecord& record = function.core_relocations[0];
  EXPECT_EQ(record.kind, 0u) << "BPF_CORE_FIELD_BYTE_OFFSET";
  EXPECT_EQ(record.access, "0:1") << "task_like.tgid, the second member";
  ASSERT_NE(spec->btf, nullptr);
  EXPECT_LT(record.insn, function.insns.size());
  EXPECT_FALSE(spec->core_relocated);
}

TEST(LinkCore, ObjectsWithoutCoreHaveNone) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  for (const FunctionSpec& function : spec->functions) EXPECT_TRUE(function.core_relocations.empty()) << function.name;
}

TEST(LinkCore, LinkerRefusesUnrelocatedCoreCode) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("reject_core_read.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  MapHandles handles;
  handles.maps.assign(spec->maps.size(), 100);
  handles.data_sections.assign(spec->data_sections.size(), 100);
  Result<LinkedProgram> linked = link_program(*spec, 0, handles);
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(linked.error().message.find("read_tgid"), std::string::npos) << linked.error().message;
  EXPECT_NE(linked.error().message.find("CO-RE"), std::string::npos) << linked.error().message;
}

TEST(LinkCore, CoreInACalledSubprogramIsRefusedToo) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const std::vector<uint32_t> callees = called_functions(*spec, spec->programs[0].function);
  ASSERT_FALSE(callees.empty());
  spec->functions[callees.back()].core_relocations.push_back({0, 1, 0, "0:0"});
  MapHandles handles;
  handles.maps.assign(spec->maps.size(), 100);
  handles.data_sections.assign(spec->data_sections.size(), 100);
  Result<LinkedProgram> linked = link_program(*spec, 0, handles);
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(linked.error().message.find(spec->functions[callees.back()].name), std::string::npos);
  spec->core_relocated = true;  // what relocate_core's copy says
  EXPECT_TRUE(link_program(*spec, 0, handles).ok());
}

}  // namespace
}  // namespace bpfload::test
