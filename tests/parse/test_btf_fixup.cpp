// fixup_btf_for_kernel: DATASEC sizes and variable offsets taken from the ELF object.
// (Whether the kernel accepts the result is checked by the kernel suites.)
#include <gtest/gtest.h>

#include "btf_fixup.hpp"
#include "maps_test_support.hpp"

namespace bpfload::test {
namespace {

const elf::Symbol* symbol_named(const elf::View& view, size_t section, const std::string& name) {
  for (const elf::Symbol* symbol : view.symbols_in(section))
    if (symbol->name == name) return symbol;
  return nullptr;
}

/// The fix-up as parse.cpp calls it: on libbpf's one parse of the same bytes (null when
/// libbpf refuses them, so the fix-up's own header checks are what answers).
Result<std::vector<std::byte>> fixup(const elf::View& view, std::span<const std::byte> btf) {
  auto parsed = bpfload::parse_btf(btf);
  return fixup_btf_for_kernel(view, btf, parsed.ok() ? parsed->get() : nullptr);
}

class FixupObject : public ::testing::TestWithParam<const char*> {};

TEST_P(FixupObject, DatasecsGetSectionSizesAndSymbolOffsets) {
  const auto bytes = read_file(bpf_object(GetParam()));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  const elf::Section* raw = view->section(".BTF");
  ASSERT_NE(raw, nullptr);

  const std::vector<std::byte> original(raw->data.begin(), raw->data.end());
  auto fixed = fixup(*view, raw->data);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(fixed->size(), raw->data.size());
  // The input is left alone: the object's .BTF still holds the bytes it had before.
  EXPECT_TRUE(std::ranges::equal(raw->data, original));
  // And the fix-up did its work on the copy: clang leaves every DATASEC size 0.
  EXPECT_NE(*fixed, original);

  BtfPtr btf(btf__new(fixed->data(), static_cast<uint32_t>(fixed->size())));
  ASSERT_NE(btf, nullptr) << "libbpf refuses the fixed BTF";
  size_t datasecs = 0;
  for (uint32_t id = 1; id < btf__type_cnt(btf.get()); ++id) {
    const struct btf_type* type = btf__type_by_id(btf.get(), id);
    if (!btf_is_datasec(type)) continue;
    ++datasecs;
    const std::string name = btf__name_by_offset(btf.get(), type->name_off);
    SCOPED_TRACE(name);
    const elf::Section* section = view->section(name);
    ASSERT_NE(section, nullptr);
    EXPECT_NE(type->size, 0u);
    EXPECT_EQ(type->size, section->size);
    uint32_t previous = 0;
    const struct btf_var_secinfo* infos = btf_var_secinfos(type);
    for (uint16_t i = 0; i < btf_vlen(type); ++i) {
      const struct btf_type* var = btf__type_by_id(btf.get(), infos[i].type);
      const std::string var_name = btf__name_by_offset(btf.get(), var->name_off);
      const elf::Symbol* symbol = symbol_named(*view, section->index, var_name);
      ASSERT_NE(symbol, nullptr) << var_name;
      EXPECT_EQ(infos[i].offset, symbol->value) << var_name;
      EXPECT_GE(infos[i].offset, previous) << "variables out of order at " << var_name;
      EXPECT_LE(infos[i].offset + infos[i].size, type->size) << var_name;
      previous = infos[i].offset;
    }
  }
  EXPECT_GT(datasecs, 0u);
}

INSTANTIATE_TEST_SUITE_P(Objects, FixupObject,
                         ::testing::Values("btf_maps.o", "btf_maps.bpfeb.o", "global_data.o", "global_data.bpfeb.o",
                                           "mixed_maps.o"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '.') c = '_';
                           return name;
                         });

/// BTF with one DATASEC `section` holding variables `vars` (4-byte ints), offsets 0.
std::vector<std::byte> datasec_btf(const std::string& section, const std::vector<std::string>& vars) {
  BtfPtr btf(btf__new_empty());
  const int int_id = btf__add_int(btf.get(), "int", 4, BTF_INT_SIGNED);
  std::vector<int> ids;
  for (const std::string& var : vars) ids.push_back(btf__add_var(btf.get(), var.c_str(), BTF_VAR_GLOBAL_ALLOCATED, int_id));
  btf__add_datasec(btf.get(), section.c_str(), 0);
  for (int id : ids) btf__add_datasec_var_info(btf.get(), id, 0, 4);
  uint32_t size = 0;
  const auto* data = static_cast<const std::byte*>(btf__raw_data(btf.get(), &size));
  return {data, data + size};
}

TEST(FixupBtf, VariablesAreReorderedByTheirSymbols) {
  const auto raw = datasec_btf(".data", {"late", "early"});
  ElfWriter writer;
  const size_t data = writer.add_section(".data", std::vector<std::byte>(12));
  writer.add_symbol("late", data, 8, 4);
  writer.add_symbol("early", data, 0, 4);
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto fixed = fixup(*view, raw);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  BtfPtr btf(btf__new(fixed->data(), static_cast<uint32_t>(fixed->size())));
  ASSERT_NE(btf, nullptr);
  const int id = btf__find_by_name_kind(btf.get(), ".data", BTF_KIND_DATASEC);
  ASSERT_GT(id, 0);
  const struct btf_type* type = btf__type_by_id(btf.get(), id);
  EXPECT_EQ(type->size, 12u);
  const struct btf_var_secinfo* infos = btf_var_secinfos(type);
  EXPECT_EQ(btf__name_by_offset(btf.get(), btf__type_by_id(btf.get(), infos[0].type)->name_off), std::string("early"));
  EXPECT_EQ(infos[0].offset, 0u);
  EXPECT_EQ(infos[1].offset, 8u);
}

/// The fixed-up BTF of bpf_progs/`file`, parsed.
BtfPtr fixed_btf_of(const std::string& file) {
  const auto bytes = read_file(bpf_object(file));
  auto view = open_view(bytes);
  if (!view) return nullptr;
  const elf::Section* raw = view->section(".BTF");
  if (raw == nullptr) return nullptr;
  auto fixed = fixup(*view, raw->data);
  if (!fixed.ok()) return nullptr;
  return BtfPtr(btf__new(fixed->data(), static_cast<uint32_t>(fixed->size())));
}

int linkage_of(const struct btf* btf, const char* function) {
  const int id = btf__find_by_name_kind(btf, function, BTF_KIND_FUNC);
  return id > 0 ? btf_vlen(btf__type_by_id(btf, id)) : -1;
}

TEST(FixupBtf, HiddenGlobalFunctionsBecomeStaticAndVisibleOnesStayGlobal) {
  BtfPtr btf = fixed_btf_of("btf_func_linkage.o");
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(linkage_of(btf.get(), "hidden_increment"), BTF_FUNC_STATIC);
  EXPECT_EQ(linkage_of(btf.get(), "visible_increment"), BTF_FUNC_GLOBAL);
  EXPECT_EQ(linkage_of(btf.get(), "find_init"), BTF_FUNC_GLOBAL);
}

TEST(FixupBtf, KfuncPrototypesGetANameForEveryArgument) {
  BtfPtr btf = fixed_btf_of("btf_func_linkage.o");
  ASSERT_NE(btf, nullptr);
  for (const char* kfunc : {"bpf_task_from_pid", "bpf_task_release"}) {
    SCOPED_TRACE(kfunc);
    EXPECT_EQ(linkage_of(btf.get(), kfunc), BTF_FUNC_STATIC) << "the kernel takes no extern linkage";
    const int id = btf__find_by_name_kind(btf.get(), kfunc, BTF_KIND_FUNC);
    ASSERT_GT(id, 0);
    const struct btf_type* proto = btf__type_by_id(btf.get(), btf__type_by_id(btf.get(), id)->type);
    ASSERT_TRUE(btf_is_func_proto(proto));
    ASSERT_EQ(btf_vlen(proto), 1);
    EXPECT_STRNE(btf__name_by_offset(btf.get(), btf_params(proto)[0].name_off), "");
  }
}

TEST(FixupBtf, MissingSectionOrSymbolIsMalformed) {
  ElfWriter writer;
  const size_t data = writer.add_section(".data", std::vector<std::byte>(4));
  writer.add_symbol("present", data, 0, 4);
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);

  auto no_section = fixup(*view, datasec_btf(".bss", {"present"}));
  ASSERT_FALSE(no_section.ok());
  EXPECT_EQ(no_section.error().kind, ErrorKind::Malformed);
  EXPECT_NE(no_section.error().message.find("'.bss'"), std::string::npos) << no_section.error().message;

  auto no_symbol = fixup(*view, datasec_btf(".data", {"absent"}));
  ASSERT_FALSE(no_symbol.ok());
  EXPECT_EQ(no_symbol.error().kind, ErrorKind::Malformed);
  EXPECT_NE(no_symbol.error().message.find("'absent'"), std::string::npos) << no_symbol.error().message;
}

TEST(FixupBtf, BrokenBtfIsMalformed) {
  ElfWriter writer;
  writer.add_section(".data", std::vector<std::byte>(4));
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto good = datasec_btf(".data", {});
  EXPECT_FALSE(fixup(*view, std::span(good).first(10)).ok());
  auto truncated = good;
  truncated.resize(truncated.size() - 3);
  auto result = fixup(*view, truncated);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Malformed);
  auto bad_magic = good;
  bad_magic[0] = std::byte{0};
  EXPECT_FALSE(fixup(*view, bad_magic).ok());
  // Little-endian BTF in a big-endian object is in the wrong order for it.
  ElfWriter be_writer(ByteOrder::Big);
  be_writer.add_section(".data", std::vector<std::byte>(4));
  const auto be_bytes = be_writer.build();
  auto be_view = open_view(be_bytes);
  ASSERT_TRUE(be_view);
  EXPECT_FALSE(fixup(*be_view, good).ok());
}

}  // namespace
}  // namespace bpfload::test
