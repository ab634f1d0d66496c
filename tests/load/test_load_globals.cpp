// Globals by name after loading, in the real kernel: .data written while the program
// runs changes what it computes, .bss read back by name, .rodata refused once frozen.
#include <cstring>

#include <gtest/gtest.h>

#include "bpfload/globals.hpp"
#include "bpfload/map.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

template <typename T>
T global_as(const ObjectSpec& spec, const LoadedObject& object, const char* name) {
  Result<std::vector<std::byte>> bytes = read_global(spec, object, name);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  T value{};
  if (bytes.ok() && bytes->size() == sizeof(T)) std::memcpy(&value, bytes->data(), sizeof(T));
  EXPECT_EQ(bytes.ok() ? bytes->size() : sizeof(T), sizeof(T));
  return value;
}

TEST(LoadGlobals, DataWrittenByNameChangesWhatTheProgramComputesAndBssReadsBack) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("global_data.o");
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "data_seed"), 0x1000U) << "the initial value from the object";
  const uint32_t seed = 7;
  ASSERT_TRUE(write_global(spec, *object, "data_seed", std::as_bytes(std::span(&seed, 1))).ok());
  ASSERT_TRUE(write_global_text(spec, *object, "data_wide", "0x1122334455667788").ok());
  EXPECT_EQ(run_program(object->program_fd("global_data_prog"), zero_packet()), 0U);
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "bss_product"), 7U * 3U) << "data_seed * config_multiplier";
  EXPECT_EQ(global_as<uint64_t>(spec, *object, "bss_wide_copy"), 0x1122334455667788ULL);
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "bss_runs"), 1U);
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "data_seed"), 8U) << "the program's own increment";
  // The write changed data_seed's four bytes only: data_wide, beside it, is as written.
  ASSERT_TRUE(write_global_text(spec, *object, "data_seed", "1").ok());
  EXPECT_EQ(global_as<uint64_t>(spec, *object, "data_wide"), 0x1122334455667788ULL);
}

TEST(LoadGlobals, FrozenRodataWrongSizesAndUnknownNamesAreRefusedNamingTheGlobal) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("global_data.o");
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "config_multiplier"), 3U) << ".rodata reads";
  const Status frozen = write_global_text(spec, *object, "config_multiplier", "5");
  ASSERT_FALSE(frozen.ok());
  EXPECT_EQ(frozen.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(frozen.error().message.find("set_constant"), std::string::npos) << frozen.error().message;
  const uint64_t too_wide = 1;
  const Status sized = write_global(spec, *object, "data_seed", std::as_bytes(std::span(&too_wide, 1)));
  ASSERT_FALSE(sized.ok());
  EXPECT_NE(sized.error().message.find("4 bytes, not 8"), std::string::npos) << sized.error().message;
  const Status unknown = write_global_text(spec, *object, "no_such_global", "1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(global_as<uint32_t>(spec, *object, "data_seed"), 0x1000U) << "nothing was written by the refusals";
}

}  // namespace
}  // namespace bpfload::test
