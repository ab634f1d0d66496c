// const volatile settings written into .rodata before load, typed by BTF: values of each
// kind land at the variable's offset, and names, ranges and types are checked. Pure.
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/constants.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

ObjectSpec parse_settings() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("const_settings.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

const DataSectionSpec& rodata(const ObjectSpec& spec) {
  for (const DataSectionSpec& section : spec.data_sections)
    if (section.name == ".rodata") return section;
  ADD_FAILURE() << "no .rodata";
  return spec.data_sections.front();
}

TEST(Constants, EachKindIsWrittenInTheRodataBytes) {
  ObjectSpec spec = parse_settings();
  const std::vector<std::byte> before = rodata(spec).bytes;
  ASSERT_TRUE(set_constant(spec, "target_port", "0x1f90").ok());
  ASSERT_TRUE(set_constant(spec, "offset", "-2").ok());
  ASSERT_TRUE(set_constant(spec, "verbose", "true").ok());
  ASSERT_TRUE(set_constant(spec, "mode", "MODE_TRACE").ok());
  ASSERT_TRUE(set_constant(spec, "comm", "bash").ok());
  const std::vector<std::byte>& after = rodata(spec).bytes;
  ASSERT_EQ(after.size(), before.size());
  EXPECT_NE(after, before);
  // Every value appears somewhere in .rodata in host order; offsets come from BTF.
  const auto contains = [&](const void* value, size_t size) {
    for (size_t i = 0; i + size <= after.size(); ++i)
      if (std::memcmp(after.data() + i, value, size) == 0) return true;
    return false;
  };
  const uint32_t port = 8080;
  const int16_t off = -2;
  const uint32_t mode = 9;
  EXPECT_TRUE(contains(&port, sizeof(port)));
  EXPECT_TRUE(contains(&off, sizeof(off)));
  EXPECT_TRUE(contains(&mode, sizeof(mode)));
  EXPECT_TRUE(contains("bash", 5));
}

TEST(Constants, EnumTakesAnyNumberThatFitsItsSizeSignedOrNot) {
  for (const char* value : {"0xffffffff", "-1", "-2147483648", "7"}) {
    ObjectSpec spec = parse_settings();
    Status set = set_constant(spec, "mode", value);
    EXPECT_TRUE(set.ok()) << value << ": " << set.error().message;
  }
}

TEST(Constants, BadNamesValuesAndSectionsAreRefusedNamingTheConstant) {
  struct Case {
    const char* name;
    const char* value;
    ErrorKind kind;
    const char* expect;
  };
  const Case cases[] = {
      {"no_such_setting", "1", ErrorKind::NotFound, "no global"},
      {"writable_counter", "1", ErrorKind::NotFound, "not a read-only section"},
      {"target_port", "-1", ErrorKind::InvalidArgument, "unsigned"},
      {"target_port", "4294967296", ErrorKind::InvalidArgument, "32-bit"},
      {"offset", "40000", ErrorKind::InvalidArgument, "16-bit signed"},
      {"verbose", "maybe", ErrorKind::InvalidArgument, "bool"},
      {"mode", "MODE_NONE", ErrorKind::InvalidArgument, "enumerator"},
      {"comm", "far_too_long", ErrorKind::InvalidArgument, "char array"},
      {"target_port", "12abc", ErrorKind::InvalidArgument, "unsigned"},
      // The one number grammar: no octal-looking leading zero, for --set as for options.
      {"target_port", "00", ErrorKind::InvalidArgument, "leading zero"},
      {"offset", "-010", ErrorKind::InvalidArgument, "leading zero"},
      // An enum holds what fits its size: this was stored cut to 0xffffffff.
      {"mode", "0x7fffffffffffffff", ErrorKind::InvalidArgument, "4-byte number"},
      {"mode", "-2147483649", ErrorKind::InvalidArgument, "4-byte number"},
  };
  for (const Case& c : cases) {
    ObjectSpec spec = parse_settings();
    Status set = set_constant(spec, c.name, c.value);
    ASSERT_FALSE(set.ok()) << c.name << "=" << c.value;
    EXPECT_EQ(set.error().kind, c.kind) << set.error().message;
    EXPECT_NE(set.error().message.find(c.expect), std::string::npos) << set.error().message;
    EXPECT_NE(set.error().message.find(c.name), std::string::npos) << set.error().message;
  }
}

ObjectSpec parse_global_data() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("global_data.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

TEST(Globals, FindGlobalGivesEachVariablesSectionOffsetAndSize) {
  const ObjectSpec spec = parse_global_data();
  Result<GlobalVariable> seed = find_global(spec, "data_seed");
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  EXPECT_EQ(seed->section, ".data");
  EXPECT_EQ(seed->size, 4U);
  EXPECT_FALSE(seed->readonly);
  Result<GlobalVariable> wide = find_global(spec, "data_wide");
  ASSERT_TRUE(wide.ok()) << wide.error().message;
  EXPECT_EQ(wide->size, 8U);
  EXPECT_NE(wide->offset, seed->offset) << "offsets come from the fixed-up BTF, not clang's zeros";
  Result<GlobalVariable> product = find_global(spec, "bss_product");
  ASSERT_TRUE(product.ok()) << product.error().message;
  EXPECT_EQ(product->section, ".bss");
  Result<GlobalVariable> multiplier = find_global(spec, "config_multiplier");
  ASSERT_TRUE(multiplier.ok()) << multiplier.error().message;
  EXPECT_TRUE(multiplier->readonly);
}

TEST(Globals, UnknownNameIsNotFoundAndAnObjectWithoutBtfIsUnsupported) {
  ObjectSpec spec = parse_global_data();
  Result<GlobalVariable> missing = find_global(spec, "no_such_global");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  EXPECT_NE(missing.error().message.find("no_such_global"), std::string::npos) << missing.error().message;
  spec.btf = nullptr;
  Result<GlobalVariable> untyped = find_global(spec, "data_seed");
  ASSERT_FALSE(untyped.ok());
  EXPECT_EQ(untyped.error().kind, ErrorKind::Unsupported);
}

TEST(Globals, EncodeGlobalParsesTextByTheVariablesTypeAndChecksItsRange) {
  const ObjectSpec spec = parse_global_data();
  Result<GlobalVariable> seed = find_global(spec, "data_seed");
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  Result<std::vector<std::byte>> bytes = encode_global(spec, *seed, "0x2a");
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  uint32_t value = 0;
  ASSERT_EQ(bytes->size(), sizeof(value));
  std::memcpy(&value, bytes->data(), sizeof(value));
  EXPECT_EQ(value, 42U);
  Result<std::vector<std::byte>> too_wide = encode_global(spec, *seed, "4294967296");
  ASSERT_FALSE(too_wide.ok());
  EXPECT_EQ(too_wide.error().kind, ErrorKind::InvalidArgument);
}

}  // namespace
}  // namespace bpfload
