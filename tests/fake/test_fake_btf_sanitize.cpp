// BTF sanitised for a kernel that lacks some BTF kinds, against the fake kernel told to
// refuse them as such a kernel does: the probe finds what is missing (once per kernel),
// the object's BTF is rewritten and loads, the rewrites are reported, and type ids that
// maps and programs name stay valid.
#include <linux/btf.h>

#include <bpf/btf.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/btf.hpp"
#include "bpfload/btf_sanitize.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

constexpr size_t kProbes = 1 + kBtfFeatureCount;  // the basic blob, then one per feature

ObjectSpec parse_new_kinds() {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("btf_new_kinds.o"));
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

LoadOptions fake_options(Kernel& kernel) {
  LoadOptions options;
  options.kernel = &kernel;
  options.object_id = "btf-sanitize-test";
  return options;
}

/// Number of types of `kind` in `btf` (with `global` only FUNCs of global linkage).
uint32_t count_kind(const struct btf* btf, uint32_t kind, bool global = false) {
  uint32_t count = 0;
  for (uint32_t id = 1; id < btf__type_cnt(btf); ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (btf_kind(type) == kind && (!global || btf_vlen(type) == BTF_FUNC_GLOBAL)) ++count;
  }
  return count;
}

struct BtfFree {
  void operator()(struct btf* btf) const { btf__free(btf); }
};

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(FakeBtfSanitize, TheProbeFindsWhatTheKernelRefusesOncePerKernel) {
  FakeKernel kernel;
  kernel.refuse_btf_feature(BtfFeature::Float);
  kernel.refuse_btf_feature(BtfFeature::Enum64);
  std::vector<std::thread> threads;
  std::vector<BtfFeatures> seen(4);
  for (size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = kernel.btf_features(); });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(kernel.calls_named("btf_load"), kProbes) << "probed once, whichever thread asked first";
  for (const BtfFeatures& features : seen) EXPECT_EQ(features, seen[0]);
  for (size_t i = 0; i < kBtfFeatureCount; ++i) {
    const BtfFeature feature = btf_feature_at(i);
    const bool refused = feature == BtfFeature::Float || feature == BtfFeature::Enum64;
    EXPECT_EQ(seen[0].has(feature), !refused) << btf_feature_name(feature);
  }
  EXPECT_EQ(kernel.btf_features(), seen[0]);
  EXPECT_EQ(kernel.calls_named("btf_load"), kProbes);
  EXPECT_TRUE(FakeKernel().btf_features().complete()) << "another kernel is probed afresh";
}

TEST(FakeBtfSanitize, EachProbeBlobIsValidBtfThatOnlyAKernelLackingItsFeatureRefuses) {
  const std::vector<std::byte> basic = btf_basic_probe_blob();
  std::unique_ptr<struct btf, BtfFree> parsed(btf__new(basic.data(), static_cast<uint32_t>(basic.size())));
  ASSERT_NE(parsed, nullptr);
  for (size_t i = 0; i < kBtfFeatureCount; ++i) {
    const BtfFeature feature = btf_feature_at(i);
    SCOPED_TRACE(std::string(btf_feature_name(feature)));
    const std::vector<std::byte> blob = btf_feature_probe_blob(feature);
    parsed.reset(btf__new(blob.data(), static_cast<uint32_t>(blob.size())));
    EXPECT_NE(parsed, nullptr) << "libbpf refuses the probe";
    FakeKernel lacking;
    lacking.refuse_btf_feature(feature);
    EXPECT_TRUE(lacking.btf_load(basic, {}).ok());
    std::vector<char> log(128);
    Result<Fd> refused = lacking.btf_load(blob, log);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().sys_errno, EINVAL);
    EXPECT_NE(std::string(log.data()).find("Invalid kind"), std::string::npos);
    // A kernel without FUNC has no global FUNC either, one without VAR no tag on a VAR.
    BtfFeatures expected = BtfFeatures::all().without(feature);
    if (feature == BtfFeature::Func) expected.set(BtfFeature::FuncGlobal, false);
    if (feature == BtfFeature::Datasec) expected.set(BtfFeature::DeclTag, false);
    EXPECT_EQ(lacking.btf_features(), expected);
  }
}

TEST(FakeBtfSanitize, AKernelRefusingEveryBlobIsLeftToRefuseTheObjectItself) {
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  kernel.fail_nth("btf_load", 1, EPERM);  // the basic probe: no BTF at all, or no privilege
  EXPECT_TRUE(kernel.btf_features().complete());
  EXPECT_EQ(kernel.calls_of("btf_load"), 1u) << "nothing more is probed";
}

TEST(FakeBtfSanitize, AnObjectWithNewKindsLoadsWithItsBtfRewrittenAndSaysSo) {
  const ObjectSpec spec = parse_new_kinds();
  ASSERT_NE(spec.btf, nullptr);
  const struct btf* original = spec.btf->get();
  const uint32_t floats = count_kind(original, BTF_KIND_FLOAT);
  const uint32_t decl_tags = count_kind(original, BTF_KIND_DECL_TAG);
  const uint32_t type_tags = count_kind(original, BTF_KIND_TYPE_TAG);
  const uint32_t global_funcs = count_kind(original, BTF_KIND_FUNC, true);
  ASSERT_EQ(floats, 2u) << "float and double";
  ASSERT_GE(decl_tags, 2u);
  ASSERT_EQ(type_tags, 1u);
  ASSERT_GE(global_funcs, 1u);

  FakeKernel kernel;
  for (const BtfFeature feature :
       {BtfFeature::Float, BtfFeature::DeclTag, BtfFeature::TypeTag, BtfFeature::FuncGlobal})
    kernel.refuse_btf_feature(feature);
  {
    // Without sanitising, this kernel refuses the object's BTF.
    std::vector<char> log(256);
    EXPECT_FALSE(kernel.btf_load(spec.btf->kernel_bytes(), log).ok());
    EXPECT_NE(std::string(log.data()).find("Invalid kind"), std::string::npos);
  }
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;
  EXPECT_TRUE(report.btf_error.empty());
  EXPECT_TRUE(contains(report.btf_rewrites, "2 FLOAT types rewritten as STRUCT for this kernel"));
  EXPECT_TRUE(contains(report.btf_rewrites,
                       std::to_string(decl_tags) + " DECL_TAG types rewritten as INT for this kernel"));
  EXPECT_TRUE(contains(report.btf_rewrites, "1 TYPE_TAG types rewritten as CONST for this kernel"));
  EXPECT_TRUE(contains(report.btf_rewrites, std::to_string(global_funcs) + " FUNC types made static for this kernel"));
  EXPECT_EQ(report.btf_rewrites.size(), 4u);

  // What the kernel got: the same number of types, none of the refused kinds.
  const std::vector<std::vector<std::byte>> blobs = kernel.loaded_btf();
  ASSERT_EQ(blobs.size(), kProbes - 4 + 1);
  const std::vector<std::byte>& sent = blobs.back();
  std::unique_ptr<struct btf, BtfFree> parsed(btf__new(sent.data(), static_cast<uint32_t>(sent.size())));
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(btf__type_cnt(parsed.get()), btf__type_cnt(original)) << "type ids unchanged";
  EXPECT_EQ(count_kind(parsed.get(), BTF_KIND_FLOAT), 0u);
  EXPECT_EQ(count_kind(parsed.get(), BTF_KIND_DECL_TAG), 0u);
  EXPECT_EQ(count_kind(parsed.get(), BTF_KIND_TYPE_TAG), 0u);
  EXPECT_EQ(count_kind(parsed.get(), BTF_KIND_FUNC, true), 0u);

  // The map was created with its BTF types, whose ids still name a type of its value size.
  const std::optional<FakeKernel::Map> samples = kernel.map_of_fd(loaded->map_fd("samples"));
  ASSERT_TRUE(samples.has_value());
  EXPECT_GE(samples->request.btf_fd, 0);
  ASSERT_NE(samples->request.btf_value_type_id, 0u);
  EXPECT_EQ(btf__resolve_size(parsed.get(), samples->request.btf_value_type_id),
            static_cast<int64_t>(samples->request.value_size));
  // Programs keep func_info (FUNC is known, only its linkage changed).
  for (const FakeKernel::Program& program : kernel.programs()) {
    EXPECT_TRUE(program.with_btf) << program.name;
    EXPECT_GT(program.func_info_count, 0u) << program.name;
  }
}

TEST(FakeBtfSanitize, WithoutFuncOrDatasecTheBtfLoadsButProgramsGoWithoutFuncInfo) {
  const ObjectSpec spec = parse_new_kinds();
  ASSERT_NE(spec.btf, nullptr);
  FakeKernel kernel;
  kernel.refuse_btf_feature(BtfFeature::Func);
  kernel.refuse_btf_feature(BtfFeature::Datasec);
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;
  EXPECT_TRUE(contains(report.btf_rewrites, "1 DATASEC types rewritten as STRUCT for this kernel") ||
              contains(report.btf_rewrites, "2 DATASEC types rewritten as STRUCT for this kernel") ||
              contains(report.btf_rewrites, "3 DATASEC types rewritten as STRUCT for this kernel"))
      << ::testing::PrintToString(report.btf_rewrites);
  const std::optional<FakeKernel::Map> samples = kernel.map_of_fd(loaded->map_fd("samples"));
  ASSERT_TRUE(samples.has_value());
  EXPECT_GE(samples->request.btf_fd, 0) << "maps keep their BTF";
  ASSERT_FALSE(kernel.programs().empty());
  for (const FakeKernel::Program& program : kernel.programs()) {
    EXPECT_FALSE(program.with_btf) << program.name << ": func_info would name a TYPEDEF";
    EXPECT_EQ(program.func_info_count, 0u);
    EXPECT_EQ(program.line_info_count, 0u);
  }
}

TEST(FakeBtfSanitize, AFailedProbeCountsAsAMissingFeatureAndTheObjectStillLoadsWithBtf) {
  const ObjectSpec spec = parse_new_kinds();
  FakeKernel fake;
  FaultInjectingKernel kernel(fake);
  kernel.fail_nth("btf_load", 5, ENOMEM);  // basic, Func, Datasec, FuncGlobal, Float
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;
  EXPECT_EQ(report.btf_rewrites, std::vector<std::string>{"2 FLOAT types rewritten as STRUCT for this kernel"});
}

TEST(FakeBtfSanitize, WhenTheSanitisedBtfIsRefusedTooTheLoadGoesOnWithoutItAndSaysWhy) {
  const ObjectSpec spec = parse_new_kinds();
  FakeKernel kernel;
  kernel.refuse_btf_feature(BtfFeature::Float);
  FaultInjectingKernel faults(kernel);
  faults.fail_nth("btf_load", kProbes + 1, EINVAL);  // the object's own BTF
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(faults), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(report.btf_loaded);
  EXPECT_NE(report.btf_error.find("loading maps and programs without BTF"), std::string::npos) << report.btf_error;
  EXPECT_EQ(report.btf_rewrites, std::vector<std::string>{"2 FLOAT types rewritten as STRUCT for this kernel"});
  for (const FakeKernel::Program& program : kernel.programs()) EXPECT_FALSE(program.with_btf);
  const std::optional<FakeKernel::Map> samples = kernel.map_of_fd(loaded->map_fd("samples"));
  ASSERT_TRUE(samples.has_value());
  EXPECT_LT(samples->request.btf_fd, 0);
}

TEST(FakeBtfSanitize, OnAKernelWithEveryFeatureTheObjectsBytesGoUnchanged) {
  const ObjectSpec spec = parse_new_kinds();
  FakeKernel kernel;
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(report.btf_loaded);
  EXPECT_TRUE(report.btf_rewrites.empty());
  const std::span<const std::byte> original = spec.btf->kernel_bytes();
  EXPECT_EQ(kernel.loaded_btf().back(), std::vector<std::byte>(original.begin(), original.end()));
}

/// `btf` with one ENUM64 type "wide" {A = 1, B = 1 << 32} appended (clang 14 emits no
/// ENUM64: a 64-bit enum arrives as an 8-byte ENUM).
std::vector<std::byte> with_enum64(std::span<const std::byte> btf) {
  struct btf_header header;
  std::memcpy(&header, btf.data(), sizeof(header));
  const uint32_t name = header.str_len;
  const std::string names = std::string("wide\0A\0B\0", 9);
  const uint32_t words[] = {name, (19u << 24) | 2u, 8, name + 5, 1, 0, name + 7, 0, 1};
  std::vector<std::byte> out(btf.begin(), btf.begin() + header.hdr_len);
  const auto types = btf.begin() + header.hdr_len + header.type_off;
  out.insert(out.end(), types, types + header.type_len);
  const auto* raw = reinterpret_cast<const std::byte*>(words);
  out.insert(out.end(), raw, raw + sizeof(words));
  const auto strings = btf.begin() + header.hdr_len + header.str_off;
  out.insert(out.end(), strings, strings + header.str_len);
  const auto* text = reinterpret_cast<const std::byte*>(names.data());
  out.insert(out.end(), text, text + names.size());
  header.type_off = 0;
  header.type_len += sizeof(words);
  header.str_off = header.type_len;
  header.str_len += static_cast<uint32_t>(names.size());
  std::memcpy(out.data(), &header, sizeof(header));
  return out;
}

TEST(FakeBtfSanitize, AnEnum64BecomesAUnionWithAPlaceholderAndMapTypeIdsStayValid) {
  ObjectSpec spec = parse_new_kinds();
  ASSERT_NE(spec.btf, nullptr);
  std::vector<std::byte> bytes = with_enum64(spec.btf->kernel_bytes());
  Result<BtfHandle> handle = parse_btf(bytes);
  ASSERT_TRUE(handle.ok()) << handle.error().message;
  const uint32_t types_before = btf__type_cnt(handle->get());
  spec.btf = std::make_shared<const ParsedBtf>(std::move(handle).value(), std::move(bytes));

  FakeKernel kernel;
  kernel.refuse_btf_feature(BtfFeature::Enum64);
  LoadReport report;
  Result<LoadedObject> loaded = load_object(spec, fake_options(kernel), &report);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(report.btf_loaded) << report.btf_error;
  EXPECT_EQ(report.btf_rewrites, std::vector<std::string>{"1 ENUM64 types rewritten as UNION for this kernel"});
  const std::vector<std::byte> sent = kernel.loaded_btf().back();
  std::unique_ptr<struct btf, BtfFree> parsed(btf__new(sent.data(), static_cast<uint32_t>(sent.size())));
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(btf__type_cnt(parsed.get()), types_before + 1) << "the placeholder INT, appended";
  const struct btf_type* wide = btf__type_by_id(parsed.get(), types_before - 1);
  ASSERT_TRUE(btf_is_union(wide));
  EXPECT_EQ(wide->size, 8u);
  EXPECT_EQ(btf_members(wide)[0].type, types_before);
  const std::optional<FakeKernel::Map> samples = kernel.map_of_fd(loaded->map_fd("samples"));
  ASSERT_TRUE(samples.has_value());
  const struct btf_type* value = btf__type_by_id(parsed.get(), samples->request.btf_value_type_id);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(std::string(btf__name_by_offset(parsed.get(), value->name_off)), "sample");
}

}  // namespace
}  // namespace bpfload
