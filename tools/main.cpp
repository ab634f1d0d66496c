// bpfload: inspect, load and verify BPF ELF objects, and work with pinned maps.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bpfload/system.hpp"
#include "cli_output.hpp"
#include "verbs.hpp"

#ifndef BPFLOAD_VERSION
#define BPFLOAD_VERSION "unknown"
#endif

namespace bpfload::cli {
namespace {

constexpr std::array kVerbs = {
    Verb{"inspect", "show the maps, programs and data of an object (no privileges needed)",
         setup_inspect},
    Verb{"load", "load an object into the kernel, optionally pinning everything", setup_load},
    Verb{"map", "create a pinned map, or dump, look up, update and delete its entries",
         setup_map},
    Verb{"verify", "run the verifier on an object's programs and report statistics and failures",
         setup_verify},
    Verb{"tc", "load one section of an object and attach it to DEV ingress|egress, as 'tc filter add "
               "... bpf da obj OBJ sec SECTION' did", setup_tc},
    Verb{"xdp", "load one section of an object and attach it to DEV, as 'ip link set dev DEV xdp obj OBJ "
                "sec SECTION' did", setup_xdp},
    Verb{"detach", "detach a pinned link, or everything pinned in a pin directory", setup_detach},
    Verb{"link", "list BPF links: 'bpfload link list'", setup_link},
};

// A usage error happens before the verb's options exist, so --json is looked for by hand.
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

int run(int argc, char** argv) {
  CLI::App app{"bpfload: load legacy and modern BPF ELF objects", "bpfload"};
  app.set_version_flag("--version", std::string("bpfload ") + BPFLOAD_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<std::pair<CLI::App*, VerbRunner>> commands;
  for (const Verb& verb : kVerbs) {
    CLI::App* command = app.add_subcommand(std::string(verb.name), std::string(verb.help));
    commands.emplace_back(command, verb.setup(*command));
  }

  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "show help for bpfload or one verb");
  help->add_option("VERB", help_topic, "the verb to explain");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    return report_error("usage", fmt::format("{} (see bpfload help)", error.what()), 0,
                        wants_json(argc, argv), kExitUsage);
  }

  if (help->parsed()) {
    if (help_topic.empty()) {
      // app.help() would describe the parsed `help` subcommand instead.
      fmt::print("{}", app.get_formatter()->make_help(&app, "bpfload", CLI::AppFormatMode::Normal));
      return kExitOk;
    }
    for (auto& [command, runner] : commands) {
      if (command->get_name() == help_topic) {
        fmt::print("{}", command->get_formatter()->make_help(command, "bpfload " + help_topic,
                                                              CLI::AppFormatMode::Normal));
        return kExitOk;
      }
    }
    return report_error("usage", fmt::format("no verb named '{}' (see bpfload help)", help_topic),
                        0, false, kExitUsage);
  }
  for (auto& [command, runner] : commands) {
    if (!command->parsed()) continue;
    // The one place the CLI changes process limits. A refusal is not fatal: kernels
    // 5.11+ ignore the limit, and on older ones the EPERM hint names RLIMIT_MEMLOCK.
    (void)raise_memlock_limit();
    return runner();
  }
  return report_error("usage", "no verb given (see bpfload help)", 0, false, kExitUsage);
}

}  // namespace
}  // namespace bpfload::cli

int main(int argc, char** argv) {
  return bpfload::cli::run(argc, argv);
}
