// bpfload: inspect, load and verify BPF ELF objects, and work with pinned maps.
#include <array>
#include <cstdio>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
    Verb{"unpin", "remove a pin set made by `load --pin-dir DIR` (maps/, progs/ and DIR itself)",
         setup_unpin},
};

// A usage error happens before the verb's options exist, so --json is looked for by hand.
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

// A verb that runs out of memory reports it like any other error; the library's entry
// points already turn std::bad_alloc into errors, this catches the CLI's own allocations.
int run_verb(const VerbRunner& runner, int argc, char** argv) {
  try {
    return runner();
  } catch (const std::bad_alloc&) {
    const Error error = out_of_memory_error("running the command");
    return report_error(error, wants_json(argc, argv));
  }
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
    if (command->parsed()) return run_verb(runner, argc, argv);
  }
  return report_error("usage", "no verb given (see bpfload help)", 0, false, kExitUsage);
}

}  // namespace
}  // namespace bpfload::cli

int main(int argc, char** argv) {
  try {
    return bpfload::cli::run(argc, argv);
  } catch (const std::bad_alloc&) {
    // Before a verb runs (option parsing): no JSON, the message is all that fits.
    std::fputs("bpfload: out of memory\n", stderr);
    return bpfload::cli::kExitUsage;
  }
}
