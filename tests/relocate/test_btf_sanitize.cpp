// BTF sanitised for older kernels (sanitize_btf): each of libbpf's rewrites on hand-built
// blobs, checked through libbpf's own parser, and malformed blobs refused by name. Pure.
#include <bpf/btf.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/btf_sanitize.hpp"
#include "btf_builder.hpp"

namespace bpfload {
namespace {

using test::BtfBuilder;

struct BtfFree {
  void operator()(struct btf* btf) const { btf__free(btf); }
};
using Parsed = std::unique_ptr<struct btf, BtfFree>;

/// libbpf's parse of `bytes`; fails the test when libbpf refuses them.
Parsed parse(const std::vector<std::byte>& bytes) {
  Parsed parsed(btf__new(bytes.data(), static_cast<uint32_t>(bytes.size())));
  EXPECT_NE(parsed, nullptr) << "libbpf refuses the sanitised BTF";
  return parsed;
}

SanitizedBtf sanitize_ok(const std::vector<std::byte>& bytes, BtfFeatures features) {
  Result<SanitizedBtf> result = sanitize_btf(bytes, features);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(result).value() : SanitizedBtf{};
}

std::string name_of(const struct btf* btf, uint32_t id) {
  return btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
}

/// int, float, double, a struct of the three, a tagged pointer, a decl tag, a global
/// function, a 64-bit and a signed enum: every kind some kernel lacks.
struct Everything {
  BtfBuilder btf;
  uint32_t int_id, float_id, double_id, tag_id, ptr_id, struct_id, decl_tag_id, proto_id, func_id, enum64_id, enum_id;

  Everything() {
    int_id = btf.add_int("int", 4);
    float_id = btf.add({btf.name("float"), BtfBuilder::info(BtfBuilder::kFloat), 4});
    double_id = btf.add({btf.name("double"), BtfBuilder::info(BtfBuilder::kFloat), 8});
    tag_id = btf.add({btf.name("user"), BtfBuilder::info(BtfBuilder::kTypeTag), int_id});
    ptr_id = btf.add({0, BtfBuilder::info(BtfBuilder::kPtr), tag_id});
    struct_id = btf.add({btf.name("sample"), BtfBuilder::info(BtfBuilder::kStruct, 3), 24,
                         btf.name("ratio"), float_id, 0, btf.name("total"), double_id, 64, btf.name("where"), ptr_id,
                         128});
    decl_tag_id = btf.add({btf.name("counter"), BtfBuilder::info(BtfBuilder::kDeclTag), struct_id, 1});
    proto_id = btf.add({0, BtfBuilder::info(BtfBuilder::kFuncProto, 1), int_id, btf.name("x"), int_id});
    func_id = btf.add({btf.name("f"), BtfBuilder::info(BtfBuilder::kFunc, BTF_FUNC_GLOBAL), proto_id});
    enum64_id = btf.add({btf.name("wide"), BtfBuilder::info(BtfBuilder::kEnum64, 2), 8, btf.name("SMALL"), 1, 0,
                         btf.name("BIG"), 0, 1});
    enum_id = btf.add({btf.name("sign"), BtfBuilder::info(BtfBuilder::kEnum, 1, true), 4, btf.name("NEG"),
                       static_cast<uint32_t>(-1)});
  }
};

TEST(BtfSanitize, EveryFeaturePresentLeavesTheBytesAloneWithoutACopy) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all());
  EXPECT_FALSE(result.changed());
  EXPECT_TRUE(result.bytes.empty());
  EXPECT_TRUE(result.describe().empty());
  EXPECT_EQ(result.enum64_placeholder_id, 0u);
}

TEST(BtfSanitize, FloatBecomesAnAnonymousEmptyStructOfTheSameSize) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all().without(BtfFeature::Float));
  ASSERT_TRUE(result.changed());
  EXPECT_EQ(result.count(BtfRewrite::FloatAsStruct), 2u);
  EXPECT_EQ(result.describe(), std::vector<std::string>{"2 FLOAT types rewritten as STRUCT"});
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(btf__type_cnt(btf.get()), everything.btf.count() + 1);
  for (const auto& [id, size] : {std::pair{everything.float_id, 4u}, std::pair{everything.double_id, 8u}}) {
    const struct btf_type* type = btf__type_by_id(btf.get(), id);
    EXPECT_TRUE(btf_is_struct(type)) << id;
    EXPECT_EQ(btf_vlen(type), 0u);
    EXPECT_EQ(type->size, size);
    EXPECT_EQ(type->name_off, 0u) << "'float' is no struct name the kernel takes";
  }
  // The struct that holds them keeps its size and its members' types.
  EXPECT_EQ(btf__resolve_size(btf.get(), everything.struct_id), 24);
  EXPECT_EQ(btf_members(btf__type_by_id(btf.get(), everything.struct_id))[1].type, everything.double_id);
  // Nothing else changed.
  EXPECT_TRUE(btf_is_type_tag(btf__type_by_id(btf.get(), everything.tag_id)));
  EXPECT_TRUE(btf_is_enum64(btf__type_by_id(btf.get(), everything.enum64_id)));
}

TEST(BtfSanitize, DeclTagBecomesAOneByteIntInPlace) {
  const Everything everything;
  const std::vector<std::byte> input = everything.btf.bytes();
  const SanitizedBtf result = sanitize_ok(input, BtfFeatures::all().without(BtfFeature::DeclTag));
  EXPECT_EQ(result.count(BtfRewrite::DeclTagAsInt), 1u);
  ASSERT_EQ(result.bytes.size(), input.size()) << "in place: same record size";
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(btf__type_cnt(btf.get()), everything.btf.count() + 1);
  const struct btf_type* type = btf__type_by_id(btf.get(), everything.decl_tag_id);
  ASSERT_TRUE(btf_is_int(type));
  EXPECT_EQ(type->size, 1u);
  EXPECT_EQ(btf_int_bits(type), 8u);
  EXPECT_EQ(btf_int_encoding(type), 0u);
  EXPECT_TRUE(btf_is_struct(btf__type_by_id(btf.get(), everything.struct_id)));
}

TEST(BtfSanitize, TypeTagBecomesAnAnonymousConstOfTheSameType) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all().without(BtfFeature::TypeTag));
  EXPECT_EQ(result.count(BtfRewrite::TypeTagAsConst), 1u);
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  const struct btf_type* type = btf__type_by_id(btf.get(), everything.tag_id);
  EXPECT_TRUE(btf_is_const(type));
  EXPECT_EQ(type->type, everything.int_id);
  EXPECT_EQ(type->name_off, 0u);
  EXPECT_EQ(btf__type_by_id(btf.get(), everything.ptr_id)->type, everything.tag_id);
}

TEST(BtfSanitize, Enum64BecomesAUnionOfAnAppendedPlaceholderIntAndEnumsLoseTheirSign) {
  Everything everything;
  const uint32_t second = everything.btf.add({everything.btf.name("wider"),
                                              BtfBuilder::info(BtfBuilder::kEnum64, 1, true), 8,
                                              everything.btf.name("HUGE"), 5, 5});
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all().without(BtfFeature::Enum64));
  EXPECT_EQ(result.count(BtfRewrite::Enum64AsUnion), 2u);
  EXPECT_EQ(result.count(BtfRewrite::EnumSignCleared), 1u);
  EXPECT_EQ(result.enum64_placeholder_id, everything.btf.count() + 1) << "appended: no existing id moves";
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(btf__type_cnt(btf.get()), everything.btf.count() + 2) << "one placeholder for every ENUM64";
  const struct btf_type* placeholder = btf__type_by_id(btf.get(), result.enum64_placeholder_id);
  ASSERT_TRUE(btf_is_int(placeholder));
  EXPECT_EQ(placeholder->size, 1u);
  EXPECT_EQ(name_of(btf.get(), result.enum64_placeholder_id), "enum64_placeholder");
  for (const uint32_t id : {everything.enum64_id, second}) {
    const struct btf_type* type = btf__type_by_id(btf.get(), id);
    ASSERT_TRUE(btf_is_union(type)) << id;
    EXPECT_EQ(type->size, 8u);
    EXPECT_FALSE(btf_kflag(type));
    for (uint16_t i = 0; i < btf_vlen(type); ++i) {
      EXPECT_EQ(btf_members(type)[i].type, result.enum64_placeholder_id);
      EXPECT_EQ(btf_members(type)[i].offset, 0u);
    }
  }
  EXPECT_EQ(btf__name_by_offset(btf.get(), btf_members(btf__type_by_id(btf.get(), everything.enum64_id))[1].name_off),
            std::string("BIG"));
  const struct btf_type* plain = btf__type_by_id(btf.get(), everything.enum_id);
  EXPECT_TRUE(btf_is_enum(plain));
  EXPECT_FALSE(btf_kflag(plain));
  EXPECT_EQ(name_of(btf.get(), everything.struct_id), "sample") << "strings kept after the appended type";
}

TEST(BtfSanitize, Enum64PlaceholderReusesAnExistingName) {
  BtfBuilder builder;
  builder.add_int("enum64_placeholder", 4);
  builder.add({builder.name("e"), BtfBuilder::info(BtfBuilder::kEnum64, 1), 8, builder.name("A"), 1, 0});
  const std::vector<std::byte> input = builder.bytes();
  const SanitizedBtf result = sanitize_ok(input, BtfFeatures::all().without(BtfFeature::Enum64));
  EXPECT_EQ(result.bytes.size(), input.size() + 16) << "one INT record, no new string";
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(name_of(btf.get(), 3), "enum64_placeholder");
}

TEST(BtfSanitize, GlobalFunctionsBecomeStatic) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all().without(BtfFeature::FuncGlobal));
  EXPECT_EQ(result.count(BtfRewrite::FuncMadeStatic), 1u);
  EXPECT_EQ(result.describe(), std::vector<std::string>{"1 FUNC types made static"});
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  const struct btf_type* func = btf__type_by_id(btf.get(), everything.func_id);
  ASSERT_TRUE(btf_is_func(func));
  EXPECT_EQ(btf_vlen(func), static_cast<uint16_t>(BTF_FUNC_STATIC));
  EXPECT_EQ(func->type, everything.proto_id);
}

TEST(BtfSanitize, NoFuncKindTurnsProtosIntoEnumsAndFuncsIntoTypedefs) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::all().without(BtfFeature::Func));
  EXPECT_EQ(result.count(BtfRewrite::FuncProtoAsEnum), 1u);
  EXPECT_EQ(result.count(BtfRewrite::FuncAsTypedef), 1u);
  EXPECT_EQ(result.count(BtfRewrite::FuncMadeStatic), 0u) << "a TYPEDEF has no linkage";
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  const struct btf_type* proto = btf__type_by_id(btf.get(), everything.proto_id);
  ASSERT_TRUE(btf_is_enum(proto));
  EXPECT_EQ(proto->size, 4u);
  EXPECT_EQ(btf_vlen(proto), 1u);
  EXPECT_EQ(btf__name_by_offset(btf.get(), btf_enum(proto)[0].name_off), std::string("x"));
  const struct btf_type* func = btf__type_by_id(btf.get(), everything.func_id);
  ASSERT_TRUE(btf_is_typedef(func));
  EXPECT_EQ(func->type, everything.proto_id);
}

TEST(BtfSanitize, NoDatasecTurnsVarsIntoIntsAndSectionsIntoStructsOfTheirVariables) {
  BtfBuilder builder;
  const uint32_t int_id = builder.add_int("int", 4);
  const uint32_t long_id = builder.add_int("long", 8);
  const uint32_t a = builder.add({builder.name("a"), BtfBuilder::info(BtfBuilder::kVar), int_id, 1});
  const uint32_t b = builder.add({builder.name("b"), BtfBuilder::info(BtfBuilder::kVar), long_id, 1});
  const uint32_t section =
      builder.add({builder.name(".data.?x"), BtfBuilder::info(BtfBuilder::kDatasec, 2), 16, a, 0, 4, b, 8, 8});
  const SanitizedBtf result = sanitize_ok(builder.bytes(), BtfFeatures::all().without(BtfFeature::Datasec));
  EXPECT_EQ(result.count(BtfRewrite::VarAsInt), 2u);
  EXPECT_EQ(result.count(BtfRewrite::DatasecAsStruct), 1u);
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(btf__type_cnt(btf.get()), 6u);
  for (const uint32_t id : {a, b}) {
    const struct btf_type* var = btf__type_by_id(btf.get(), id);
    ASSERT_TRUE(btf_is_int(var));
    EXPECT_EQ(var->size, 1u);
  }
  const struct btf_type* type = btf__type_by_id(btf.get(), section);
  ASSERT_TRUE(btf_is_struct(type));
  EXPECT_EQ(type->size, 16u);
  EXPECT_EQ(name_of(btf.get(), section), "_data__x");
  ASSERT_EQ(btf_vlen(type), 2u);
  EXPECT_EQ(btf__name_by_offset(btf.get(), btf_members(type)[1].name_off), std::string("b"));
  EXPECT_EQ(btf_members(type)[1].type, b);
  EXPECT_EQ(btf_members(type)[1].offset, 64u) << "bits";
  EXPECT_EQ(btf_members(type)[0].offset, 0u);
}

TEST(BtfSanitize, NoFeatureAtAllAppliesEveryRuleInLibbpfsOrder) {
  const Everything everything;
  const SanitizedBtf result = sanitize_ok(everything.btf.bytes(), BtfFeatures::none());
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_TRUE(btf_is_struct(btf__type_by_id(btf.get(), everything.float_id)));
  EXPECT_TRUE(btf_is_const(btf__type_by_id(btf.get(), everything.tag_id)));
  EXPECT_TRUE(btf_is_int(btf__type_by_id(btf.get(), everything.decl_tag_id)));
  EXPECT_TRUE(btf_is_enum(btf__type_by_id(btf.get(), everything.proto_id)));
  EXPECT_TRUE(btf_is_typedef(btf__type_by_id(btf.get(), everything.func_id)));
  EXPECT_TRUE(btf_is_union(btf__type_by_id(btf.get(), everything.enum64_id)));
  EXPECT_EQ(result.describe().size(), 7u);
}

TEST(BtfSanitize, ABigEndianBlobIsRewrittenInItsOwnByteOrder) {
  const Everything everything;
  const SanitizedBtf result =
      sanitize_ok(everything.btf.bytes(true), BtfFeatures::all().without(BtfFeature::Float).without(BtfFeature::Enum64));
  const Parsed btf = parse(result.bytes);
  ASSERT_NE(btf, nullptr);
  EXPECT_EQ(btf__endianness(btf.get()), BTF_BIG_ENDIAN);
  EXPECT_TRUE(btf_is_struct(btf__type_by_id(btf.get(), everything.double_id)));
  EXPECT_EQ(btf__type_by_id(btf.get(), everything.double_id)->size, 8u);
  EXPECT_TRUE(btf_is_union(btf__type_by_id(btf.get(), everything.enum64_id)));
  EXPECT_EQ(name_of(btf.get(), result.enum64_placeholder_id), "enum64_placeholder");
}

TEST(BtfSanitize, TheSameInputGivesTheSameBytes) {
  const Everything everything;
  const std::vector<std::byte> input = everything.btf.bytes();
  EXPECT_EQ(sanitize_ok(input, BtfFeatures::none()).bytes, sanitize_ok(input, BtfFeatures::none()).bytes);
}

// ---- malformed input ----

Error refused(const std::vector<std::byte>& bytes, BtfFeatures features = BtfFeatures::none()) {
  Result<SanitizedBtf> result = sanitize_btf(bytes, features);
  EXPECT_FALSE(result.ok());
  return result.ok() ? Error{} : result.error();
}

void put(std::vector<std::byte>& bytes, size_t offset, uint32_t value) { std::memcpy(bytes.data() + offset, &value, 4); }

TEST(BtfSanitizeMalformed, TruncatedHeaderAndBadMagicAreRefused) {
  EXPECT_EQ(refused({}).kind, ErrorKind::Malformed);
  EXPECT_NE(refused(std::vector<std::byte>(10)).message.find("10 bytes cannot hold"), std::string::npos);
  std::vector<std::byte> bytes = Everything().btf.bytes();
  bytes[0] = std::byte{0x12};
  EXPECT_NE(refused(bytes).message.find("bad magic"), std::string::npos);
}

TEST(BtfSanitizeMalformed, SectionsPastTheEndAreRefusedEvenWithEveryFeature) {
  std::vector<std::byte> bytes = Everything().btf.bytes();
  put(bytes, 12, 0x7fffffff);  // type_len
  const Error error = refused(bytes, BtfFeatures::all());
  EXPECT_EQ(error.kind, ErrorKind::Malformed);
  EXPECT_NE(error.message.find("type section"), std::string::npos) << error.message;
  bytes = Everything().btf.bytes();
  put(bytes, 4, 0xffffffff);  // hdr_len
  EXPECT_NE(refused(bytes).message.find("header length"), std::string::npos);
  bytes = Everything().btf.bytes();
  put(bytes, 20, 0xfffffff0);  // str_len
  EXPECT_NE(refused(bytes).message.find("string section"), std::string::npos);
  bytes = Everything().btf.bytes();
  bytes.back() = std::byte{'x'};
  EXPECT_NE(refused(bytes).message.find("NUL"), std::string::npos);
}

TEST(BtfSanitizeMalformed, ARecordRunningPastTheTypesNamesItsIdAndOffset) {
  BtfBuilder builder;
  builder.add_int("int", 4);
  builder.add({builder.name("s"), BtfBuilder::info(BtfBuilder::kStruct, 1000), 4});  // 1000 members, none there
  const Error error = refused(builder.bytes());
  EXPECT_EQ(error.kind, ErrorKind::Malformed);
  EXPECT_NE(error.message.find("type [2] at offset 0x28"), std::string::npos) << error.message;
}

TEST(BtfSanitizeMalformed, AnUnknownKindIsUnsupportedNamingIt) {
  BtfBuilder builder;
  builder.add({0, BtfBuilder::info(25), 0});
  const Error error = refused(builder.bytes());
  EXPECT_EQ(error.kind, ErrorKind::Unsupported);
  EXPECT_NE(error.message.find("type [1] at offset 0x18: unknown BTF kind 25"), std::string::npos) << error.message;
}

TEST(BtfSanitizeMalformed, ADatasecOfAMissingVariableOrNameIsRefused) {
  BtfBuilder builder;
  builder.add_int("int", 4);
  builder.add({builder.name(".data"), BtfBuilder::info(BtfBuilder::kDatasec, 1), 4, 99, 0, 4});
  Error error = refused(builder.bytes());
  EXPECT_EQ(error.kind, ErrorKind::Malformed);
  EXPECT_NE(error.message.find("DATASEC [2]"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("type [99]"), std::string::npos) << error.message;

  BtfBuilder unnamed;
  unnamed.add({0xffff, BtfBuilder::info(BtfBuilder::kDatasec, 0), 4});
  error = refused(unnamed.bytes());
  EXPECT_NE(error.message.find("name offset 0xffff"), std::string::npos) << error.message;
}

TEST(BtfSanitizeMalformed, EveryTruncationOfAValidBlobIsAnErrorNotACrash) {
  const std::vector<std::byte> whole = Everything().btf.bytes();
  for (size_t size = 0; size < whole.size(); ++size) {
    const std::vector<std::byte> cut(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(size));
    Result<SanitizedBtf> result = sanitize_btf(cut, BtfFeatures::none());
    EXPECT_FALSE(result.ok()) << size;
  }
}

}  // namespace
}  // namespace bpfload
