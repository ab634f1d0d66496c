// bpfload: inspect, load and verify BPF ELF objects, and work with pinned maps.
#include <algorithm>
#include <array>
#include <cstdio>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bpfload/system.hpp"
#include "cli_output.hpp"
#include "help_text.hpp"
#include "libbpf_messages.hpp"
#include "verbs.hpp"

#ifndef BPFLOAD_VERSION
#define BPFLOAD_VERSION "unknown"
#endif

namespace bpfload::cli {
namespace {

constexpr std::array kVerbs = {
    Verb{"inspect", "show the maps, programs and data of an object (no privileges needed)",
         setup_inspect,
         "bpfload inspect prog.o\tthe maps, programs and sections of prog.o, legacy or BTF\n"
         "bpfload inspect prog.o --json\tthe same as one JSON document"},
    Verb{"load", "load an object into the kernel, optionally pinning everything", setup_load,
         "bpfload load prog.o\tload every map and program, print ids, keep nothing after exit\n"
         "bpfload load prog.o --log-level 2\talso print each program's verifier log\n"
         "bpfload load prog.o --pin-dir /sys/fs/bpf/app --attach --dev eth0\tload, attach where each section "
         "says, pin; run again: unchanged\n"
         "bpfload load v2.o --pin-dir /sys/fs/bpf/app --attach --dev eth0 --replace\tupgrade in place, maps kept"},
    Verb{"map", "create a pinned map, or dump, look up, update and delete its entries",
         setup_map,
         "bpfload map dump /sys/fs/bpf/app/maps/counts\tevery entry, decoded through BTF when the map has it\n"
         "bpfload map update /sys/fs/bpf/app/maps/config --key 0 --value 7\tset one entry\n"
         "bpfload map create /sys/fs/bpf/flows --type hash --key-size 4 --value-size 8 --max-entries 1024\ta "
         "pinned map of its own"},
    Verb{"verify", "run the verifier on objects' programs and report statistics and failures; "
                   "compare two runs",
         setup_verify,
         "bpfload verify prog.o\tverdict and statistics of every program\n"
         "bpfload verify prog.o --source\twhere the verifier spends its work, per C line\n"
         "bpfload verify --json *.o > new.json\tone run, for comparing later\n"
         "bpfload verify -C old.json new.json --threshold 'insns>+10%'\texit 1 on a regression"},
    Verb{"tc", "load one section of an object and attach it to DEV ingress|egress, as 'tc filter add "
               "... bpf da obj OBJ sec SECTION' did; 'tc off DEV [ingress|egress]' removes it", setup_tc,
         "bpfload tc eth0 ingress prog.o sec ingress\tas 'tc filter add dev eth0 ingress bpf da obj prog.o sec ingress'\n"
         "bpfload tc off eth0 ingress\tremove what is attached there"},
    Verb{"xdp", "load one section of an object and attach it to DEV, as 'ip link set dev DEV xdp obj OBJ "
                "sec SECTION' did; 'xdp off DEV' removes it", setup_xdp,
         "bpfload xdp eth0 prog.o sec xdp\tas 'ip link set dev eth0 xdp obj prog.o sec xdp'\n"
         "bpfload xdp eth0 prog.o mode generic\tgeneric (skb) mode\n"
         "bpfload xdp off eth0\tremove it"},
    Verb{"detach", "detach a pinned link, or everything pinned in a pin directory", setup_detach,
         "bpfload detach /sys/fs/bpf/app\tdetach every link pinned there and remove the pins\n"
         "bpfload detach /sys/fs/bpf/app/links/count\tdetach one pinned link"},
    Verb{"link", "list BPF links: 'bpfload link list'", setup_link,
         "bpfload link list\tevery BPF link: type, program, where it is attached\n"
         "bpfload link list --json\tthe same as JSON"},
    Verb{"unpin", "remove a pin set made by `load --pin-dir DIR` (maps/, progs/ and DIR itself)",
         setup_unpin,
         "bpfload unpin /sys/fs/bpf/app\tremove the maps/ and progs/ pins of a load without attachments"},
    Verb{"apply", "deploy what a file describes (objects, attachments, pin directory) as one transaction: "
                  "unchanged when already so, upgraded in place otherwise", setup_apply,
         "bpfload apply deploy.yaml\tdeploy the file: created, upgraded in place, or unchanged\n"
         "bpfload apply deploy.yaml --dry-run\tsay what would change"},
    Verb{"status", "show what is deployed in a pin directory, or for a deployment file whether it is", setup_status,
         "bpfload status deploy.yaml\twhether the file is what is deployed\n"
         "bpfload status /sys/fs/bpf/app\twhat is deployed there"},
    Verb{"delete", "remove a deployment: every attachment, pin and directory it made", setup_delete,
         "bpfload delete deploy.yaml\tremove every attachment, pin and directory of the deployment"},
    Verb{"events", "print the records programs send through a pinned ring buffer or perf event array, as they "
                   "come: hex, or JSON lines", setup_events,
         "bpfload events /sys/fs/bpf/app/maps/events\tevery record as it comes, in hex\n"
         "bpfload events /sys/fs/bpf/app/maps/events --json --count 10 --timeout 5\tten records as JSON lines, "
         "exit 1 if they do not come within 5 s\n"
         "bpfload events /sys/fs/bpf/app/maps/events --type 'struct event' --object app.o\teach record decoded "
         "through the object's BTF type, as a JSON line"},
    Verb{"gen", "generate code from an object: 'gen skeleton OBJ' writes a C or C++ header embedding it, with "
                "typed maps, programs and globals", setup_gen,
         "bpfload gen skeleton exec_events.o -o exec_events.skel.h\ta C header: struct exec_events, "
         "exec_events__open_and_load(), skel->bss->counter\n"
         "bpfload gen skeleton prog.o --lang c++ --name prog -o prog.skel.hpp\ta C++ header: class prog::Skeleton"},
};

const std::string kVersionText = std::string("bpfload ") + BPFLOAD_VERSION;

// A usage error happens before the verb's options exist, so --json is looked for by hand.
bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--json" || arg == "--pretty") return true;
  }
  return false;
}

int usage(std::string_view message, bool json) {
  return report_error("usage", fmt::format("{} (see bpfload help)", message), 0, json, kExitUsage);
}

std::vector<std::string> verb_names() {
  std::vector<std::string> names;
  for (const Verb& verb : kVerbs) names.emplace_back(verb.name);
  return names;
}

// CLI11 says only "A subcommand is required" for `bpfload version` or `bpfload --bogus`;
// the first word is checked here so the message names it.
std::optional<std::string> first_word_problem(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  const std::string_view first(argv[1]);
  if (first == "--help" || first == "-h" || first == "--version") return std::nullopt;
  if (first.substr(0, 1) == "-")
    return fmt::format("unknown option '{}' before the verb (options go after it: bpfload VERB [OPTIONS])", first);
  for (const Verb& verb : kVerbs) {
    if (verb.name == first) return std::nullopt;
  }
  if (first == "help" || first == "version") return std::nullopt;
  std::string names;
  for (const Verb& verb : kVerbs) names += fmt::format("{}{}", names.empty() ? "" : ", ", verb.name);
  return fmt::format("no verb named '{}' (verbs: {}, help, version)", first, names);
}

// CLI11 says "A subcommand is required" without saying whose, and takes an unknown action
// (`bpfload link frob`) for the same thing. The deepest command given that needs an action
// names itself, its actions, and the word it did not know.
std::optional<std::string> missing_action(const CLI::App& app) {
  const CLI::App* deepest = &app;
  std::string name = "bpfload";
  for (;;) {
    const std::vector<const CLI::App*> parsed = deepest->get_subcommands([](const CLI::App* sub) { return sub->parsed(); });
    if (parsed.empty()) break;
    deepest = parsed.front();
    name += " " + deepest->get_name();
  }
  if (deepest->get_require_subcommand_min() == 0) return std::nullopt;
  std::string actions;
  for (const CLI::App* sub : deepest->get_subcommands([](const CLI::App*) { return true; }))
    actions += fmt::format("{}{}", actions.empty() ? "" : ", ", sub->get_name());
  const std::vector<std::string> left = deepest->remaining();
  if (!left.empty() && left.front().rfind("-", 0) == 0)
    return fmt::format("'{}' needs an action before its options ({}): {}", name, left.front(), actions);
  if (!left.empty())
    return fmt::format("'{}' has no action '{}' (actions: {})", name, left.front(), actions);
  return fmt::format("'{}' needs an action: {}", name, actions);
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
  capture_libbpf_messages();
  CLI::App app{"bpfload: load legacy and modern BPF ELF objects", "bpfload"};
  app.set_version_flag("--version", kVersionText);
  app.require_subcommand(1);
  app.fallthrough(false);
  app.get_formatter()->column_width(32);

  // When the first word names a verb, only that verb's options are built: the others'
  // trees cost a process start-up more than a small object's whole load (heap page
  // faults). Help, man pages and completion need every tree, so they get all of them.
  const std::string_view first = argc >= 2 ? std::string_view(argv[1]) : std::string_view();
  // The version needs none of them: it is what a deployment script runs most often.
  const bool one_verb = std::any_of(kVerbs.begin(), kVerbs.end(), [&](const Verb& verb) { return verb.name == first; });
  const bool version_only = argc == 2 && (first == "--version" || first == "version");
  std::vector<std::pair<CLI::App*, VerbRunner>> commands;
  for (const Verb& verb : kVerbs) {
    CLI::App* command = app.add_subcommand(std::string(verb.name), std::string(verb.help));
    if (version_only || (one_verb && verb.name != first)) continue;
    commands.emplace_back(command, verb.setup(*command));
  }

  std::vector<std::string> help_topic;
  CLI::App* help = app.add_subcommand("help", "show help for bpfload, a verb or a map action (help map create)");
  help->add_option("VERB", help_topic, "the verb (and action) to explain");
  CLI::App* version = app.add_subcommand("version", "print the version (as --version does)");
  bool version_json = false;
  add_json_flags(*version, version_json);
  tidy_help(app);

  // Generated documentation, from the same tree as --help (meson runs these at build time).
  if (argc >= 2 && std::string_view(argv[1]) == "help-completion") {
    fmt::print("{}", bash_completion(app));
    return kExitOk;
  }
  // The verbs and their actions, one per line, from the tree: what the man page test covers.
  if (argc >= 2 && std::string_view(argv[1]) == "help-verbs") {
    for (const Verb& verb : kVerbs) {
      fmt::print("{}\n", verb.name);
      for (CLI::App* action : app.get_subcommand(std::string(verb.name))->get_subcommands([](CLI::App*) { return true; }))
        fmt::print("{} {}\n", verb.name, action->get_name());
    }
    return kExitOk;
  }
  if (argc >= 2 && std::string_view(argv[1]) == "help-man") {
    std::vector<std::string> path(argv + 2, argv + argc);
    std::string unknown;
    CLI::App* command = find_command(app, path, unknown);
    if (command == nullptr) return usage(fmt::format("help-man: no verb named '{}'", unknown), false);
    const std::string name = path.empty() ? "bpfload" : "bpfload " + path[0];
    std::string_view examples;
    for (const Verb& verb : kVerbs)
      if (!path.empty() && verb.name == path[0]) examples = verb.examples;
    fmt::print("{}", man_page(*command, name, BPFLOAD_VERSION, verb_names(), examples));
    return kExitOk;
  }
  if (auto problem = first_word_problem(argc, argv)) return usage(*problem, wants_json(argc, argv));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    if (argc < 2) return usage(fmt::format("no verb given (verbs: {}, help, version)", fmt::join(verb_names(), ", ")), false);
    if (auto missing = missing_action(app)) return usage(*missing, wants_json(argc, argv));
    return usage(error.what(), wants_json(argc, argv));
  }

  if (version->parsed()) {
    if (version_json) {
      print_json(Json{{"name", "bpfload"}, {"version", BPFLOAD_VERSION}});
    } else {
      fmt::print("{}\n", kVersionText);
    }
    return kExitOk;
  }
  if (help->parsed()) {
    std::string unknown;
    CLI::App* command = find_command(app, help_topic, unknown);
    if (command == nullptr) return usage(fmt::format("no verb or action named '{}'", unknown), false);
    // app.help() would describe the parsed `help` subcommand instead.
    std::string name = "bpfload";
    for (const std::string& word : help_topic) name += " " + word;
    fmt::print("{}", help_text(*command, name));
    return kExitOk;
  }
  for (auto& [command, runner] : commands) {
    if (!command->parsed()) continue;
    // The one place the CLI changes process limits. A refusal is not fatal: kernels
    // 5.11+ ignore the limit, and on older ones the EPERM hint names RLIMIT_MEMLOCK.
    (void)raise_memlock_limit();
    return run_verb(runner, argc, argv);
  }
  return usage("no verb given", false);
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
