// CO-RE relocations: bpfload does not apply them, so code that carries any is refused
// by the linker (with the function and count named) instead of loading the compiler's
// field offsets.
#include <gtest/gtest.h>

#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(LinkCore, ParserCountsCoreRelocationsPerFunction) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("reject_core_read.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_EQ(spec->programs.size(), 1u);
  const FunctionSpec& function = spec->functions[spec->programs[0].function];
  EXPECT_EQ(function.name, "read_tgid");
  EXPECT_EQ(function.core_relocations, 1u);
}

TEST(LinkCore, ObjectsWithoutCoreHaveNone) {
  Result<ObjectSpec> spec = parse_object_file(bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  for (const FunctionSpec& function : spec->functions) EXPECT_EQ(function.core_relocations, 0u) << function.name;
}

TEST(LinkCore, LinkerRefusesCoreCode) {
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
  spec->functions[callees.back()].core_relocations = 2;
  MapHandles handles;
  handles.maps.assign(spec->maps.size(), 100);
  handles.data_sections.assign(spec->data_sections.size(), 100);
  Result<LinkedProgram> linked = link_program(*spec, 0, handles);
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(linked.error().message.find(spec->functions[callees.back()].name), std::string::npos);
}

}  // namespace
}  // namespace bpfload::test
