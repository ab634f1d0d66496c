// Legacy `maps` decoding: crafted sections for every entry size and failure, and the
// built objects against what their C sources declare.
#include <linux/bpf.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "maps_test_support.hpp"

namespace bpfload::test {
namespace {

/// A `maps` section holding `entries` (each a list of 32-bit words), with one
/// symbol per entry named m0, m1, ...; st_size is the entry size unless `sized` is false.
struct Crafted {
  std::vector<std::byte> bytes;
  std::optional<elf::View> view;
  const elf::Section* maps = nullptr;
};

Crafted craft(const std::vector<std::vector<uint32_t>>& entries, bool sized = true,
              ByteOrder order = ByteOrder::Little) {
  ElfWriter writer(order);
  std::vector<std::byte> data;
  std::vector<std::pair<uint64_t, uint64_t>> places;
  for (const auto& entry : entries) {
    auto bytes = writer.words(entry);
    places.emplace_back(data.size(), bytes.size());
    data.insert(data.end(), bytes.begin(), bytes.end());
  }
  const size_t index = writer.add_section("maps", data);
  for (size_t i = 0; i < places.size(); ++i)
    writer.add_symbol("m" + std::to_string(i), index, places[i].first, sized ? places[i].second : 0);
  Crafted c;
  c.bytes = writer.build();
  c.view = open_view(c.bytes);
  if (c.view) c.maps = c.view->section("maps");
  return c;
}

Result<std::vector<MapSpec>> decode(const Crafted& c, MapLayout layout = MapLayout::Auto,
                                    bool ignore_stray_inner_map_idx = false) {
  ParseOptions options;
  options.legacy_layout = layout;
  options.ignore_stray_inner_map_idx = ignore_stray_inner_map_idx;
  return decode_legacy_maps(*c.view, *c.maps, options);
}

constexpr uint32_t kHash = BPF_MAP_TYPE_HASH;
constexpr uint32_t kArrayOfMaps = BPF_MAP_TYPE_ARRAY_OF_MAPS;

TEST(LegacyMaps, EachEntrySizeSelectsItsLayout) {
  struct Case {
    size_t words;
    MapLayout layout;
  };
  for (const Case& c : {Case{4, MapLayout::Libbpf}, Case{5, MapLayout::Libbpf}, Case{6, MapLayout::Samples},
                        Case{7, MapLayout::Samples}, Case{9, MapLayout::Iproute2}}) {
    std::vector<uint32_t> entry{kHash, 4, 8, 16, 1, 0, 0, 0, 0};
    entry.resize(c.words);
    auto crafted = craft({entry, entry});
    auto maps = decode(crafted);
    ASSERT_TRUE(maps.ok()) << maps.error().message;
    ASSERT_EQ(maps->size(), 2u);
    const MapSpec& second = (*maps)[1];
    EXPECT_EQ(second.name, "m1");
    EXPECT_EQ(second.layout, c.layout) << c.words * 4 << " bytes";
    EXPECT_EQ(second.definition_size, c.words * 4);
    EXPECT_EQ(second.offset, c.words * 4);
    EXPECT_EQ(second.section, "maps");
    EXPECT_EQ(second.type, kHash);
    EXPECT_EQ(second.key_size, 4u);
    EXPECT_EQ(second.value_size, 8u);
    EXPECT_EQ(second.max_entries, 16u);
    EXPECT_EQ(second.flags, c.words == 4 ? 0u : 1u);  // 16 bytes: map_flags zero-extended
  }
}

TEST(LegacyMaps, ShortEntriesAreZeroExtended) {
  auto crafted = craft({{kArrayOfMaps, 4, 4, 2}});
  auto samples = decode(crafted, MapLayout::Samples);
  ASSERT_TRUE(samples.ok()) << samples.error().message;
  EXPECT_EQ((*samples)[0].flags, 0u);
  EXPECT_EQ((*samples)[0].samples_inner_map_idx, 0);  // map-in-map: index 0 is the first map
  EXPECT_FALSE((*samples)[0].numa_node.has_value());
  auto iproute2 = decode(crafted, MapLayout::Iproute2);
  ASSERT_TRUE(iproute2.ok()) << iproute2.error().message;
  EXPECT_EQ((*iproute2)[0].iproute2_id, 0u);
  EXPECT_EQ((*iproute2)[0].pinning, Pinning::None);
  EXPECT_EQ((*iproute2)[0].iproute2_inner_idx, 0);  // iproute2 zero-fills, -1 only when written
}

TEST(LegacyMaps, NonZeroBytesPastTheLayoutAreRefused) {
  // 24-byte entries forced to the 20-byte libbpf layout: the second map's byte 20 is set.
  auto crafted = craft({{kHash, 4, 4, 1, 0, 0}, {kHash, 4, 4, 1, 0, 7}});
  auto maps = decode(crafted, MapLayout::Libbpf);
  ASSERT_FALSE(maps.ok());
  EXPECT_EQ(maps.error().kind, ErrorKind::Malformed);
  EXPECT_NE(maps.error().message.find("'m1'"), std::string::npos) << maps.error().message;
  EXPECT_NE(maps.error().message.find("0x2c"), std::string::npos) << maps.error().message;  // 0x18 + 20

  // 40-byte entries (Iproute2 by size): zero padding is fine, anything else is not.
  auto padded = craft({{kHash, 4, 4, 1, 0, 0, 0, 0, 0, 0}});
  auto ok = decode(padded);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)[0].layout, MapLayout::Iproute2);
  EXPECT_EQ((*ok)[0].definition_size, 40u);
  auto dirty = craft({{kHash, 4, 4, 1, 0, 0, 0, 0, 0, 0x100}});
  auto refused = decode(dirty);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Malformed);
  EXPECT_NE(refused.error().message.find("'m0'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("0x25"), std::string::npos) << refused.error().message;

  // 32 bytes: the largest layout that fits is samples (28) plus 4 bytes that must be zero.
  auto odd = craft({{kHash, 4, 4, 1, 0, 0, 0, 0}});
  auto odd_maps = decode(odd);
  ASSERT_TRUE(odd_maps.ok()) << odd_maps.error().message;
  EXPECT_EQ((*odd_maps)[0].layout, MapLayout::Samples);
}

TEST(LegacyMaps, ForcedLayoutChangesTheMeaningOfBytes20To27) {
  auto crafted = craft({{kHash, 4, 4, 1, BPF_F_NUMA_NODE, 3, 2}});
  // 28 bytes: samples by default, where word 6 is an inner_map_idx a hash map cannot have.
  auto refused = decode(crafted);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Malformed);
  EXPECT_NE(refused.error().message.find("'m0'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("inner_map_idx 3"), std::string::npos) << refused.error().message;
  auto samples = decode(crafted, MapLayout::Auto, true);
  ASSERT_TRUE(samples.ok()) << samples.error().message;
  EXPECT_EQ((*samples)[0].layout, MapLayout::Samples);
  EXPECT_EQ((*samples)[0].numa_node, std::optional<uint32_t>(2));
  EXPECT_EQ((*samples)[0].samples_inner_map_idx, -1);  // not a map-in-map: ignored, as asked (bpf_load.c did)
  EXPECT_EQ((*samples)[0].pinning, Pinning::None);

  auto iproute2 = decode(crafted, MapLayout::Iproute2);
  ASSERT_TRUE(iproute2.ok()) << iproute2.error().message;
  EXPECT_EQ((*iproute2)[0].layout, MapLayout::Iproute2);
  EXPECT_EQ((*iproute2)[0].iproute2_id, 3u);
  EXPECT_EQ((*iproute2)[0].pinning, Pinning::GlobalNs);
  EXPECT_FALSE((*iproute2)[0].numa_node.has_value());

  auto libbpf = decode(crafted, MapLayout::Libbpf);
  ASSERT_FALSE(libbpf.ok());
  EXPECT_EQ(libbpf.error().kind, ErrorKind::Malformed);

  auto btf = decode(crafted, MapLayout::Btf);
  ASSERT_FALSE(btf.ok());
  EXPECT_EQ(btf.error().kind, ErrorKind::InvalidArgument);
}

TEST(LegacyMaps, NumaNodeOnlyWhenSetOrFlagged) {
  auto crafted = craft({{kHash, 4, 4, 1, 0, 0, 0}, {kHash, 4, 4, 1, BPF_F_NUMA_NODE, 0, 0}, {kHash, 4, 4, 1, 0, 0, 1}});
  auto maps = decode(crafted);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  EXPECT_FALSE((*maps)[0].numa_node.has_value());
  EXPECT_EQ((*maps)[1].numa_node, std::optional<uint32_t>(0));
  EXPECT_EQ((*maps)[2].numa_node, std::optional<uint32_t>(1));
}

TEST(LegacyMaps, SizelessSymbolsShareTheSectionEqually) {
  auto crafted = craft({{kHash, 4, 4, 1, 0}, {kHash, 8, 8, 2, 0}}, false);
  auto maps = decode(crafted);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  EXPECT_EQ((*maps)[1].definition_size, 20u);
  EXPECT_EQ((*maps)[1].key_size, 8u);
}

TEST(LegacyMaps, SectionSizeNotFittingTheSymbolCountIsRefused) {
  ElfWriter writer;
  const size_t maps = writer.add_section("maps", std::vector<std::byte>(45));
  writer.add_symbol("a", maps, 0, 0);
  writer.add_symbol("b", maps, 20, 0);
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto decoded = decode_legacy_maps(*view, *view->section("maps"), {});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().kind, ErrorKind::Malformed);
  EXPECT_NE(decoded.error().message.find("0x2d"), std::string::npos) << decoded.error().message;
}

TEST(LegacyMaps, MisplacedSymbolsAreRefused) {
  struct Case {
    const char* what;
    uint64_t value;
    uint64_t size;
  };
  for (const Case& c : {Case{"outside the section", 40, 20}, Case{"running past the end", 30, 20},
                        Case{"overlapping the previous map", 10, 20}, Case{"sizeless, off the grid", 10, 0}}) {
    ElfWriter writer;
    const size_t maps = writer.add_section("maps", std::vector<std::byte>(40));
    writer.add_symbol("first", maps, 0, 20);
    writer.add_symbol("bad", maps, c.value, c.size);
    const auto bytes = writer.build();
    auto view = open_view(bytes);
    ASSERT_TRUE(view);
    auto decoded = decode_legacy_maps(*view, *view->section("maps"), {});
    ASSERT_FALSE(decoded.ok()) << c.what;
    EXPECT_EQ(decoded.error().kind, ErrorKind::Malformed) << c.what;
    EXPECT_NE(decoded.error().message.find("'bad'"), std::string::npos) << decoded.error().message;
    EXPECT_NE(decoded.error().message.find(fmt::format("0x{:x}", c.value)), std::string::npos)
        << decoded.error().message;
  }
}

TEST(LegacyMaps, TooShortAndUnalignedEntriesAreRefused) {
  for (uint64_t size : {12u, 18u}) {
    ElfWriter writer;
    const size_t maps = writer.add_section("maps", std::vector<std::byte>(size));
    writer.add_symbol("tiny", maps, 0, size);
    const auto bytes = writer.build();
    auto view = open_view(bytes);
    ASSERT_TRUE(view);
    auto decoded = decode_legacy_maps(*view, *view->section("maps"), {});
    ASSERT_FALSE(decoded.ok()) << size;
    EXPECT_EQ(decoded.error().kind, ErrorKind::Malformed);
    EXPECT_NE(decoded.error().message.find("'tiny'"), std::string::npos);
  }
}

TEST(LegacyMaps, SectionSymbolsAndFunctionsAreNotMaps) {
  ElfWriter writer;
  const size_t maps = writer.add_section("maps", writer.words({kHash, 4, 4, 1, 0}));
  writer.add_symbol("", maps, 0, 0, STT_SECTION, STB_LOCAL);
  writer.add_symbol("only", maps, 0, 20, STT_NOTYPE);
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto decoded = decode_legacy_maps(*view, *view->section("maps"), {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].name, "only");
}

TEST(LegacyMaps, CustomIproute2PinningIsUnsupported) {
  auto crafted = craft({{kHash, 4, 4, 1, 0, 0, 5, 0, 0}});
  auto maps = decode(crafted);
  ASSERT_FALSE(maps.ok());
  EXPECT_EQ(maps.error().kind, ErrorKind::Unsupported);
  EXPECT_NE(maps.error().message.find("'m0'"), std::string::npos);
}

TEST(LegacyMaps, TooManyMapsExceedTheLimit) {
  auto crafted = craft({{kHash, 4, 4, 1, 0}, {kHash, 4, 4, 1, 0}});
  ParseOptions options;
  options.limits.max_maps = 1;
  auto maps = decode_legacy_maps(*crafted.view, *crafted.maps, options);
  ASSERT_FALSE(maps.ok());
  EXPECT_EQ(maps.error().kind, ErrorKind::LimitExceeded);
}

TEST(LegacyMaps, BigEndianValuesDecodeInTheObjectsOrder) {
  auto crafted = craft({{kHash, 4, 0x01020304, 0x10000, 0, 9, 1, 0, 0xffffffff}}, true, ByteOrder::Big);
  auto maps = decode(crafted);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  EXPECT_EQ((*maps)[0].value_size, 0x01020304u);
  EXPECT_EQ((*maps)[0].max_entries, 0x10000u);
  EXPECT_EQ((*maps)[0].iproute2_id, 9u);
  EXPECT_EQ((*maps)[0].pinning, Pinning::ObjectNs);
  EXPECT_EQ((*maps)[0].iproute2_inner_idx, -1);
}

// ---- inner-map resolution on specs ----

MapSpec legacy(std::string name, MapLayout layout, uint32_t type, uint64_t offset) {
  MapSpec m;
  m.name = std::move(name);
  m.layout = layout;
  m.type = type;
  m.section = "maps";
  m.offset = offset;
  return m;
}

TEST(ResolveInnerMaps, SamplesIndexCountsMapsInOffsetOrder) {
  std::vector<MapSpec> maps{legacy("outer", MapLayout::Samples, kArrayOfMaps, 56),
                            legacy("first", MapLayout::Samples, kHash, 0),
                            legacy("second", MapLayout::Samples, kHash, 28)};
  maps[0].samples_inner_map_idx = 0;
  ASSERT_TRUE(resolve_inner_maps(maps).ok());
  ASSERT_NE(maps[0].inner, nullptr);
  EXPECT_EQ(maps[0].inner_name, "first");
  EXPECT_EQ(maps[0].inner->name, "first");
  maps[0].samples_inner_map_idx = 3;
  auto status = resolve_inner_maps(maps);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Malformed);
  EXPECT_NE(status.error().message.find("'outer'"), std::string::npos);
}

TEST(ResolveInnerMaps, Iproute2IdsAndSlots) {
  std::vector<MapSpec> maps{legacy("a", MapLayout::Iproute2, kHash, 0), legacy("b", MapLayout::Iproute2, kHash, 36),
                            legacy("outer", MapLayout::Iproute2, kArrayOfMaps, 72)};
  maps[0].iproute2_id = 7;
  maps[0].iproute2_inner_idx = 2;
  maps[1].iproute2_id = 7;  // same id, a second slot
  maps[1].iproute2_inner_idx = 0;
  maps[2].iproute2_inner_id = 7;
  maps[2].iproute2_inner_idx = -1;
  ASSERT_TRUE(resolve_inner_maps(maps).ok());
  EXPECT_EQ(maps[2].inner_name, "a");
  const std::vector<MapSlot> slots{{MapSlot::Kind::Map, 0, "b"}, {MapSlot::Kind::Map, 2, "a"}};
  EXPECT_EQ(maps[2].initial_slots, slots);

  std::vector<MapSpec> clash = maps;
  for (MapSpec& m : clash) m.initial_slots.clear();
  clash[1].iproute2_inner_idx = 2;
  auto status = resolve_inner_maps(clash);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Malformed);

  maps[2].iproute2_inner_id = 8;
  auto missing = resolve_inner_maps(maps);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("inner_id 8"), std::string::npos);
}

// ---- built objects ----

struct Expected {
  std::string name;
  uint32_t type, key, value, max, flags;
  uint64_t offset;
  MapLayout layout;
  uint32_t definition_size;
};

void expect_maps(const std::string& object, const std::vector<Expected>& expected) {
  SCOPED_TRACE(object);
  const auto bytes = read_file(bpf_object(object));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto maps = decode_all_maps(*view);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  ASSERT_EQ(maps->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Expected& e = expected[i];
    const MapSpec& m = (*maps)[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(m.name, e.name);
    EXPECT_EQ(m.type, e.type);
    EXPECT_EQ(m.key_size, e.key);
    EXPECT_EQ(m.value_size, e.value);
    EXPECT_EQ(m.max_entries, e.max);
    EXPECT_EQ(m.flags, e.flags);
    EXPECT_EQ(m.offset, e.offset);
    EXPECT_EQ(m.layout, e.layout);
    EXPECT_EQ(m.definition_size, e.definition_size);
  }
}

class BothOrders : public ::testing::TestWithParam<const char*> {
 protected:
  std::string object(const std::string& base) const { return base + GetParam(); }
};

TEST_P(BothOrders, LegacyLibbpf) {
  expect_maps(object("legacy_libbpf"),
              {{"proto_hash", BPF_MAP_TYPE_HASH, 4, 8, 64, BPF_F_NO_PREALLOC, 0x0, MapLayout::Libbpf, 20},
               {"total_array", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0x14, MapLayout::Libbpf, 20},
               {"scratch_percpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0, 0x28, MapLayout::Libbpf, 20}});
}

TEST_P(BothOrders, LegacySamples) {
  expect_maps(object("legacy_samples"),
              {{"miss_counter", BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_NUMA_NODE, 0x0, MapLayout::Samples, 28},
               {"inner_template", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0x1c, MapLayout::Samples, 28},
               {"outer_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0x38, MapLayout::Samples, 28}});
  const auto bytes = read_file(bpf_object(object("legacy_samples")));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto maps = decode_all_maps(*view);
  ASSERT_TRUE(maps.ok());
  const MapSpec* miss = find(*maps, "miss_counter");
  const MapSpec* templ = find(*maps, "inner_template");
  const MapSpec* outer = find(*maps, "outer_maps");
  ASSERT_TRUE(miss && templ && outer);
  // BPF_F_NUMA_NODE with numa_node 0: node 0 is requested explicitly.
  EXPECT_EQ(miss->numa_node, std::optional<uint32_t>(0));
  EXPECT_EQ(miss->samples_inner_map_idx, -1);
  EXPECT_FALSE(templ->numa_node.has_value());
  EXPECT_EQ(outer->samples_inner_map_idx, 1);
  ASSERT_NE(outer->inner, nullptr);
  EXPECT_EQ(outer->inner_name, "inner_template");
  EXPECT_EQ(outer->inner->name, "inner_template");
  EXPECT_EQ(outer->inner->value_size, 8u);
  EXPECT_TRUE(outer->initial_slots.empty());
  EXPECT_EQ(templ->inner, nullptr);
}

TEST_P(BothOrders, LegacyIproute2) {
  constexpr auto I = MapLayout::Iproute2;
  expect_maps(object("legacy_iproute2"), {{"iproute2_globals_map", BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0x0, I, 36},
                                          {"iproute2_obj_hash", BPF_MAP_TYPE_HASH, 4, 4, 16, 0, 0x24, I, 36},
                                          {"tc_marks", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 0x48, I, 36},
                                          {"jmp_table", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0x6c, I, 36},
                                          {"map_inner", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0x90, I, 36},
                                          {"map_outer", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, 0, 0xb4, I, 36}});
  const auto bytes = read_file(bpf_object(object("legacy_iproute2")));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto maps = decode_all_maps(*view);
  ASSERT_TRUE(maps.ok());
  EXPECT_EQ(find(*maps, "iproute2_globals_map")->pinning, Pinning::GlobalNs);
  EXPECT_EQ(find(*maps, "iproute2_obj_hash")->pinning, Pinning::ObjectNs);
  EXPECT_EQ(find(*maps, "tc_marks")->pinning, Pinning::None);
  const MapSpec* jmp = find(*maps, "jmp_table");
  EXPECT_EQ(jmp->iproute2_id, 1u);
  EXPECT_EQ(jmp->iproute2_inner_idx, -1);
  const MapSpec* inner = find(*maps, "map_inner");
  EXPECT_EQ(inner->iproute2_id, 42u);
  EXPECT_EQ(inner->iproute2_inner_idx, 0);
  const MapSpec* outer = find(*maps, "map_outer");
  EXPECT_EQ(outer->iproute2_inner_id, 42u);
  EXPECT_EQ(outer->iproute2_inner_idx, -1);
  ASSERT_NE(outer->inner, nullptr);
  EXPECT_EQ(outer->inner_name, "map_inner");
  EXPECT_EQ(outer->inner->max_entries, 1u);
  const std::vector<MapSlot> slots{{MapSlot::Kind::Map, 0, "map_inner"}};
  EXPECT_EQ(outer->initial_slots, slots);
  // id 0 with inner_idx 0 takes part in nothing.
  EXPECT_EQ(find(*maps, "tc_marks")->inner, nullptr);
  for (const MapSpec& m : *maps) {
    if (m.name != "map_outer") {
      EXPECT_TRUE(m.initial_slots.empty()) << m.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Objects, BothOrders, ::testing::Values(".o", ".bpfeb.o"),
                         [](const auto& info) { return std::string(info.param) == ".o" ? "le" : "be"; });

TEST(LegacyObjects, EarlyAndShortForms) {
  expect_maps("legacy_libbpf_early.o", {{"early_counter", BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0x0, MapLayout::Libbpf, 16},
                                        {"early_hash", BPF_MAP_TYPE_HASH, 4, 4, 16, 0, 0x10, MapLayout::Libbpf, 16}});
  expect_maps("legacy_samples_24.o",
              {{"s24_array", BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0x0, MapLayout::Samples, 24},
               {"s24_hash", BPF_MAP_TYPE_HASH, 4, 8, 8, BPF_F_NO_PREALLOC, 0x18, MapLayout::Samples, 24}});
}

TEST(LegacyObjects, SingleMapObjects) {
  expect_maps("legacy_max_entries_zero.o",
              {{"sized_at_load", BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, 0x0, MapLayout::Libbpf, 20}});
  expect_maps("kprobe_version.o", {{"kprobe_hits", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0x0, MapLayout::Libbpf, 20}});
  expect_maps("samples_tail_calls.o",
              {{"jmp_table", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, 0, 0x0, MapLayout::Samples, 28},
               {"tail_marks", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 0x1c, MapLayout::Samples, 28}});
}

TEST(LegacyObjects, MixedLegacyAndBtfMaps) {
  expect_maps("mixed_maps.o", {{"legacy_counter", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0x0, MapLayout::Libbpf, 20},
                               {"btf_counter", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0x0, MapLayout::Btf, 0}});
}

TEST(LegacyObjects, ForcedLayoutOnARealObject) {
  // legacy_samples' 28-byte entries read as iproute2: bytes 20-27 become id and pinning.
  const auto bytes = read_file(bpf_object("legacy_samples.o"));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  ParseOptions options;
  options.legacy_layout = MapLayout::Iproute2;
  auto maps = decode_legacy_maps(*view, *view->section("maps"), options);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  EXPECT_EQ((*maps)[2].layout, MapLayout::Iproute2);
  EXPECT_EQ((*maps)[2].iproute2_id, 1u);  // outer_maps.inner_map_idx
  EXPECT_EQ((*maps)[2].samples_inner_map_idx, -1);
}

}  // namespace
}  // namespace bpfload::test
