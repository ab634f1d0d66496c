// Which statistics `verify --compare` looks at, and the thresholds that make a change a
// regression (veristat's -C is the model; thresholds are bpfload's, for CI).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/result.hpp"

namespace bpfload::cli {

/// The statistics compared by default: all the deterministic ones, i.e. every statistic
/// but verification_time_usec, which moves from run to run.
[[nodiscard]] const std::vector<std::string>& default_compared_stats();

/// Every statistic the comparison knows, by its JSON name.
[[nodiscard]] const std::vector<std::string>& all_compared_stats();

/// The JSON name for a name the user typed: a JSON name itself, or veristat's name
/// (`insns` = insns_processed, `states` = total_states, `duration` =
/// verification_time_usec, `stack` = stack_depth, `total_insns` = insns_processed), or
/// `prog_insns` for the JSON `insns` (instructions submitted). Fails with
/// InvalidArgument listing the known names.
[[nodiscard]] Result<std::string> canonical_stat(std::string_view name);

/// The statistics to compare: `chosen` (comma-separated lists; "all" for every one) or
/// the defaults, minus `excluded`. Fails with InvalidArgument naming an unknown stat.
[[nodiscard]] Result<std::vector<std::string>> compared_stats(const std::vector<std::string>& chosen,
                                                              const std::vector<std::string>& excluded);

/// A limit on how much a statistic may grow: `STAT>+N%`, `STAT>+N` (growth) or `STAT>N`
/// (the new value).
struct Threshold {
  std::string text;   ///< as given
  std::string stat;   ///< JSON name
  enum class Kind { Percent, Increase, Value } kind = Kind::Percent;
  double limit = 0;
};

/// Parses one threshold. Fails with InvalidArgument saying the accepted forms.
[[nodiscard]] Result<Threshold> parse_threshold(std::string_view text);

/// True when going from `before` to `after` crosses `threshold`. Growth from 0 crosses a
/// percentage threshold whenever `after` is not 0.
[[nodiscard]] bool exceeds(const Threshold& threshold, int64_t before, int64_t after);

}  // namespace bpfload::cli
