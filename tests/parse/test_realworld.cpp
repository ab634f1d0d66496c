// Habits of real-world objects (issue 14), decoded: sections that imply no type, globs
// and a default type, samples' map-in-map, stray inner_map_idx, undefined externs,
// .data.rel.ro, old clang's NOTYPE functions, and objects from a second compiler.
#include <linux/bpf.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "old_compiler_object.hpp"
#include "parse_test_util.hpp"

namespace bpfload {
namespace {

using test::parse_built;

const ProgramSpec* find_program(const ObjectSpec& spec, const std::string& name) {
  const auto found = spec.find_program(name);
  return found ? &spec.programs[*found] : nullptr;
}

const MapSpec* find_map(const ObjectSpec& spec, const std::string& name) {
  const auto found = spec.find_map(name);
  return found ? &spec.maps[*found] : nullptr;
}

Result<ObjectSpec> parse_file(const std::string& file, const ParseOptions& options = {}) {
  return parse_object_file(test::bpf_object(file), options);
}

TEST(RealWorldSections, SectionsWithoutATypeParseAsUnknown) {
  const ObjectSpec spec = parse_built("quirk_unknown_sections.o");
  ASSERT_EQ(spec.programs.size(), 4u);
  EXPECT_EQ(find_program(spec, "xdp_count")->type, uint32_t{BPF_PROG_TYPE_XDP});
  for (const char* name : {"do_redirect_xmit", "do_aaa", "tail_named_map"}) {
    ASSERT_NE(find_program(spec, name), nullptr) << name;
    EXPECT_EQ(find_program(spec, name)->type, 0u) << name;
  }
  EXPECT_EQ(find_program(spec, "tail_named_map")->section, "jmp/0");
}

TEST(RealWorldSections, DefaultTypeFillsOnlySectionsWithoutOne) {
  ParseOptions options;
  options.default_program_type = "sched_cls";
  const ObjectSpec spec = parse_built("quirk_unknown_sections.o", options);
  EXPECT_EQ(find_program(spec, "xdp_count")->type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_FALSE(find_program(spec, "xdp_count")->type_overridden);
  for (const char* name : {"do_redirect_xmit", "do_aaa", "tail_named_map"}) {
    EXPECT_EQ(find_program(spec, name)->type, uint32_t{BPF_PROG_TYPE_SCHED_CLS}) << name;
    EXPECT_TRUE(find_program(spec, name)->type_overridden) << name;
  }
}

TEST(RealWorldSections, UnknownDefaultTypeIsRefused) {
  ParseOptions options;
  options.default_program_type = "no_such_type";
  auto spec = parse_file("quirk_unknown_sections.o", options);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(spec.error().message.find("no_such_type"), std::string::npos) << spec.error().message;
}

TEST(RealWorldSections, GlobTypesEverySectionItMatches) {
  ParseOptions options;
  options.program_types["cls-*"] = "sched_cls";
  const ObjectSpec spec = parse_built("quirk_glob_sections.o", options);
  EXPECT_EQ(find_program(spec, "cls_ingress")->type, uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  EXPECT_EQ(find_program(spec, "cls_egress")->type, uint32_t{BPF_PROG_TYPE_SCHED_CLS});
}

TEST(RealWorldSections, ExactSectionBeatsGlob) {
  ParseOptions options;
  options.program_types["cls-*"] = "sched_cls";
  options.program_types["cls-egress"] = "sched_act";
  const ObjectSpec spec = parse_built("quirk_glob_sections.o", options);
  EXPECT_EQ(find_program(spec, "cls_ingress")->type, uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  EXPECT_EQ(find_program(spec, "cls_egress")->type, uint32_t{BPF_PROG_TYPE_SCHED_ACT});
}

TEST(RealWorldSections, GlobMatchingNothingIsRefused) {
  ParseOptions options;
  options.program_types["tc-*"] = "sched_cls";
  auto spec = parse_file("quirk_glob_sections.o", options);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(spec.error().message.find("'tc-*'"), std::string::npos) << spec.error().message;
}

TEST(RealWorldMaps, SamplesMapInMapKeepsValueSizeZeroAndMarksTheDefaultIndex) {
  const ObjectSpec spec = parse_built("quirk_samples_map_in_map.o");
  for (const char* name : {"array_of_lru", "hash_of_lru"}) {
    const MapSpec* outer = find_map(spec, name);
    ASSERT_NE(outer, nullptr) << name;
    EXPECT_EQ(outer->value_size, 0u) << "the object's own value, as declared";
    EXPECT_EQ(outer->inner_name, "port_a") << name;
    EXPECT_TRUE(outer->inner_from_default_index) << name;
  }
  EXPECT_FALSE(find_map(spec, "lru_inner")->inner_from_default_index);
}

TEST(RealWorldMaps, DeclaredInnerIndexIsNotMarkedDefault) {
  const ObjectSpec spec = parse_built("legacy_samples.o");
  for (const MapSpec& map : spec.maps) {
    if (map.type != BPF_MAP_TYPE_ARRAY_OF_MAPS && map.type != BPF_MAP_TYPE_HASH_OF_MAPS) continue;
    EXPECT_EQ(map.inner_from_default_index, map.samples_inner_map_idx == 0) << map.name;
  }
}

TEST(RealWorldMaps, StrayInnerMapIdxOnAHashMapIsRefusedNamingTheMap) {
  auto spec = parse_file("quirk_stray_inner_idx.o");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::Malformed);
  const std::string& message = spec.error().message;
  EXPECT_NE(message.find("'invalid_map'"), std::string::npos) << message;
  EXPECT_NE(message.find("inner_map_idx 1"), std::string::npos) << message;
  EXPECT_NE(message.find("--ignore-inner-map-idx"), std::string::npos) << message;
}

TEST(RealWorldMaps, StrayInnerMapIdxIsIgnoredWhenAsked) {
  ParseOptions options;
  options.ignore_stray_inner_map_idx = true;
  const ObjectSpec spec = parse_built("quirk_stray_inner_idx.o", options);
  const MapSpec* map = find_map(spec, "invalid_map");
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->type, uint32_t{BPF_MAP_TYPE_HASH});
  EXPECT_EQ(map->definition_size, 24u);
  EXPECT_EQ(map->inner, nullptr);
}

TEST(RealWorldExterns, UndefinedExternIsListedAndOnlyItsUserRefersToIt) {
  const ObjectSpec spec = parse_built("quirk_undefined_extern.o");
  ASSERT_EQ(spec.externs.size(), 1u);
  EXPECT_EQ(spec.externs[0].name, "MY_CONST");
  EXPECT_EQ(spec.externs[0].kind, ExternSpec::Kind::Variable);
  EXPECT_FALSE(spec.externs[0].weak) << "extern __u32 MY_CONST; is a strong symbol";
  EXPECT_EQ(externs_used_by(spec, find_program(spec, "uses_const")->function),
            std::vector<std::string>{"MY_CONST"});
  EXPECT_TRUE(externs_used_by(spec, find_program(spec, "plain")->function).empty());
  EXPECT_EQ(test::count_relocations(spec, find_program(spec, "uses_const")->function, Relocation::Kind::Extern), 1u);
}

TEST(RealWorldData, DataRelRoIsReadOnlyGlobalData) {
  const ObjectSpec spec = parse_built("data_rel_ro.o");
  const auto section = std::find_if(spec.data_sections.begin(), spec.data_sections.end(),
                                    [](const DataSectionSpec& s) { return s.name == ".data.rel.ro"; });
  ASSERT_NE(section, spec.data_sections.end());
  EXPECT_TRUE(section->readonly);
  EXPECT_EQ(section->bytes.size(), 16u);
  EXPECT_EQ(test::count_relocations(spec, find_program(spec, "read_table")->function, Relocation::Kind::Data), 1u);
}

TEST(RealWorldOldClang, NotypeFunctionsAreFunctionsAndLabelsAreNot) {
  auto spec = parse_object(test::old_clang_object());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  std::vector<std::string> names;
  for (const FunctionSpec& function : spec->functions) names.push_back(function.name);
  EXPECT_EQ(names, (std::vector<std::string>{"global_fn", "second_fn", "xdp_prog"}));
  ASSERT_EQ(spec->programs.size(), 1u);
  EXPECT_EQ(spec->programs[0].name, "xdp_prog");
  EXPECT_EQ(spec->programs[0].type, uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_EQ(spec->functions[spec->programs[0].function].insns.size(), 14u) << "LBB0_2 must not split it";
}

TEST(RealWorldOldClang, CallsToNotypeAndSectionSymbolsResolve) {
  auto spec = parse_object(test::old_clang_object());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const FunctionSpec& entry = spec->functions[spec->programs[0].function];
  std::vector<std::string> callees;
  for (const Relocation& relocation : entry.relocations)
    if (relocation.kind == Relocation::Kind::Call) callees.push_back(spec->functions[relocation.target].name);
  EXPECT_EQ(callees, (std::vector<std::string>{"global_fn", "second_fn"}));
}

TEST(RealWorldOldClang, SizelessMapSymbolsAndNoBtf) {
  auto spec = parse_object(test::old_clang_object());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_EQ(spec->maps.size(), 2u);
  EXPECT_EQ(spec->maps[0].name, "counts");
  EXPECT_EQ(spec->maps[0].definition_size, 20u);
  EXPECT_EQ(spec->maps[0].value_size, 8u);
  EXPECT_EQ(spec->maps[1].name, "unused");
  EXPECT_EQ(spec->maps[1].type, uint32_t{BPF_MAP_TYPE_HASH});
  EXPECT_EQ(spec->btf, nullptr);
  EXPECT_TRUE(spec->data_sections.empty()) << ".eh_frame is not data";
  EXPECT_EQ(spec->license, "GPL");
}

// Each object built by the second compiler decodes to the same programs and maps as
// its clang-14 twin.
TEST(RealWorldCompilers, SecondClangObjectsMatchTheirTwins) {
  size_t compared = 0;
  for (const std::string& path : test::all_bpf_objects()) {
    if (!path.ends_with(".clang13.o")) continue;
    const std::string twin = path.substr(0, path.size() - 10) + ".o";
    SCOPED_TRACE(path);
    auto second = parse_object_file(path, test::parse_options_for(path));
    auto first = parse_object_file(twin, test::parse_options_for(twin));
    ASSERT_TRUE(second.ok()) << second.error().message;
    ASSERT_TRUE(first.ok()) << first.error().message;
    ++compared;
    ASSERT_EQ(second->programs.size(), first->programs.size());
    for (size_t i = 0; i < first->programs.size(); ++i) {
      EXPECT_EQ(second->programs[i].name, first->programs[i].name);
      EXPECT_EQ(second->programs[i].type, first->programs[i].type);
    }
    ASSERT_EQ(second->maps.size(), first->maps.size());
    for (size_t i = 0; i < first->maps.size(); ++i) {
      EXPECT_EQ(second->maps[i].name, first->maps[i].name);
      EXPECT_EQ(second->maps[i].type, first->maps[i].type);
      EXPECT_EQ(second->maps[i].value_size, first->maps[i].value_size);
    }
  }
  if (compared == 0) GTEST_SKIP() << "clang-13 is not installed (tools/install-deps installs it)";
  EXPECT_GE(compared, 8u);
}

}  // namespace
}  // namespace bpfload
