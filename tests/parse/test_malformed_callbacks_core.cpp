// Malformed input on the newer parse paths: the CO-RE subsection of .BTF.ext and the
// address of a callback (ld_imm64 of a function). Each defect must come back as
// Malformed naming what is wrong, never a crash.
#include <elf.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/parse.hpp"
#include "elf_view.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using Bytes = std::vector<std::byte>;

void put_u32(Bytes& bytes, size_t offset, uint32_t value) {  // objects here are little-endian
  std::memcpy(bytes.data() + offset, &value, sizeof(value));
}
uint32_t get_u32(const Bytes& bytes, size_t offset) {
  uint32_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

// File offset of section `name`, read straight from the section headers (elf::View
// works on its own copy of the bytes, so its pointers say nothing about this buffer).
size_t section_file_offset(const Bytes& bytes, const std::string& name) {
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, bytes.data(), sizeof(ehdr));
  auto header = [&](size_t index) {
    Elf64_Shdr shdr;
    std::memcpy(&shdr, bytes.data() + ehdr.e_shoff + index * sizeof(Elf64_Shdr), sizeof(shdr));
    return shdr;
  };
  const Elf64_Shdr names = header(ehdr.e_shstrndx);
  for (size_t i = 0; i < ehdr.e_shnum; ++i) {
    const char* section_name = reinterpret_cast<const char*>(bytes.data() + names.sh_offset + header(i).sh_name);
    if (name == section_name) return header(i).sh_offset;
  }
  ADD_FAILURE() << "no section " << name;
  return 0;
}

void expect_malformed(const Bytes& bytes, const std::string& in_message) {
  Result<ObjectSpec> spec = parse_object(bytes);
  ASSERT_FALSE(spec.ok()) << "the defect was not noticed";
  EXPECT_EQ(spec.error().kind, ErrorKind::Malformed) << spec.error().message;
  EXPECT_NE(spec.error().message.find(in_message), std::string::npos) << spec.error().message;
}

TEST(MalformedCore, CoreReloSubsectionPastTheEnd) {
  Bytes bytes = test::read_file(test::bpf_object("reject_core_read.o"));
  const size_t ext = section_file_offset(bytes, ".BTF.ext");
  ASSERT_GE(get_u32(bytes, ext + 4), 32u) << "header without the CO-RE fields";
  put_u32(bytes, ext + 28, 0xfffffff0u);  // core_relo_len
  expect_malformed(bytes, "core_relo");
}

TEST(MalformedCore, CoreReloRecordSizeTooSmall) {
  Bytes bytes = test::read_file(test::bpf_object("reject_core_read.o"));
  const size_t ext = section_file_offset(bytes, ".BTF.ext");
  const size_t core = ext + get_u32(bytes, ext + 4) + get_u32(bytes, ext + 24);
  ASSERT_EQ(get_u32(bytes, core), 16u) << "rec_size of struct bpf_core_relo";
  put_u32(bytes, core, 4);
  expect_malformed(bytes, "core_relo");
}

// File offset of the imm field of the ld_imm64 that takes add_index's address (.text).
size_t callback_imm_offset(const Bytes& bytes) {
  auto view = elf::View::open(bytes, ParseLimits{});
  EXPECT_TRUE(view.ok());
  if (!view.ok()) return 0;
  const elf::Section* socket = view->section("socket");
  const elf::Section* text = view->section(".text");
  EXPECT_TRUE(socket != nullptr && text != nullptr);
  if (socket == nullptr || text == nullptr) return 0;
  const elf::Relocations* relocations = view->relocations_for(socket->index);
  EXPECT_NE(relocations, nullptr);
  if (relocations == nullptr) return 0;
  const size_t socket_offset = section_file_offset(bytes, "socket");
  for (const elf::Relocation& entry : relocations->entries) {
    const elf::Symbol& symbol = view->symbols()[entry.symbol];
    const size_t at = socket_offset + entry.offset;
    if (symbol.section == text->index && static_cast<uint8_t>(bytes[at]) == 0x18) return at + 4;
  }
  ADD_FAILURE() << "no ld_imm64 of a .text function in callback_loop.o";
  return 0;
}

TEST(MalformedCallback, AddressNotAtAnInstruction) {
  Bytes bytes = test::read_file(test::bpf_object("callback_loop.o"));
  const size_t imm = callback_imm_offset(bytes);
  ASSERT_NE(imm, 0u);
  put_u32(bytes, imm, get_u32(bytes, imm) + 3);
  expect_malformed(bytes, "function address");
}

TEST(MalformedCallback, AddressInsideAFunction) {
  Bytes bytes = test::read_file(test::bpf_object("callback_loop.o"));
  const size_t imm = callback_imm_offset(bytes);
  ASSERT_NE(imm, 0u);
  put_u32(bytes, imm, get_u32(bytes, imm) + 8);  // the callback's second instruction
  expect_malformed(bytes, "starts no function");
}

TEST(MalformedCallback, AddressPastTheSection) {
  Bytes bytes = test::read_file(test::bpf_object("callback_loop.o"));
  const size_t imm = callback_imm_offset(bytes);
  ASSERT_NE(imm, 0u);
  put_u32(bytes, imm, 0x7ffffff8u);
  expect_malformed(bytes, "starts no function");
}

}  // namespace
}  // namespace bpfload
