// The bounds-checked ELF view on real objects, both byte orders.
#include <elf.h>

#include <gtest/gtest.h>

#include "elf_view.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

TEST(ElfView, OpensLittleEndianObject) {
  const auto bytes = test::read_file(test::bpf_object("legacy_libbpf.o"));
  auto view = elf::View::open(bytes, ParseLimits{});
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->byte_order(), ByteOrder::Little);
  const elf::Section* maps = view->section("maps");
  ASSERT_NE(maps, nullptr);
  EXPECT_EQ(maps->size, 60u);
  EXPECT_EQ(maps->data.size(), 60u);
  EXPECT_FALSE(maps->executable());
  const elf::Section* socket = view->section("socket");
  ASSERT_NE(socket, nullptr);
  EXPECT_TRUE(socket->executable());
  const elf::Relocations* relocations = view->relocations_for(socket->index);
  ASSERT_NE(relocations, nullptr);
  EXPECT_FALSE(relocations->entries.empty());
  for (const elf::Relocation& r : relocations->entries) {
    EXPECT_LT(r.offset, socket->size);
    EXPECT_LT(r.symbol, view->symbols().size());
  }
  const auto in_maps = view->symbols_in(maps->index);
  std::vector<std::string> names;
  for (const elf::Symbol* s : in_maps) names.push_back(s->name);
  EXPECT_EQ(names, (std::vector<std::string>{"proto_hash", "total_array", "scratch_percpu"}));
  // map type of proto_hash (BPF_MAP_TYPE_HASH) in the object's byte order
  EXPECT_EQ(view->read_u32(maps->data, 0), 1u);
  EXPECT_EQ(view->section("no such section"), nullptr);
}

TEST(ElfView, BigEndianReadsInObjectOrder) {
  const auto bytes = test::read_file(test::bpf_object("legacy_libbpf.bpfeb.o"));
  auto view = elf::View::open(bytes, ParseLimits{});
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->byte_order(), ByteOrder::Big);
  const elf::Section* maps = view->section("maps");
  ASSERT_NE(maps, nullptr);
  EXPECT_EQ(view->read_u32(maps->data, 0), 1u);   // type hash
  EXPECT_EQ(view->read_u32(maps->data, 8), 8u);   // value_size
  EXPECT_EQ(view->read_u16(maps->data, 2), 1u);   // low half of the big-endian 1
  EXPECT_EQ(view->symbols_in(maps->index).size(), 3u);
}

TEST(ElfView, RangeFits) {
  EXPECT_TRUE(elf::range_fits(0, 10, 10));
  EXPECT_TRUE(elf::range_fits(10, 0, 10));
  EXPECT_FALSE(elf::range_fits(11, 0, 10));
  EXPECT_FALSE(elf::range_fits(1, 10, 10));
  EXPECT_FALSE(elf::range_fits(0xffffffffffffff00ull, 0x200, 100));
  EXPECT_FALSE(elf::range_fits(8, 0xfffffffffffffffcull, 100));
}

TEST(ElfView, LimitsApply) {
  const auto bytes = test::read_file(test::bpf_object("legacy_libbpf.o"));
  ParseLimits limits;
  limits.max_object_bytes = 100;
  EXPECT_EQ(elf::View::open(bytes, limits).error().kind, ErrorKind::LimitExceeded);
  limits = {};
  limits.max_sections = 3;
  EXPECT_EQ(elf::View::open(bytes, limits).error().kind, ErrorKind::LimitExceeded);
  limits = {};
  limits.max_symbols = 1;
  EXPECT_EQ(elf::View::open(bytes, limits).error().kind, ErrorKind::LimitExceeded);
  limits = {};
  limits.max_relocations = 0;
  EXPECT_EQ(elf::View::open(bytes, limits).error().kind, ErrorKind::LimitExceeded);
}

}  // namespace
}  // namespace bpfload
