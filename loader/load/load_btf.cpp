// Loading the object's .BTF. Optional by design: a kernel refusing the BTF (too old, or
// a type it does not know) should not stop the maps and programs from loading.
#include <string>
#include <vector>

#include <fmt/format.h>

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
  if (context.spec.btf == nullptr) {
    report.btf_error = "the object has no .BTF section";
    return;
  }
  if (!context.options.load_btf) {
    report.btf_error = "BTF loading was turned off";
    return;
  }
  std::vector<char> log(kBtfLogSize, '\0');
  Result<Fd> loaded = context.kernel.btf_load(context.spec.btf->kernel_bytes(), log);
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
