// Loading the object's .BTF. Optional by design: a kernel refusing the BTF (too old, or
// a type it does not know) should not stop the maps and programs from loading.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/btf_sanitize.hpp"
#include "load_context.hpp"

namespace bpfload {
namespace {

constexpr size_t kBtfLogSize = 64 * 1024;

// The useful part of a BTF log is its end: the kernel prints the offending type last.
std::string log_tail(const std::vector<char>& log) {
  std::string text(log.data(), strnlen(log.data(), log.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  constexpr size_t kKeep = 400;
  if (text.size() > kKeep) text = "..." + text.substr(text.size() - kKeep);
  return text;
}

}  // namespace

void load_object_btf(LoadContext& context) {
  LoadReport& report = context.report;
  report.btf_loaded = false;
  report.btf_rewrites.clear();
  if (context.spec.btf == nullptr) {
    report.btf_error = "the object has no .BTF section";
    return;
  }
  if (!context.options.load_btf) {
    report.btf_error = "BTF loading was turned off";
    return;
  }
  // Sanitised only for a kernel that lacks a kind: on a current one the bytes go as they are.
  const BtfFeatures features = context.kernel.btf_features();
  std::span<const std::byte> bytes = context.spec.btf->kernel_bytes();
  SanitizedBtf sanitized;
  if (!features.complete()) {
    Result<SanitizedBtf> rewritten = sanitize_btf(bytes, features);
    if (!rewritten.ok()) {
      report.btf_error = rewritten.error().message + "; loading maps and programs without BTF";
      return;
    }
    sanitized = std::move(rewritten).value();
    if (sanitized.changed()) bytes = sanitized.bytes;
    for (const std::string& line : sanitized.describe()) report.btf_rewrites.push_back(line + " for this kernel");
  }
  // func_info names FUNC types; where they became TYPEDEFs the kernel would refuse it
  // (libbpf then sends neither func_info nor line_info either).
  context.btf_func_info = features.has(BtfFeature::Func);

  std::vector<char> log(kBtfLogSize, '\0');
  Result<Fd> loaded = context.kernel.btf_load(bytes, log);
  if (!loaded.ok()) {
    report.btf_error = loaded.error().message;
    const std::string tail = log_tail(log);
    if (!tail.empty()) report.btf_error += fmt::format("; kernel BTF log: {}", tail);
    report.btf_error += "; loading maps and programs without BTF";
    return;
  }
  context.btf_fd = std::move(loaded).value();
  report.btf_loaded = true;
  report.btf_error.clear();
}

}  // namespace bpfload
