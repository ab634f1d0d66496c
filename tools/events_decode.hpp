// `bpfload events --type 'struct X' --object OBJ`: records decoded through a BTF type of
// the object that sends them, one JSON object per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "bpfload/btf.hpp"
#include "bpfload/result.hpp"
#include "cli_output.hpp"

namespace bpfload::cli {

/// A BTF type records are decoded with, and the object's BTF it lives in.
struct RecordType {
  std::shared_ptr<const ParsedBtf> btf;
  uint32_t id = 0;
  size_t size = 0;
  std::string name;    ///< as the user wrote it, normalised ("struct event")
  std::string object;  ///< the object's path, for messages
};

/// Finds `type_name` ("struct event", "union u", "enum e", or a typedef or other named
/// type) in the BTF of the object at `object_path` (parsed, not loaded). Fails with the
/// parse's error (naming the path), Unsupported when the object has no BTF (compile it
/// with -g), NotFound naming the type and the object (and the object's structs) when it
/// is not there, InvalidArgument when the type has no size (a forward declaration, a
/// function).
[[nodiscard]] Result<RecordType> find_record_type(const std::string& object_path, const std::string& type_name);

/// One record as JSON: {"cpu" (perf buffers), "size", "value"} with the value decoded
/// through `type`; bytes past the type come as "trailing" (hex), except the zero padding
/// the kernel adds to perf samples to keep them 8-byte aligned. A record shorter than
/// the type is {"size", "error"} naming the type and both sizes.
[[nodiscard]] Json decode_record(const RecordType& type, std::optional<unsigned> cpu,
                                 std::span<const std::byte> bytes);

/// The bytes as lower-case hex.
[[nodiscard]] std::string hex_of(std::span<const std::byte> bytes);

}  // namespace bpfload::cli
