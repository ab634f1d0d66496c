#include "bpfload/spec.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace bpfload {

std::string data_section_pin_name(std::string_view section) {
  if (!section.empty() && section.front() == '.') section.remove_prefix(1);
  std::string name(section);
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::optional<size_t> ObjectSpec::find_map(std::string_view name) const {
  for (size_t i = 0; i < maps.size(); ++i)
    if (maps[i].name == name) return i;
  return std::nullopt;
}

std::optional<size_t> ObjectSpec::find_program(std::string_view name) const {
  for (size_t i = 0; i < programs.size(); ++i)
    if (programs[i].name == name) return i;
  return std::nullopt;
}

std::vector<uint32_t> called_functions(const ObjectSpec& spec, uint32_t function) {
  std::vector<uint32_t> order;
  std::vector<uint32_t> pending{function};
  std::vector<bool> seen(spec.functions.size(), false);
  if (function < seen.size()) seen[function] = true;
  // Breadth-first so the append order is stable and each callee appears once.
  for (size_t next = 0; next < pending.size(); ++next) {
    const uint32_t current = pending[next];
    if (current >= spec.functions.size()) continue;
    if (const auto callback = spec.functions[current].exception_callback;
        callback && *callback < seen.size() && !seen[*callback]) {
      seen[*callback] = true;
      pending.push_back(*callback);
      order.push_back(*callback);
    }
    for (const Relocation& relocation : spec.functions[current].relocations) {
      if (relocation.kind != Relocation::Kind::Call && relocation.kind != Relocation::Kind::FuncAddr) continue;
      if (relocation.target >= seen.size() || seen[relocation.target]) continue;
      seen[relocation.target] = true;
      pending.push_back(relocation.target);
      order.push_back(relocation.target);
    }
  }
  return order;
}

std::vector<std::string> externs_used_by(const ObjectSpec& spec, uint32_t function) {
  std::vector<uint32_t> functions{function};
  for (uint32_t callee : called_functions(spec, function)) functions.push_back(callee);
  std::vector<std::string> names;
  // A set beside the ordered list: an object may use many thousands of externs.
  std::unordered_set<std::string_view> seen;
  for (uint32_t f : functions) {
    if (f >= spec.functions.size()) continue;
    for (const Relocation& relocation : spec.functions[f].relocations) {
      if (relocation.kind != Relocation::Kind::Extern) continue;
      if (seen.insert(relocation.symbol).second) names.push_back(relocation.symbol);
    }
  }
  return names;
}

}  // namespace bpfload
