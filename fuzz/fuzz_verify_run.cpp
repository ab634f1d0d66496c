// libFuzzer target over what `verify --compare` reads from files it did not write: a run
// as CSV (bpfload's or veristat's columns) and as `verify --json` output, then the
// comparison of the run with itself and with the run read the other way. Any crash, hang,
// leak, deep recursion or UB here is a bug: every input must become entries or an Error.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "bpfload/verify.hpp"
#include "verify_run_input.hpp"

namespace {

std::vector<bpfload::ComparedProgram> programs_of(const std::vector<bpfload::RunEntry>& entries) {
  std::vector<bpfload::ComparedProgram> programs;
  programs.reserve(entries.size());
  for (const bpfload::RunEntry& entry : entries) programs.push_back(entry.program);
  return programs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto csv = bpfload::read_verify_csv(text);
  auto json = bpfload::read_verify_json(text);
  const std::vector<bpfload::ComparedProgram> none;
  const std::vector<bpfload::ComparedProgram> from_csv = csv.ok() ? programs_of(*csv) : none;
  const std::vector<bpfload::ComparedProgram> from_json = json.ok() ? programs_of(*json) : none;
  for (const auto& delta : bpfload::compare_runs(from_csv, from_json)) (void)bpfload::has_difference(delta);
  for (const auto& delta : bpfload::compare_runs(from_csv, from_csv)) (void)bpfload::has_difference(delta);
  return 0;
}
