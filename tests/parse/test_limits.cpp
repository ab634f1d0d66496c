// ParseLimits: every bound a file could push the parser past gives LimitExceeded with the
// limit in the message, through the public parse_object, before anything is allocated
// from the unchecked count.
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

void expect_limit(const std::string& object, const ParseLimits& limits, const std::string& in_message) {
  ParseOptions options;
  options.limits = limits;
  Result<ObjectSpec> spec = parse_object(test::read_file(test::bpf_object(object)), options);
  ASSERT_FALSE(spec.ok()) << object << " parsed despite the limit";
  EXPECT_EQ(spec.error().kind, ErrorKind::LimitExceeded) << spec.error().message;
  EXPECT_NE(spec.error().message.find(in_message), std::string::npos) << spec.error().message;
}

TEST(ParseLimits, TooManyProgramsIsRefused) {
  ParseLimits limits;
  limits.max_programs = 3;  // multi_prog_section.o has four
  expect_limit("multi_prog_section.o", limits, "limit of 3");
}

TEST(ParseLimits, TooManyInstructionsInASectionIsRefused) {
  ParseLimits limits;
  limits.max_insns = 10;
  expect_limit("sample_xdp_legacy.o", limits, "10");
}

TEST(ParseLimits, TooManyLegacyMapsIsRefused) {
  ParseLimits limits;
  limits.max_maps = 2;  // legacy_libbpf.o has three
  expect_limit("legacy_libbpf.o", limits, "limit of 2");
}

TEST(ParseLimits, TooManyBtfMapsIsRefused) {
  ParseLimits limits;
  limits.max_maps = 2;
  expect_limit("btf_maps.o", limits, "limit of 2");
}

TEST(ParseLimits, DefaultsAdmitEveryRealObject) {
  for (const std::string& path : test::all_bpf_objects()) {
    Result<ObjectSpec> spec = parse_object_file(path, test::parse_options_for(path));
    EXPECT_TRUE(spec.ok()) << path << ": " << (spec.ok() ? "" : spec.error().message);
  }
}

}  // namespace
}  // namespace bpfload
