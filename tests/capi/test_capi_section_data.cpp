// bpfload_object_section_data on the real kernel: the initial values before the load (what
// the load then uses, .rodata included), the live map after it, mapped shared, and errors.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/bpfload.h"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

std::string message_of(const bpfload_object* object) { return bpfload_object_error(object)->message; }

// global_data.c's .bss: bss_runs, bss_product, bss_wide_copy (at 8), bss_str_byte.
// The section is 20 bytes (this struct rounds up to 24): copies take the first 16.
struct GlobalDataBss {
  uint32_t runs;
  uint32_t product;
  uint64_t wide_copy;
};

TEST(CapiSectionData, InitialValuesSetBeforeLoadReachTheProgramAndTheMapIsMappedAfter) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("global_data.o").c_str(), nullptr, &object), BPFLOAD_OK);
  void* rodata = nullptr;
  size_t rodata_size = 0;
  ASSERT_EQ(bpfload_object_section_data(object, ".rodata", &rodata, &rodata_size), BPFLOAD_OK) << message_of(object);
  ASSERT_GE(rodata_size, sizeof(uint32_t));
  uint32_t multiplier = 0;
  std::memcpy(&multiplier, rodata, sizeof(multiplier));
  EXPECT_EQ(multiplier, 3u) << "config_multiplier's initial value";
  multiplier = 5;
  std::memcpy(rodata, &multiplier, sizeof(multiplier));
  void* data = nullptr;
  size_t data_size = 0;
  ASSERT_EQ(bpfload_object_section_data(object, ".data", &data, &data_size), BPFLOAD_OK) << message_of(object);
  const uint32_t seed = 0x2000;
  std::memcpy(data, &seed, sizeof(seed));  // data_seed
  void* bss_before = nullptr;
  size_t bss_size = 0;
  ASSERT_EQ(bpfload_object_section_data(object, ".bss", &bss_before, &bss_size), BPFLOAD_OK) << message_of(object);
  ASSERT_EQ(bss_size, 20u);

  ASSERT_EQ(bpfload_object_load(object, nullptr), BPFLOAD_OK) << message_of(object);
  void* bss = nullptr;
  ASSERT_EQ(bpfload_object_section_data(object, ".bss", &bss, &bss_size), BPFLOAD_OK) << message_of(object);
  EXPECT_NE(bss, bss_before) << "after the load: the map, not the initial values";
  const std::vector<std::byte> packet = zero_packet();
  for (int run = 0; run < 2; ++run)
    ASSERT_EQ(bpfload_program_test_run(object, "global_data_prog", packet.data(), packet.size(), 1, nullptr),
              BPFLOAD_OK)
        << message_of(object);
  GlobalDataBss seen{};
  std::memcpy(&seen, bss, sizeof(seen));
  EXPECT_EQ(seen.runs, 2u) << "the programs' writes are seen through the mapping";
  EXPECT_EQ(seen.product, (0x2000u + 1) * 5) << "data_seed and config_multiplier as set before the load";
  // A write through the mapping is what the program sees next.
  seen.runs = 100;
  std::memcpy(bss, &seen, sizeof(seen));
  ASSERT_EQ(bpfload_program_test_run(object, "global_data_prog", packet.data(), packet.size(), 1, nullptr),
            BPFLOAD_OK);
  std::memcpy(&seen, bss, sizeof(seen));
  EXPECT_EQ(seen.runs, 101u);
  // The frozen .rodata is mapped too (read-only) and holds the value set.
  ASSERT_EQ(bpfload_object_section_data(object, ".rodata", &rodata, &rodata_size), BPFLOAD_OK) << message_of(object);
  std::memcpy(&multiplier, rodata, sizeof(multiplier));
  EXPECT_EQ(multiplier, 5u);
  // Asking again gives the same mapping.
  void* again = nullptr;
  ASSERT_EQ(bpfload_object_section_data(object, ".bss", &again, &bss_size), BPFLOAD_OK);
  EXPECT_EQ(again, bss);
  bpfload_object_close(object);
}

TEST(CapiSectionData, UnknownSectionNullArgumentsAndFailedLoadAreErrors) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  bpfload_object* object = nullptr;
  ASSERT_EQ(bpfload_object_open_file(bpf_object("global_data.o").c_str(), nullptr, &object), BPFLOAD_OK);
  void* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(bpfload_object_section_data(object, ".nosuch", &data, &size), BPFLOAD_ERR_NOT_FOUND);
  EXPECT_NE(message_of(object).find("'.nosuch'"), std::string::npos) << message_of(object);
  EXPECT_NE(message_of(object).find("'.bss'"), std::string::npos) << "lists the sections: " << message_of(object);
  EXPECT_EQ(bpfload_object_section_data(object, nullptr, &data, &size), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_section_data(object, ".bss", nullptr, &size), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_section_data(object, ".bss", &data, nullptr), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bpfload_object_section_data(nullptr, ".bss", &data, &size), BPFLOAD_ERR_INVALID_ARGUMENT);
  bpfload_object_close(object);

  // A load that fails leaves no map to point at.
  ASSERT_EQ(bpfload_object_open_file(bpf_object("reject_oob.o").c_str(), nullptr, &object), BPFLOAD_OK);
  ASSERT_NE(bpfload_object_load(object, nullptr), BPFLOAD_OK);
  EXPECT_EQ(bpfload_object_section_data(object, ".bss", &data, &size), BPFLOAD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message_of(object).find("load failed"), std::string::npos) << message_of(object);
  bpfload_object_close(object);
}

}  // namespace
}  // namespace bpfload::test
