// BTF sanitised for an older kernel: the kinds it does not know rewritten, in place, as
// libbpf's bpf_object__sanitize_btf does, so an object built by a new clang keeps its
// BTF on that kernel. Pure: a function of the bytes and the feature set.
#pragma once

#include "bpfload/export.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/btf_features.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// One kind of rewrite sanitize_btf makes, each caused by one missing BtfFeature.
enum class BtfRewrite : uint8_t {
  FuncProtoAsEnum,   ///< no Func: FUNC_PROTO -> ENUM of size 4 (params become enumerators)
  FuncAsTypedef,     ///< no Func: FUNC -> TYPEDEF of its FUNC_PROTO
  VarAsInt,          ///< no Datasec: VAR -> INT of size 1
  DatasecAsStruct,   ///< no Datasec: DATASEC -> STRUCT ('.' and '?' in its name -> '_')
  FuncMadeStatic,    ///< no FuncGlobal: FUNC linkage -> static
  FloatAsStruct,     ///< no Float: FLOAT -> anonymous empty STRUCT of the same size
  DeclTagAsInt,      ///< no DeclTag: DECL_TAG -> INT of size 1 (same record size)
  TypeTagAsConst,    ///< no TypeTag: TYPE_TAG -> CONST
  Enum64AsUnion,     ///< no Enum64: ENUM64 -> UNION of 1-byte "enum64_placeholder" INTs
  EnumSignCleared,   ///< no Enum64: the kind flag (signedness) of an ENUM cleared
};

/// Number of BtfRewrite values.
inline constexpr size_t kBtfRewriteCount = 10;

/// What sanitize_btf did.
struct SanitizedBtf {
  /// The rewritten BTF. Empty when nothing needed rewriting: the input is then to be
  /// used as it is (no copy is made).
  std::vector<std::byte> bytes;
  /// Types changed, per BtfRewrite.
  std::array<uint32_t, kBtfRewriteCount> counts{};
  /// Id of the INT appended for ENUM64 members, 0 when none was (every other type id
  /// is unchanged: all rewrites are in place).
  uint32_t enum64_placeholder_id = 0;

  [[nodiscard]] bool changed() const noexcept { return !bytes.empty(); }
  [[nodiscard]] uint32_t count(BtfRewrite rewrite) const noexcept { return counts[static_cast<size_t>(rewrite)]; }
  /// One line per rewrite made, in BtfRewrite order ("3 FLOAT types rewritten as STRUCT").
  [[nodiscard]] std::vector<std::string> describe() const;
};

/// Rewrites raw .BTF `btf` (either byte order, written back in the same) for a kernel
/// that has only `kernel`'s features, following libbpf's rules (see BtfRewrite). Type ids
/// stay valid: every rewrite is in place (same record size), except that an ENUM64
/// rewrite appends one INT type and its name at the end, so ids that map key/value types,
/// func_info and CO-RE name keep meaning the same thing. Deterministic. The whole type
/// section is checked even when nothing is rewritten. Fails with Malformed naming the
/// type id and byte offset when the header, a record or a name offset is out of bounds,
/// Unsupported for a BTF kind newer than ENUM64, LimitExceeded when the placeholder would
/// not fit in the type id space.
[[nodiscard]] Result<SanitizedBtf> sanitize_btf(std::span<const std::byte> btf, BtfFeatures kernel);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
