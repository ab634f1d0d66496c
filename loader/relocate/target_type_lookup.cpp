#include "target_type_lookup.hpp"

#include <bpf/btf.h>

#include <algorithm>

#include "core_access.hpp"

namespace bpfload {
namespace {

std::string_view essential_of(std::string_view name) { return name.substr(0, core::essential_name_length(name)); }

}  // namespace

const struct btf* TargetTypeLookup::btf_of(uint32_t source) const {
  return source == 0 ? target_.vmlinux.get() : target_.modules[source - 1].btf.get();
}

const TargetBtf::Module* TargetTypeLookup::module_of(uint32_t source) const {
  return source == 0 ? nullptr : &target_.modules[source - 1];
}

// Walks every source's own types (vmlinux from 1, a module from the end of vmlinux's).
template <typename Visit>
static void for_each_named_type(const TargetBtf& target, Visit&& visit) {
  if (target.vmlinux == nullptr) return;
  const uint32_t module_start = btf__type_cnt(target.vmlinux.get());
  for (uint32_t source = 0; source <= target.modules.size(); ++source) {
    const struct btf* btf = source == 0 ? target.vmlinux.get() : target.modules[source - 1].btf.get();
    if (btf == nullptr) continue;
    const uint32_t count = btf__type_cnt(btf);
    for (uint32_t id = source == 0 ? 1 : module_start; id < count; ++id) {
      const struct btf_type* type = btf__type_by_id(btf, id);
      if (type == nullptr) continue;
      const char* name = btf__name_by_offset(btf, type->name_off);
      if (name == nullptr || name[0] == '\0') continue;
      visit(source, id, std::string_view(name));
    }
  }
}

void TargetTypeLookup::scan(std::string_view essential, std::vector<Found>& out) const {
  for_each_named_type(target_, [&](uint32_t source, uint32_t id, std::string_view name) {
    if (name.starts_with(essential) && essential_of(name).size() == essential.size())
      out.push_back({btf_of(source), id, module_of(source)});
  });
}

void TargetTypeLookup::build_index() {
  for_each_named_type(target_, [&](uint32_t source, uint32_t id, std::string_view name) {
    index_.push_back({essential_of(name), source, id});
  });
  // Stable: equal names keep their source and id order.
  std::stable_sort(index_.begin(), index_.end(),
                   [](const Entry& a, const Entry& b) { return a.essential < b.essential; });
  indexed_ = true;
}

std::vector<TargetTypeLookup::Found> TargetTypeLookup::with_essential_name(std::string_view essential) {
  std::vector<Found> out;
  if (!indexed_ && ++queries_ > kIndexAfter) build_index();
  if (!indexed_) {
    scan(essential, out);
    return out;
  }
  const auto [first, last] = std::equal_range(
      index_.begin(), index_.end(), Entry{essential, 0, 0},
      [](const Entry& a, const Entry& b) { return a.essential < b.essential; });
  for (auto it = first; it != last; ++it) out.push_back({btf_of(it->source), it->id, module_of(it->source)});
  return out;
}

std::optional<TargetTypeLookup::Found> TargetTypeLookup::first_named(std::string_view name, uint32_t kind) {
  for (const Found& found : with_essential_name(essential_of(name))) {
    const struct btf_type* type = btf__type_by_id(found.btf, found.id);
    if (type == nullptr || btf_kind(type) != kind) continue;
    const char* type_name = btf__name_by_offset(found.btf, type->name_off);
    if (type_name != nullptr && name == type_name) return found;
  }
  return std::nullopt;
}

}  // namespace bpfload
