// source_line_table on real objects, from the same layout the loader loads: pure, no kernel.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/verify.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

uint32_t line_of(const std::string& file, const std::string& text) {
  std::ifstream in(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/" + file);
  std::string line;
  for (uint32_t number = 1; std::getline(in, line); ++number)
    if (line.find(text) != std::string::npos) return number;
  return 0;
}

TEST(SourceLineTableOnObjects, SubprogramInstructionsMapToTheirOwnBodies) {
  auto spec = parse_object_file(test::bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  auto program = spec->find_program("call_text");
  ASSERT_TRUE(program.has_value());
  auto layout = lay_out_program(*spec, *program);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  const SourceLineTable table = source_line_table(*spec, *layout);
  ASSERT_EQ(table.insn_to_line.size(), layout->insns.size());

  // Each function's instructions lie between its definition and the next one.
  struct Body { std::string function; uint32_t first; uint32_t last; };
  const Body bodies[] = {
      {"global_triple", line_of("subprog_text.c", "int global_triple(int x)"), line_of("subprog_text.c", "return x * 3;") + 1},
      {"static_add_100", line_of("subprog_text.c", "int static_add_100(int x)"), line_of("subprog_text.c", "return x + 100;") + 1},
      {"call_text", line_of("subprog_text.c", "int call_text("), line_of("subprog_text.c", "return 0;") + 1},
  };
  size_t checked = 0;
  for (uint32_t insn = 0; insn < layout->insns.size(); ++insn) {
    const SourceLine* line = table.find(insn);
    ASSERT_NE(line, nullptr) << "insn " << insn << " has no line";
    EXPECT_EQ(std::filesystem::path(line->file).filename(), "subprog_text.c");
    EXPECT_NE(line->line, 0u) << "line-0 records must stay with the previous statement";
    const std::string& function = spec->functions[layout->origins[insn].function].name;
    for (const Body& body : bodies) {
      if (body.function != function) continue;
      EXPECT_GE(line->line, body.first) << function << " insn " << insn;
      EXPECT_LE(line->line, body.last) << function << " insn " << insn;
      ++checked;
    }
  }
  EXPECT_EQ(checked, layout->insns.size());
  // source_line_for agrees with the table.
  auto single = source_line_for(*spec, *layout, 0);
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(*single, *table.find(0));
  EXPECT_FALSE(source_line_for(*spec, *layout, static_cast<uint32_t>(layout->insns.size())).has_value());
}

TEST(SourceLineTableOnObjects, ObjectWithoutBtfGivesAnEmptyTable) {
  auto spec = parse_object_file(test::bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok());
  auto layout = lay_out_program(*spec, 0);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  ASSERT_FALSE(layout->line_info.empty());
  spec->btf.reset();
  const SourceLineTable table = source_line_table(*spec, *layout);
  EXPECT_TRUE(table.lines.empty());
  EXPECT_EQ(table.find(0), nullptr);
}

}  // namespace
}  // namespace bpfload
