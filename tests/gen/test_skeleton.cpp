// The skeleton generator on specs built in memory: identifiers, layout with padding,
// dependency order, fallbacks, legacy objects, bad names.
#include <gtest/gtest.h>

#include <linux/bpf.h>

#include <memory>
#include <string>

#include "bpfload/btf.hpp"
#include "bpfload/spec.hpp"
#include "btf_builder.hpp"
#include "c_names.hpp"
#include "skeleton.hpp"

namespace bpfload::gen {
namespace {

using test::BtfBuilder;

std::shared_ptr<const ParsedBtf> parsed(const BtfBuilder& builder) {
  auto handle = parse_btf(builder.bytes());
  EXPECT_TRUE(handle.ok()) << (handle.ok() ? "" : handle.error().message);
  return std::make_shared<const ParsedBtf>(std::move(handle).value(), builder.bytes());
}

SkeletonOptions named(std::string name, SkeletonLanguage language = SkeletonLanguage::C) {
  SkeletonOptions options;
  options.name = std::move(name);
  options.language = language;
  return options;
}

// A .bss DATASEC of `size` bytes holding `vars` ({var type id, offset, size}).
uint32_t add_datasec(BtfBuilder& btf, std::string_view name, uint32_t size,
                     const std::vector<std::array<uint32_t, 3>>& vars) {
  std::vector<uint32_t> words = {btf.name(name), BtfBuilder::info(BtfBuilder::kDatasec, vars.size()), size};
  for (const auto& var : vars) words.insert(words.end(), var.begin(), var.end());
  return btf.add(words);
}

uint32_t add_var(BtfBuilder& btf, std::string_view name, uint32_t type, uint32_t linkage = 1) {
  return btf.add({btf.name(name), BtfBuilder::info(BtfBuilder::kVar), type, linkage});
}

TEST(CNames, MakesIdentifiersThatAreNoKeywordOfCOrCpp) {
  EXPECT_EQ(c_identifier("my-map.v2"), "my_map_v2");
  EXPECT_EQ(c_identifier("1st"), "_1st");
  EXPECT_EQ(c_identifier(""), "_");
  EXPECT_EQ(c_identifier("class"), "class_");
  EXPECT_EQ(c_identifier("register"), "register_");
  EXPECT_EQ(c_identifier("bool"), "bool_");
  EXPECT_TRUE(is_c_identifier("exec_events"));
  EXPECT_FALSE(is_c_identifier("exec-events"));
  EXPECT_FALSE(is_c_identifier("9lives"));
  EXPECT_FALSE(is_c_identifier("namespace"));
  EXPECT_FALSE(is_c_identifier(""));
}

TEST(CNames, ScopeGivesDuplicatesSuffixes) {
  NameScope scope({"obj"});
  EXPECT_EQ(scope.claim("obj"), "obj_2");
  EXPECT_EQ(scope.claim("a.b"), "a_b");
  EXPECT_EQ(scope.claim("a-b"), "a_b_2");
  EXPECT_EQ(scope.claim("a_b"), "a_b_3");
}

TEST(Skeleton, MapAndProgramNamesBecomeUniqueMembers) {
  ObjectSpec spec;
  spec.maps.push_back(MapSpec{.name = "class", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1});
  spec.maps.push_back(MapSpec{.name = "my.map", .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 4, .max_entries = 2});
  spec.maps.push_back(MapSpec{.name = "my_map", .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 4, .max_entries = 2});
  spec.programs.push_back(ProgramSpec{.name = "new", .section = "xdp", .type = BPF_PROG_TYPE_XDP});
  spec.programs.push_back(ProgramSpec{.name = "on_exec", .section = "tracepoint/sched/sched_process_exec",
                                      .type = BPF_PROG_TYPE_TRACEPOINT, .attach_to = "sched/sched_process_exec"});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->maps.size(), 3u);
  EXPECT_EQ(plan->maps[0].member, "class_");
  EXPECT_EQ(plan->maps[1].member, "my_map");
  EXPECT_EQ(plan->maps[2].member, "my_map_2");
  // Legacy-style maps (no BTF ids): the comment gives sizes.
  EXPECT_NE(plan->maps[0].comment.find("array, key 4 bytes, value 8 bytes, max_entries 1"), std::string::npos)
      << plan->maps[0].comment;
  ASSERT_EQ(plan->programs.size(), 2u);
  EXPECT_EQ(plan->programs[0].member, "new_");
  EXPECT_FALSE(plan->programs[0].auto_attach);  // XDP needs a device
  EXPECT_TRUE(plan->programs[1].auto_attach);
  EXPECT_TRUE(plan->sections.empty());  // no BTF, no typed globals

  auto text = generate_skeleton(spec, std::vector<std::byte>(3, std::byte{0x7f}), named("demo"));
  ASSERT_TRUE(text.ok());
  // The object's own names stay what the C API is called with.
  EXPECT_NE(text->find("bpfload_object_map_fd(skel->obj, \"my.map\", &skel->maps.my_map)"), std::string::npos);
  EXPECT_NE(text->find("bpfload_program_attach(skel->obj, \"on_exec\", NULL, &skel->links.on_exec)"), std::string::npos);
  EXPECT_EQ(text->find("bpfload_program_attach(skel->obj, \"new\""), std::string::npos);
  EXPECT_NE(text->find("0x7f, 0x7f, 0x7f,"), std::string::npos);
}

TEST(CNames, CommentTextCannotEndOrSpliceAComment) {
  EXPECT_EQ(comment_text("a*/b"), "a* /b");
  EXPECT_EQ(comment_text("line\nbreak\\"), "line?break?");
  EXPECT_EQ(comment_text("caf\xc3\xa9"), "caf??");
}

TEST(Skeleton, ObjectNamesInCommentsCannotBreakTheHeader) {
  ObjectSpec spec;
  spec.maps.push_back(MapSpec{.name = "evil\n#error x\\", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4,
                              .max_entries = 1});
  for (auto language : {SkeletonLanguage::C, SkeletonLanguage::Cpp}) {
    auto text = generate_skeleton(spec, std::vector<std::byte>(1), named("demo", language));
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->find("\n#error"), std::string::npos);
    EXPECT_NE(text->find("\"evil\\012#error x\\\\\""), std::string::npos) << "the C API gets the name itself";
  }
}

TEST(Skeleton, RefusesANameThatIsNoIdentifier) {
  ObjectSpec spec;
  for (const char* bad : {"exec-events", "1abc", "struct", ""}) {
    auto plan = plan_skeleton(spec, named(bad));
    ASSERT_FALSE(plan.ok()) << bad;
    EXPECT_EQ(plan.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(plan.error().message.find("--name"), std::string::npos) << plan.error().message;
  }
}

TEST(Skeleton, GlobalsAreLaidOutAtTheirOffsetsWithPadding) {
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);                                   // 1
  const uint32_t long_id = btf.add_int("long long unsigned int", 8, false);        // 2
  const uint32_t a = add_var(btf, "class", int_id);                                // 3: a keyword
  const uint32_t b = add_var(btf, "total", long_id);                               // 4
  const uint32_t hidden = add_var(btf, "hidden", int_id, 0);                       // 5: static
  const uint32_t datasec = add_datasec(btf, ".bss", 32, {{a, 0, 4}, {hidden, 4, 4}, {b, 16, 8}});
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(DataSectionSpec{.name = ".bss", .zero_size = 32, .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->sections.size(), 1u);
  const SkeletonSection& bss = plan->sections[0];
  EXPECT_EQ(bss.member, "bss");
  EXPECT_EQ(bss.type_name, "struct demo__bss");
  EXPECT_EQ(bss.body.lines,
            "  int32_t class_;\n"
            "  uint8_t __pad[12];\n"
            "  uint64_t total;\n"
            "  uint8_t __pad_2[8];\n");
  EXPECT_EQ(bss.body.offsets.at("class_"), 0u);
  EXPECT_EQ(bss.body.offsets.at("total"), 16u);
  EXPECT_EQ(bss.body.offsets.count("hidden"), 0u);  // static: padding, as in libbpf's skeletons
  EXPECT_NE(plan->type_definitions.find("offsetof(struct demo__bss, total) == 16 ? 1 : -1"), std::string::npos);
}

TEST(Skeleton, NestedTypesAreDefinedBeforeTheirUsers) {
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);  // 1
  // 2: struct inner { int x; int y; }
  const uint32_t inner = btf.add({btf.name("inner"), BtfBuilder::info(BtfBuilder::kStruct, 2), 8, btf.name("x"), int_id,
                                  0, btf.name("y"), int_id, 32});
  // 3: struct inner[2]
  const uint32_t array = btf.add({0, BtfBuilder::info(BtfBuilder::kArray), 0, inner, int_id, 2});
  // 4: struct outer { struct inner pair[2]; int new; }
  const uint32_t outer = btf.add({btf.name("outer"), BtfBuilder::info(BtfBuilder::kStruct, 2), 20, btf.name("pair"),
                                  array, 0, btf.name("new"), int_id, 128});
  const uint32_t var = add_var(btf, "config", outer);
  const uint32_t datasec = add_datasec(btf, ".data", 20, {{var, 0, 20}});
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(DataSectionSpec{.name = ".data", .bytes = std::vector<std::byte>(20), .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::string& types = plan->type_definitions;
  const size_t inner_at = types.find("struct demo__inner {");
  const size_t outer_at = types.find("struct demo__outer {");
  ASSERT_NE(inner_at, std::string::npos) << types;
  ASSERT_NE(outer_at, std::string::npos) << types;
  EXPECT_LT(inner_at, outer_at);
  EXPECT_NE(types.find("  struct demo__inner pair[2];\n  int32_t new_;\n"), std::string::npos) << types;
  EXPECT_EQ(plan->sections.at(0).body.lines, "  struct demo__outer config;\n");
}

TEST(Skeleton, TypesCCannotLayOutAlikeBecomeByteArrays) {
  BtfBuilder btf;
  const uint32_t uint_id = btf.add_int("unsigned int", 4, false);  // 1
  // 2: struct flags { unsigned a:3; unsigned b:5; } (kflag: bitfield sizes in the offsets)
  const uint32_t flags = btf.add({btf.name("flags"), BtfBuilder::info(BtfBuilder::kStruct, 2, true), 4, btf.name("a"),
                                  uint_id, 3u << 24 | 0, btf.name("b"), uint_id, 5u << 24 | 3});
  const uint32_t var = add_var(btf, "bits", flags);
  const uint32_t datasec = add_datasec(btf, ".data", 4, {{var, 0, 4}});
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(DataSectionSpec{.name = ".data", .bytes = std::vector<std::byte>(4), .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->sections.at(0).body.lines, "  uint8_t bits[4]; /* struct flags */\n");
  EXPECT_EQ(plan->type_definitions.find("struct demo__flags"), std::string::npos);
}

TEST(Skeleton, HostileBtfLoopsAndVariablesPastTheSectionEndAreBoundedNotFollowed) {
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);  // 1
  // 2: an array whose elements are itself: no C type, and no end to follow.
  const uint32_t loop = btf.add({0, BtfBuilder::info(BtfBuilder::kArray), 0, 2, int_id, 4});
  const uint32_t looped = add_var(btf, "looped", loop);
  const uint32_t past_end = add_var(btf, "past_end", int_id);
  const uint32_t datasec = add_datasec(btf, ".data", 8, {{looped, 0, 8}, {past_end, 8, 4}});
  ASSERT_EQ(datasec, 5u);
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(DataSectionSpec{.name = ".data", .bytes = std::vector<std::byte>(8), .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->sections.size(), 1u);
  EXPECT_EQ(plan->sections[0].body.lines.rfind("  uint8_t looped[8]; /* ", 0), 0u) << plan->sections[0].body.lines;
  EXPECT_EQ(plan->sections[0].body.offsets.count("past_end"), 0u) << "a variable past the section's 8 bytes";
}

TEST(Skeleton, MapsWithBtfKeyAndValueGetTypedAccessorsPerCpuAndFdMapsDoNot) {
  BtfBuilder btf;
  const uint32_t uint_id = btf.add_int("unsigned int", 4, false);  // 1
  const uint32_t long_id = btf.add_int("long", 8);                 // 2
  const uint32_t pair = btf.add({btf.name("pair"), BtfBuilder::info(BtfBuilder::kStruct, 2), 16, btf.name("a"), long_id,
                                 0, btf.name("b"), long_id, 64});  // 3
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.maps.push_back(MapSpec{.name = "pairs", .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 16,
                              .max_entries = 8, .btf_key_type_id = uint_id, .btf_value_type_id = pair});
  spec.maps.push_back(MapSpec{.name = "per_cpu", .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = 16,
                              .max_entries = 1, .btf_key_type_id = uint_id, .btf_value_type_id = pair});
  spec.maps.push_back(MapSpec{.name = "wrong_size", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4,
                              .max_entries = 1, .btf_key_type_id = uint_id, .btf_value_type_id = pair});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->maps[0].key_type, "uint32_t");
  EXPECT_EQ(plan->maps[0].value_type, "struct demo__pair");
  EXPECT_NE(plan->maps[0].comment.find("key unsigned int (4 bytes), value struct pair (16 bytes)"), std::string::npos)
      << plan->maps[0].comment;
  EXPECT_EQ(plan->maps[1].key_type, "") << "a per-CPU value is one per CPU";
  EXPECT_EQ(plan->maps[2].key_type, "") << "a value size its BTF type does not have";
  EXPECT_NE(plan->type_definitions.find("struct demo__pair {\n  int64_t a;\n  int64_t b;\n};"), std::string::npos)
      << plan->type_definitions;
  auto text = generate_skeleton(spec, std::vector<std::byte>(1), named("demo"));
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("demo__pairs_lookup(struct demo *skel, const uint32_t *key, struct demo__pair *value"),
            std::string::npos);
  EXPECT_EQ(text->find("demo__per_cpu_lookup"), std::string::npos);
}

TEST(Skeleton, NameOffsetsPastTheStringsAreEmptyNamesNotACrash) {
  // Found by fuzz_parse_link: libbpf returns NULL for such a name.
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);
  const uint32_t odd = btf.add({0x7ffff, BtfBuilder::info(BtfBuilder::kStruct, 1), 4, 0x7fff0, int_id, 0});
  auto handle = parse_btf(btf.bytes());
  if (!handle.ok()) GTEST_SKIP() << "this libbpf refuses the BTF itself: " << handle.error().message;
  const uint32_t var = add_var(btf, "v", odd);
  const uint32_t datasec = add_datasec(btf, ".data", 4, {{var, 0, 4}});
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(DataSectionSpec{.name = ".data", .bytes = std::vector<std::byte>(4), .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->type_definitions.find("struct demo__anon2 {\n  int32_t anon;\n};"), std::string::npos)
      << plan->type_definitions;
}

TEST(Skeleton, CppTypesLiveInTheNamespaceWithoutPrefix) {
  BtfBuilder btf;
  const uint32_t int_id = btf.add_int("int", 4);
  const uint32_t skeleton = btf.add({btf.name("Skeleton"), BtfBuilder::info(BtfBuilder::kStruct, 1), 4, btf.name("v"),
                                     int_id, 0});
  const uint32_t var = add_var(btf, "s", skeleton);
  const uint32_t datasec = add_datasec(btf, ".rodata", 4, {{var, 0, 4}});
  ObjectSpec spec;
  spec.btf = parsed(btf);
  spec.data_sections.push_back(
      DataSectionSpec{.name = ".rodata", .bytes = std::vector<std::byte>(4), .readonly = true, .btf_type_id = datasec});
  auto plan = plan_skeleton(spec, named("demo", SkeletonLanguage::Cpp));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  // The class is Skeleton: the object's struct of that name gets another.
  EXPECT_NE(plan->type_definitions.find("struct Skeleton_2 {"), std::string::npos) << plan->type_definitions;
  EXPECT_EQ(plan->sections.at(0).type_name, "rodata_section");
  auto text = generate_skeleton(spec, std::vector<std::byte>(1), named("demo", SkeletonLanguage::Cpp));
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("namespace demo {"), std::string::npos);
  EXPECT_NE(text->find("rodata_section& rodata() const noexcept"), std::string::npos);
}

}  // namespace
}  // namespace bpfload::gen
