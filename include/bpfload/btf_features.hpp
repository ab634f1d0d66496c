// Which BTF kinds a kernel's BPF_BTF_LOAD accepts: the vocabulary shared by the pure
// sanitiser (btf_sanitize.hpp) and the kernel probe (Kernel::btf_features()).
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// A BTF feature a kernel may lack, in the order kernels gained them (the names are
/// libbpf's FEAT_BTF_*).
enum class BtfFeature : uint8_t {
  Func,        ///< FUNC and FUNC_PROTO (Linux 5.0)
  Datasec,     ///< VAR and DATASEC (5.2)
  FuncGlobal,  ///< FUNC with global linkage (5.6)
  Float,       ///< FLOAT (5.13)
  DeclTag,     ///< DECL_TAG (5.16)
  TypeTag,     ///< TYPE_TAG (5.17)
  Enum64,      ///< ENUM64, and signed ENUMs (the kind flag) (6.0)
};

/// Number of BtfFeature values, for loops over all of them.
inline constexpr size_t kBtfFeatureCount = 7;

/// The feature at `index` (< kBtfFeatureCount), for loops.
[[nodiscard]] constexpr BtfFeature btf_feature_at(size_t index) noexcept { return static_cast<BtfFeature>(index); }

/// What the feature is called in messages ("FLOAT", "global FUNC linkage").
[[nodiscard]] constexpr std::string_view btf_feature_name(BtfFeature feature) noexcept {
  switch (feature) {
    case BtfFeature::Func: return "FUNC";
    case BtfFeature::Datasec: return "DATASEC";
    case BtfFeature::FuncGlobal: return "global FUNC linkage";
    case BtfFeature::Float: return "FLOAT";
    case BtfFeature::DeclTag: return "DECL_TAG";
    case BtfFeature::TypeTag: return "TYPE_TAG";
    case BtfFeature::Enum64: return "ENUM64";
  }
  return "?";
}

/// A set of BtfFeature: what one kernel accepts. A value type; all() by default, the
/// set of a kernel that needs no sanitising.
class BtfFeatures {
 public:
  constexpr BtfFeatures() noexcept = default;
  /// Every feature present.
  [[nodiscard]] static constexpr BtfFeatures all() noexcept { return BtfFeatures(); }
  /// No feature present (a kernel that accepts only the original BTF kinds).
  [[nodiscard]] static constexpr BtfFeatures none() noexcept { return BtfFeatures(0); }

  [[nodiscard]] constexpr bool has(BtfFeature feature) const noexcept { return (bits_ & bit(feature)) != 0; }
  /// Marks `feature` present or missing; returns *this for chaining.
  constexpr BtfFeatures& set(BtfFeature feature, bool present) noexcept {
    bits_ = present ? (bits_ | bit(feature)) : (bits_ & ~bit(feature));
    return *this;
  }
  /// The same set without `feature`.
  [[nodiscard]] constexpr BtfFeatures without(BtfFeature feature) const noexcept {
    BtfFeatures copy = *this;
    return copy.set(feature, false);
  }
  /// True when every feature is present: the object's BTF goes to the kernel as it is.
  [[nodiscard]] constexpr bool complete() const noexcept { return bits_ == kAll; }
  constexpr bool operator==(const BtfFeatures&) const noexcept = default;

 private:
  static constexpr uint32_t kAll = (1u << kBtfFeatureCount) - 1;
  constexpr explicit BtfFeatures(uint32_t bits) noexcept : bits_(bits) {}
  static constexpr uint32_t bit(BtfFeature feature) noexcept { return 1u << static_cast<unsigned>(feature); }
  uint32_t bits_ = kAll;
};

}  // namespace bpfload
BPFLOAD_PUBLIC_END
