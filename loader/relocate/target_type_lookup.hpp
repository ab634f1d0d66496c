// Types of a target BTF found by name, for CO-RE candidates, kfuncs and typed ksyms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/target_btf.hpp"

struct btf;

namespace bpfload {

/// Finds a TargetBtf's types by name: vmlinux first, then each module's own types (a
/// module's split BTF repeats vmlinux's ids below its own). The first queries scan the
/// types, which is cheapest for an object that asks a few; from the kIndexAfter-th on
/// one index of every type by essential name answers, so an object asking N names costs
/// O(N + types), not O(N x types). Not thread-safe: one per relocation pass.
class TargetTypeLookup {
 public:
  /// A type of the target: `module` is null for vmlinux.
  struct Found {
    const struct btf* btf = nullptr;
    uint32_t id = 0;
    const TargetBtf::Module* module = nullptr;
  };

  /// Queries answered by scanning before the index is built.
  static constexpr unsigned kIndexAfter = 16;

  explicit TargetTypeLookup(const TargetBtf& target) : target_(target) {}

  /// Every named type whose essential name (the part before "___") is `essential`, in id
  /// order, vmlinux's before the modules'.
  [[nodiscard]] std::vector<Found> with_essential_name(std::string_view essential);

  /// The first type named exactly `name` whose BTF kind is `kind`: vmlinux's, else the
  /// first module's that has one.
  [[nodiscard]] std::optional<Found> first_named(std::string_view name, uint32_t kind);

 private:
  struct Entry {
    std::string_view essential;  ///< points into the BTF's strings
    uint32_t source = 0;         ///< 0: vmlinux, i + 1: modules[i]
    uint32_t id = 0;
  };

  void scan(std::string_view essential, std::vector<Found>& out) const;
  void build_index();
  [[nodiscard]] const struct btf* btf_of(uint32_t source) const;
  [[nodiscard]] const TargetBtf::Module* module_of(uint32_t source) const;

  const TargetBtf& target_;
  unsigned queries_ = 0;
  bool indexed_ = false;
  std::vector<Entry> index_;  ///< sorted by essential name, then source and id
};

}  // namespace bpfload
