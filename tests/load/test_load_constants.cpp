// const volatile settings in the real kernel: set before load, frozen into .rodata, and
// what the verifier and the program see (the program returns their sum).
#include <gtest/gtest.h>

#include "bpfload/constants.hpp"
#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

TEST(LoadConstants, ProgramReturnsTheValuesSetBeforeLoad) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("const_settings.o");
  {
    Result<LoadedObject> defaults = load_object(spec, LoadOptions{});
    ASSERT_TRUE(defaults.ok()) << defaults.error().message;
    EXPECT_EQ(run_program(defaults->program_fd("report_settings"), zero_packet()), 1u) << "verbose is false";
  }
  ASSERT_TRUE(set_constant(spec, "verbose", "true").ok());
  ASSERT_TRUE(set_constant(spec, "target_port", "1000").ok());
  ASSERT_TRUE(set_constant(spec, "offset", "-3").ok());
  ASSERT_TRUE(set_constant(spec, "mode", "MODE_COUNT").ok());
  ASSERT_TRUE(set_constant(spec, "comm", "A").ok());
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(run_program(object->program_fd("report_settings"), zero_packet()), 1000u - 3u + 3u + 'A');
}

}  // namespace
}  // namespace bpfload::test
