// libFuzzer target over the whole pure path: bytes -> ObjectSpec -> linked instructions
// for every program, with placeholder map handles. Any crash, hang, leak or UB here is a bug:
// the parser and linker must turn every input into a value or an Error.
#include <cstddef>
#include <cstdint>
#include <span>

#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"

namespace {

constexpr int kPlaceholderFd = 1000;

// Small bounds keep each execution fast; a sane object stays far below them anyway.
bpfload::ParseOptions fuzz_options() {
  bpfload::ParseOptions options;
  options.limits.max_object_bytes = size_t{1} << 20;
  options.limits.max_insns = 1u << 16;
  options.limits.max_relocations = 1u << 14;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bpfload::ParseOptions options = fuzz_options();
  const auto bytes = std::as_bytes(std::span<const uint8_t>(data, size));
  auto spec = bpfload::parse_object(bytes, options);
  if (!spec.ok()) return 0;

  bpfload::MapHandles handles;
  handles.maps.assign(spec->maps.size(), kPlaceholderFd);
  handles.data_sections.assign(spec->data_sections.size(), kPlaceholderFd);
  for (size_t program = 0; program < spec->programs.size(); ++program) {
    auto linked = bpfload::link_program(*spec, program, handles);
    (void)linked;  // errors are fine; crashes are not
  }
  return 0;
}
