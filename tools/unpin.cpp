// `bpfload unpin DIR`: removes a pin set made with `load --pin-dir DIR`, stale or partial.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "cli_output.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct UnpinVerbOptions {
  std::string dir;
  bool json = false;
};

int run_unpin(const UnpinVerbOptions& options) {
  std::vector<std::string> removed;
  Status status = remove_pin_set(system_kernel(), options.dir, removed);
  if (!status.ok()) {
    if (!options.json)
      for (const std::string& path : removed) fmt::print("removed {}\n", path);
    return report_error(status.error().with_context(fmt::format("unpin {}", options.dir)), options.json);
  }
  if (options.json) {
    print_json(Json{{"removed", removed}});
  } else {
    for (const std::string& path : removed) fmt::print("removed {}\n", path);
  }
  return kExitOk;
}

}  // namespace

VerbRunner setup_unpin(CLI::App& command) {
  auto options = std::make_shared<UnpinVerbOptions>();
  command.add_option("DIR", options->dir, "the --pin-dir of an earlier load")->required();
  command.add_flag("--json", options->json, "print the removed paths as JSON");
  return [options] { return run_unpin(*options); };
}

}  // namespace bpfload::cli
