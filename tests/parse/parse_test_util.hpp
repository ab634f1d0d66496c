// Helpers for the parse suite.
#pragma once

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/parse.hpp"
#include "test_util.hpp"

namespace bpfload::test {

/// Parses a built object, failing the test with the error message when it does not parse.
inline ObjectSpec parse_built(const std::string& file, const ParseOptions& options = {}) {
  auto spec = parse_object_file(bpf_object(file), options);
  EXPECT_TRUE(spec.ok()) << file << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? std::move(spec).value() : ObjectSpec{};
}

/// Number of relocations of `kind` in function `function` of `spec`.
inline size_t count_relocations(const ObjectSpec& spec, size_t function, Relocation::Kind kind) {
  const auto& relocations = spec.functions.at(function).relocations;
  return static_cast<size_t>(std::count_if(relocations.begin(), relocations.end(),
                                           [&](const Relocation& r) { return r.kind == kind; }));
}

}  // namespace bpfload::test
