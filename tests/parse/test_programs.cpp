// Program-level parse options and entry points: overrides, files, names.
#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "parse_test_util.hpp"

namespace bpfload {
namespace {

TEST(Programs, OverrideBySectionAndProgramName) {
  ParseOptions options;
  options.program_types["classifier"] = "sched_act";
  options.program_types["cls_tail"] = "xdp";
  const ObjectSpec spec = test::parse_built("legacy_iproute2.o", options);
  const auto entry = spec.find_program("cls_entry");
  const auto tail = spec.find_program("cls_tail");
  ASSERT_TRUE(entry && tail);
  EXPECT_EQ(spec.programs[*entry].type, uint32_t{BPF_PROG_TYPE_SCHED_ACT});
  EXPECT_TRUE(spec.programs[*entry].type_overridden);
  EXPECT_EQ(spec.programs[*tail].type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_TRUE(spec.programs[*tail].type_overridden);
}

TEST(Programs, OverrideNotGivenKeepsTable) {
  const ObjectSpec spec = test::parse_built("legacy_iproute2.o");
  for (const ProgramSpec& prog : spec.programs) EXPECT_FALSE(prog.type_overridden);
}

TEST(Programs, OverrideErrors) {
  ParseOptions options;
  options.program_types["classifier"] = "not_a_type";
  auto bad_type = parse_object_file(test::bpf_object("legacy_iproute2.o"), options);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(bad_type.error().message.find("not_a_type"), std::string::npos);

  options.program_types.clear();
  options.program_types["no_such_section"] = "xdp";
  auto bad_key = parse_object_file(test::bpf_object("legacy_iproute2.o"), options);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(bad_key.error().message.find("no_such_section"), std::string::npos);
}

TEST(Programs, MissingFileIsIo) {
  auto spec = parse_object_file("/nonexistent/dir/x.o");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::Io);
  EXPECT_NE(spec.error().message.find("/nonexistent/dir/x.o"), std::string::npos);
  EXPECT_NE(spec.error().sys_errno, 0);
}

TEST(Programs, Names) {
  for (MapLayout layout : {MapLayout::Auto, MapLayout::Libbpf, MapLayout::Samples, MapLayout::Iproute2, MapLayout::Btf})
    EXPECT_EQ(map_layout_from_string(to_string(layout)).value(), layout);
  EXPECT_EQ(map_layout_from_string("bogus").error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(to_string(Pinning::ObjectNs), "object_ns");
  EXPECT_EQ(to_string(Pinning::ByName), "by_name");
}

TEST(Programs, InstructionsDecoded) {
  const ObjectSpec spec = test::parse_built("sample_xdp_legacy.o");
  ASSERT_EQ(spec.programs.size(), 1u);
  const FunctionSpec& function = spec.functions[spec.programs[0].function];
  ASSERT_FALSE(function.insns.empty());
  EXPECT_EQ(function.insns.back().code, 0x95);  // exit
  for (const Instruction& insn : function.insns) {
    EXPECT_LE(insn.dst, 10);
    EXPECT_LE(insn.src, 10);
  }
}

}  // namespace
}  // namespace bpfload
