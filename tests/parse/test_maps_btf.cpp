// BTF `.maps` decoding: the built btf_maps objects against their C source, and crafted
// BTF for each refusal; also the ____btf_map_ annotation of legacy maps.
#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "maps_test_support.hpp"

namespace bpfload::test {
namespace {

std::string type_name(const struct btf* btf, uint32_t id) {
  const struct btf_type* type = btf__type_by_id(btf, id);
  return type == nullptr ? "" : btf__name_by_offset(btf, type->name_off);
}

class BtfMapsObject : public ::testing::TestWithParam<const char*> {};

TEST_P(BtfMapsObject, EveryMapMatchesTheSource) {
  const auto bytes = read_file(bpf_object(std::string("btf_maps") + GetParam()));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  BtfPtr btf = parse_btf(*view);
  ASSERT_NE(btf, nullptr);
  auto maps = decode_all_maps(*view);
  ASSERT_TRUE(maps.ok()) << maps.error().message;

  struct Expected {
    const char* name;
    uint64_t offset;
    uint32_t type, key, value, max, flags;
  };
  const std::vector<Expected> expected{
      {"inner_slot0", 0x0, BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0},
      {"outer_array", 0x20, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0},
      {"jump_table", 0x40, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, 0},
      {"sized_array", 0x60, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0},
      {"stats_hash", 0x80, BPF_MAP_TYPE_HASH, 4, 16, 128, 0},
      {"noprealloc_hash", 0xa0, BPF_MAP_TYPE_HASH, 4, 8, 32, BPF_F_NO_PREALLOC},
      {"btf_pinned_counter", 0xc8, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0},
      {"numa_hash", 0xf0, BPF_MAP_TYPE_HASH, 4, 4, 8, BPF_F_NUMA_NODE},
      {"marks", 0x120, BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0},
  };
  ASSERT_EQ(maps->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const MapSpec& m = (*maps)[i];
    const Expected& e = expected[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(m.name, e.name);
    EXPECT_EQ(m.offset, e.offset);
    EXPECT_EQ(m.type, e.type);
    EXPECT_EQ(m.key_size, e.key);
    EXPECT_EQ(m.value_size, e.value);
    EXPECT_EQ(m.max_entries, e.max);
    EXPECT_EQ(m.flags, e.flags);
    EXPECT_EQ(m.layout, MapLayout::Btf);
    EXPECT_EQ(m.section, ".maps");
    EXPECT_EQ(m.definition_size, 0u);
    EXPECT_EQ(m.map_extra, 0u);
    EXPECT_EQ(m.pinning, m.name == "btf_pinned_counter" ? Pinning::ByName : Pinning::None);
    EXPECT_EQ(m.numa_node.has_value(), m.name == "numa_hash");
    if (m.name != "outer_array" && m.name != "jump_table") {
      EXPECT_TRUE(m.initial_slots.empty());
    }
    if (m.name != "outer_array") {
      EXPECT_EQ(m.inner, nullptr);
    }
  }
  const MapSpec* numa = find(*maps, "numa_hash");
  EXPECT_EQ(numa->numa_node, std::optional<uint32_t>(0));

  // __type(key/value, T) gives T's BTF id; numbers give none.
  const MapSpec* stats = find(*maps, "stats_hash");
  EXPECT_EQ(type_name(btf.get(), stats->btf_value_type_id), "flow_stats");
  EXPECT_EQ(btf__resolve_size(btf.get(), stats->btf_key_type_id), 4);
  const MapSpec* sized = find(*maps, "sized_array");
  EXPECT_EQ(sized->btf_key_type_id, 0u);
  EXPECT_EQ(sized->btf_value_type_id, 0u);
  const MapSpec* jump = find(*maps, "jump_table");
  EXPECT_EQ(jump->btf_value_type_id, 0u);
  const std::vector<MapSlot> jump_slots{{MapSlot::Kind::Program, 0, "tail_prog"}};
  EXPECT_EQ(jump->initial_slots, jump_slots);

  const MapSpec* outer = find(*maps, "outer_array");
  ASSERT_NE(outer->inner, nullptr);
  EXPECT_EQ(outer->inner->name, "outer_array.inner");
  EXPECT_EQ(outer->inner->type, BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(outer->inner->key_size, 4u);
  EXPECT_EQ(outer->inner->value_size, 4u);
  EXPECT_EQ(outer->inner->max_entries, 2u);
  EXPECT_EQ(outer->inner->layout, MapLayout::Btf);
  EXPECT_TRUE(outer->inner_name.empty());  // inline definition, not a map of the object
  const std::vector<MapSlot> outer_slots{{MapSlot::Kind::Map, 0, "inner_slot0"}};
  EXPECT_EQ(outer->initial_slots, outer_slots);
}

INSTANTIATE_TEST_SUITE_P(Orders, BtfMapsObject, ::testing::Values(".o", ".bpfeb.o"),
                         [](const auto& info) { return std::string(info.param) == ".o" ? "le" : "be"; });

TEST(BtfMapsObjects, MixedMapsBtfPart) {
  const auto bytes = read_file(bpf_object("mixed_maps.o"));
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  auto maps = decode_all_maps(*view);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  const MapSpec* btf_counter = find(*maps, "btf_counter");
  ASSERT_NE(btf_counter, nullptr);
  EXPECT_EQ(btf_counter->layout, MapLayout::Btf);
  EXPECT_EQ(btf_counter->type, BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(btf_counter->value_size, 8u);
  EXPECT_NE(btf_counter->btf_value_type_id, 0u);
}

// ---- crafted BTF ----

/// Builds map-definition BTF with libbpf's writer and a matching `.maps` section.
class CraftedBtfMaps {
 public:
  CraftedBtfMaps() : btf_(btf__new_empty()) {
    int_id_ = btf__add_int(btf_.get(), "int", 4, BTF_INT_SIGNED);
    u32_id_ = btf__add_int(btf_.get(), "unsigned int", 4, 0);
    u64_id_ = btf__add_int(btf_.get(), "unsigned long long", 8, 0);
  }
  struct btf* btf() { return btf_.get(); }
  int u32_id() const { return u32_id_; }
  int u64_id() const { return u64_id_; }

  /// `__uint(x, n)`.
  int uint_member(uint32_t n) {
    const int array = btf__add_array(btf_.get(), int_id_, int_id_, n);
    return btf__add_ptr(btf_.get(), array);
  }
  /// `__type(x, T)`.
  int type_member(int type) { return btf__add_ptr(btf_.get(), type); }
  /// `__array(values, T)`: a zero-sized array of pointers to T.
  int values_member(int pointee) {
    const int pointer = btf__add_ptr(btf_.get(), pointee);
    return btf__add_array(btf_.get(), int_id_, pointer, 0);
  }
  int func_proto() {
    return btf__add_func_proto(btf_.get(), int_id_);
  }
  /// A map definition struct with 8-byte members (members must already exist).
  int map_struct(const std::vector<std::pair<std::string, int>>& members) {
    const int id = btf__add_struct(btf_.get(), "", static_cast<uint32_t>(8 * members.size()));
    for (size_t i = 0; i < members.size(); ++i)
      btf__add_field(btf_.get(), members[i].first.c_str(), members[i].second, static_cast<uint32_t>(i * 64), 0);
    return id;
  }
  /// Declares map variable `name` of `def` (`extra` initializer bytes after the struct).
  void add_map(const std::string& name, int def, uint32_t extra = 0) {
    const uint32_t size = btf__type_by_id(btf_.get(), def)->size + extra;
    maps_.push_back({name, btf__add_var(btf_.get(), name.c_str(), BTF_VAR_GLOBAL_ALLOCATED, def), size});
  }

  /// Finishes the DATASEC and the object; relocations are (offset in .maps, symbol name).
  void finish(const std::vector<std::pair<uint64_t, std::string>>& relocations = {}) {
    uint32_t total = 0;
    for (const auto& m : maps_) total += m.size;
    btf__add_datasec(btf_.get(), ".maps", 0);
    for (const auto& m : maps_) btf__add_datasec_var_info(btf_.get(), m.var, 0, m.size);

    ElfWriter writer;
    const size_t text = writer.add_section("socket", std::vector<std::byte>(16), SHT_PROGBITS,
                                           SHF_ALLOC | SHF_EXECINSTR);
    const size_t maps = writer.add_section(".maps", std::vector<std::byte>(total));
    std::map<std::string, uint32_t> symbols;
    symbols["prog"] = static_cast<uint32_t>(writer.add_symbol("prog", text, 0, 16, STT_FUNC));
    uint64_t offset = 0;
    for (const auto& m : maps_) {
      symbols[m.name] = static_cast<uint32_t>(writer.add_symbol(m.name, maps, offset, m.size));
      offset += m.size;
    }
    std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> rels;
    for (const auto& [at, target] : relocations) rels.emplace_back(at, symbols[target], 2 /* R_BPF_64_ABS64 */);
    if (!rels.empty()) writer.add_relocations(maps, rels);
    bytes_ = writer.build();
    view_ = open_view(bytes_);
  }

  Result<std::vector<MapSpec>> decode() {
    if (!view_) return make_error(ErrorKind::Malformed, "view did not open");
    return decode_btf_maps(*view_, *view_->section(".maps"), btf_.get(), {});
  }

 private:
  struct Map {
    std::string name;
    int var;
    uint32_t size;
  };
  BtfPtr btf_;
  int int_id_ = 0, u32_id_ = 0, u64_id_ = 0;
  std::vector<Map> maps_;
  std::vector<std::byte> bytes_;
  std::optional<elf::View> view_;
};

void expect_error(const Result<std::vector<MapSpec>>& result, ErrorKind kind, const std::vector<std::string>& words) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, kind) << result.error().message;
  for (const std::string& word : words)
    EXPECT_NE(result.error().message.find(word), std::string::npos) << result.error().message;
}

TEST(CraftedBtfMaps, DecodesMembersAndMapExtra) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_BLOOM_FILTER);
  const int max = c.uint_member(100);
  const int value = c.type_member(c.u64_id());
  const int extra = c.uint_member(3);
  const int flags = c.uint_member(BPF_F_NUMA_NODE);
  const int numa = c.uint_member(1);
  c.add_map("bloom", c.map_struct({{"type", type}, {"max_entries", max}, {"value", value}, {"map_extra", extra},
                                   {"map_flags", flags}, {"numa_node", numa}}));
  c.finish();
  auto maps = c.decode();
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  const MapSpec& m = (*maps)[0];
  EXPECT_EQ(m.type, BPF_MAP_TYPE_BLOOM_FILTER);
  EXPECT_EQ(m.max_entries, 100u);
  EXPECT_EQ(m.value_size, 8u);
  EXPECT_EQ(m.btf_value_type_id, static_cast<uint32_t>(c.u64_id()));
  EXPECT_EQ(m.key_size, 0u);
  EXPECT_EQ(m.map_extra, 3u);
  EXPECT_EQ(m.numa_node, std::optional<uint32_t>(1));
}

TEST(CraftedBtfMaps, UnknownMemberIsUnsupported) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_ARRAY);
  const int odd = c.uint_member(1);
  c.add_map("strange", c.map_struct({{"type", type}, {"frobnicate", odd}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Unsupported, {"'strange'", "'frobnicate'"});
}

TEST(CraftedBtfMaps, ConflictingKeySizesAreMalformed) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_HASH);
  const int key_size = c.uint_member(8);
  const int key = c.type_member(c.u32_id());
  c.add_map("conflict", c.map_struct({{"type", type}, {"key_size", key_size}, {"key", key}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Malformed, {"'conflict'", "'key'"});
}

TEST(CraftedBtfMaps, UintMemberMustBeAPointerToAnArray) {
  CraftedBtfMaps c;
  const int type = c.type_member(c.u32_id());  // `int *type` instead of `int (*type)[N]`
  c.add_map("bad_type", c.map_struct({{"type", type}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Malformed, {"'bad_type'", "'type'"});
}

TEST(CraftedBtfMaps, InvalidPinningIsMalformed) {
  CraftedBtfMaps c;
  const int pinning = c.uint_member(2);
  c.add_map("pinned", c.map_struct({{"pinning", pinning}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Malformed, {"'pinned'", "'pinning'"});
}

TEST(CraftedBtfMaps, ValuesOnAHashMapAreUnsupported) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_HASH);
  const int values = c.values_member(c.func_proto());
  c.add_map("hashy", c.map_struct({{"type", type}, {"values", values}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Unsupported, {"'hashy'", "'values'"});
}

TEST(CraftedBtfMaps, ProgArraySlotsComeFromRelocations) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_PROG_ARRAY);
  const int max = c.uint_member(4);
  const int key_size = c.uint_member(4);
  const int values = c.values_member(c.func_proto());
  // values at byte 24 of the struct; slots 1 and 3 initialized (4 * 8 bytes of initializer).
  c.add_map("progs", c.map_struct({{"type", type}, {"max_entries", max}, {"key_size", key_size}, {"values", values}}),
            32);
  c.finish({{24 + 3 * 8, "prog"}, {24 + 8, "prog"}});
  auto maps = c.decode();
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  const std::vector<MapSlot> slots{{MapSlot::Kind::Program, 1, "prog"}, {MapSlot::Kind::Program, 3, "prog"}};
  EXPECT_EQ((*maps)[0].initial_slots, slots);
  EXPECT_EQ((*maps)[0].value_size, 4u);
}

TEST(CraftedBtfMaps, BadRelocationsNameTheMapAndMember) {
  struct Case {
    const char* what;
    std::pair<uint64_t, std::string> relocation;
    std::string expect;
  };
  for (const Case& k : {Case{"before values", {8, "prog"}, "outside the 'values' member"},
                        Case{"between slots", {28, "prog"}, "slot boundary"},
                        Case{"beyond max_entries", {24 + 4 * 8, "prog"}, "beyond max_entries"},
                        Case{"a map in a prog array", {24, "progs"}, "not a program"}}) {
    SCOPED_TRACE(k.what);
    CraftedBtfMaps c;
    const int type = c.uint_member(BPF_MAP_TYPE_PROG_ARRAY);
    const int max = c.uint_member(4);
    const int key_size = c.uint_member(4);
    const int values = c.values_member(c.func_proto());
    c.add_map("progs", c.map_struct({{"type", type}, {"max_entries", max}, {"key_size", key_size}, {"values", values}}),
              48);
    c.finish({k.relocation});
    expect_error(c.decode(), ErrorKind::Malformed, {"'progs'", "'values'", k.expect});
  }
}

TEST(CraftedBtfMaps, MultiLevelInnerMapsAreUnsupported) {
  CraftedBtfMaps c;
  const int inner_type = c.uint_member(BPF_MAP_TYPE_ARRAY_OF_MAPS);
  const int leaf_type = c.uint_member(BPF_MAP_TYPE_ARRAY);
  const int leaf = c.map_struct({{"type", leaf_type}});
  const int inner_values = c.values_member(leaf);
  const int inner = c.map_struct({{"type", inner_type}, {"values", inner_values}});
  const int outer_type = c.uint_member(BPF_MAP_TYPE_ARRAY_OF_MAPS);
  const int outer_values = c.values_member(inner);
  c.add_map("deep", c.map_struct({{"type", outer_type}, {"values", outer_values}}));
  c.finish();
  expect_error(c.decode(), ErrorKind::Unsupported, {"'deep.inner'", "multi-level"});
}

TEST(CraftedBtfMaps, MissingSymbolAndMissingBtfAreMalformed) {
  CraftedBtfMaps c;
  const int type = c.uint_member(BPF_MAP_TYPE_ARRAY);
  c.add_map("present", c.map_struct({{"type", type}}));
  c.finish();
  auto maps = c.decode();
  ASSERT_TRUE(maps.ok()) << maps.error().message;

  ElfWriter writer;
  writer.add_section(".maps", std::vector<std::byte>(8));
  const auto bytes = writer.build();
  auto view = open_view(bytes);
  ASSERT_TRUE(view);
  expect_error(decode_btf_maps(*view, *view->section(".maps"), c.btf(), {}), ErrorKind::Malformed,
               {"'present'", "no symbol"});
  expect_error(decode_btf_maps(*view, *view->section(".maps"), nullptr, {}), ErrorKind::Malformed, {".BTF"});
}

// ---- BPF_ANNOTATE_KV_PAIR ----

TEST(AnnotateLegacyMapBtf, UsesTheKeyValueStructWhenSizesMatch) {
  BtfPtr btf(btf__new_empty());
  const int u32 = btf__add_int(btf.get(), "unsigned int", 4, 0);
  const int u64 = btf__add_int(btf.get(), "unsigned long long", 8, 0);
  btf__add_struct(btf.get(), "____btf_map_counts", 16);
  btf__add_field(btf.get(), "key", u32, 0, 0);
  btf__add_field(btf.get(), "value", u64, 64, 0);
  btf__add_struct(btf.get(), "____btf_map_wrong", 16);
  btf__add_field(btf.get(), "key", u32, 0, 0);
  btf__add_field(btf.get(), "value", u64, 64, 0);

  MapSpec counts;
  counts.name = "counts";
  counts.key_size = 4;
  counts.value_size = 8;
  MapSpec wrong = counts;
  wrong.name = "wrong";
  wrong.value_size = 4;  // the annotation says 8: not trusted
  MapSpec other = counts;
  other.name = "other";
  std::vector<MapSpec> maps{counts, wrong, other};
  annotate_legacy_map_btf(maps, btf.get());
  EXPECT_EQ(maps[0].btf_key_type_id, static_cast<uint32_t>(u32));
  EXPECT_EQ(maps[0].btf_value_type_id, static_cast<uint32_t>(u64));
  EXPECT_EQ(maps[1].btf_key_type_id, 0u);
  EXPECT_EQ(maps[2].btf_value_type_id, 0u);
  annotate_legacy_map_btf(maps, nullptr);  // no BTF: nothing to do, nothing breaks
}

}  // namespace
}  // namespace bpfload::test
