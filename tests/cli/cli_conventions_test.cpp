// Conventions of the command line: help for every word, named mistakes, JSON style,
// colour rules, terminal width, generated man pages and completion.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> long_options(const std::string& help) {
  std::set<std::string> options;
  const std::regex option(R"((^|[\s,])(--[a-z][a-z0-9-]*))");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), option); it != std::sregex_iterator(); ++it)
    options.insert((*it)[2]);
  return options;
}

TEST(CliConventions, HelpReachesMapActionsAndNamesUnknownWords) {
  const CommandResult create = run_bpfload("help map create");
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_NE(create.out.find("--key-size"), std::string::npos) << create.out;
  EXPECT_NE(create.out.find("bpfload map create"), std::string::npos) << create.out;

  const CommandResult version = run_bpfload("version");
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind("bpfload ", 0), 0u) << version.out;
  EXPECT_EQ(version.out, run_bpfload("--version").out);

  const CommandResult bogus = run_bpfload("--bogus");
  EXPECT_EQ(bogus.exit_code, 2);
  EXPECT_NE(bogus.err.find("'--bogus'"), std::string::npos) << bogus.err;

  const CommandResult verb = run_bpfload("frobnicate x.o");
  EXPECT_EQ(verb.exit_code, 2);
  EXPECT_NE(verb.err.find("no verb named 'frobnicate'"), std::string::npos) << verb.err;

  const CommandResult topic = run_bpfload("help map frob");
  EXPECT_EQ(topic.exit_code, 2);
  EXPECT_NE(topic.err.find("'frob'"), std::string::npos) << topic.err;
}

TEST(CliConventions, AMissingVerbOrActionIsNamedWithWhatExists) {
  const CommandResult nothing = run_bpfload("");
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("no verb given (verbs: "));
  EXPECT_THAT(nothing.err, HasSubstr("verify"));

  const CommandResult map = run_bpfload("map");
  EXPECT_EQ(map.exit_code, 2);
  EXPECT_THAT(map.err, HasSubstr("'bpfload map' needs an action: "));
  EXPECT_THAT(map.err, HasSubstr("dump"));

  const CommandResult frob = run_bpfload("map frob");
  EXPECT_EQ(frob.exit_code, 2);
  EXPECT_THAT(frob.err, HasSubstr("'bpfload map' has no action 'frob' (actions: "));
  EXPECT_EQ(frob.err.find("A subcommand is required"), std::string::npos) << frob.err;

  const CommandResult option_first = run_bpfload("map --json");
  EXPECT_EQ(option_first.exit_code, 2);
  EXPECT_THAT(option_first.err, HasSubstr("'bpfload map' needs an action before its options (--json): "));
}

TEST(CliConventions, UnknownMapTypeListsTheTypes) {
  const CommandResult create =
      run_bpfload("map create /sys/fs/bpf/bpfload-no-such-type --type nosuch --key-size 4 --value-size 4 --max-entries 1");
  EXPECT_EQ(create.exit_code, 2);
  EXPECT_THAT(create.err, HasSubstr("unknown map type 'nosuch' (types: hash, array, prog_array"));
  EXPECT_THAT(create.err, HasSubstr("ringbuf"));
  EXPECT_EQ(create.err.find("unspec"), std::string::npos) << create.err;
}

TEST(CliConventions, APinPathOutsideBpffsIsNamedAsSuchNotAsPermissionDenied) {
  const std::string file = "/tmp/bpfload-not-a-pin-" + std::to_string(::getpid());
  { std::ofstream(file) << "x"; }
  const CommandResult dump = run_bpfload("map dump " + file);
  ::unlink(file.c_str());
  EXPECT_NE(dump.exit_code, 0);
  EXPECT_THAT(dump.err, HasSubstr("'" + file + "' is not on a bpf filesystem (bpffs)"));
  EXPECT_EQ(dump.err.find("run as their owner or root"), std::string::npos) << dump.err;
}

TEST(CliConventions, VersionAlsoAsJson) {
  const CommandResult version = run_bpfload("version --json");
  ASSERT_EQ(version.exit_code, 0) << version.err;
  const nlohmann::json doc = stdout_json(version);
  EXPECT_EQ(doc["name"], "bpfload");
  EXPECT_EQ("bpfload " + doc["version"].get<std::string>() + "\n", run_bpfload("--version").out);
}

TEST(CliConventions, HelpDoesNotShowParserInternals) {
  for (const std::string words : {"verify", "load", "inspect", "map", "map create", "map update"}) {
    const CommandResult help = run_bpfload("help " + words);
    ASSERT_EQ(help.exit_code, 0) << words;
    EXPECT_EQ(help.out.find("ENUM"), std::string::npos) << words << ":\n" << help.out;
    EXPECT_EQ(help.out.find("->"), std::string::npos) << words << ":\n" << help.out;
    EXPECT_EQ(help.out.find("INT:"), std::string::npos) << words << ":\n" << help.out;
    EXPECT_EQ(help.out.find("Excludes:"), std::string::npos) << words << ":\n" << help.out;
  }
  EXPECT_NE(run_bpfload("help verify").out.find("--color WHEN"), std::string::npos);
}

TEST(CliConventions, JsonIsOneLineUnlessPretty) {
  const std::string object = quoted(bpf_object("legacy_libbpf.o"));
  const CommandResult compact = run_bpfload("inspect --json " + object);
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  EXPECT_EQ(std::count(compact.out.begin(), compact.out.end(), '\n'), 1) << "one line, like bpftool -j";
  const CommandResult pretty = run_bpfload("inspect --pretty " + object);
  ASSERT_EQ(pretty.exit_code, 0) << pretty.err;
  EXPECT_GT(std::count(pretty.out.begin(), pretty.out.end(), '\n'), 10) << "indented, like bpftool -p";
  EXPECT_EQ(json::parse(compact.out), json::parse(pretty.out)) << "the same document";
}

TEST(CliConventions, NoColorAndDumbTerminalTurnAutoColourOff) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("reject_oob.o"));
  // `script` gives bpfload a terminal, so --color auto would colour.
  // TERM and NO_COLOR of the environment the tests run in must not decide.
  const std::string tty = "env -u NO_COLOR TERM=xterm script -qec ";
  const CommandResult coloured = run_command(tty + quoted(std::string(BPFLOAD_CLI) + " verify " + object) + " /dev/null");
  ASSERT_NE(coloured.out.find("\033[31m"), std::string::npos) << "a terminal is coloured:\n" << coloured.out;
  const CommandResult no_color =
      run_command("NO_COLOR=1 script -qec " + quoted(std::string(BPFLOAD_CLI) + " verify " + object) + " /dev/null");
  EXPECT_EQ(no_color.out.find("\033["), std::string::npos) << no_color.out;
  const CommandResult dumb =
      run_command("env -u NO_COLOR TERM=dumb script -qec " + quoted(std::string(BPFLOAD_CLI) + " verify " + object) + " /dev/null");
  EXPECT_EQ(dumb.out.find("\033["), std::string::npos) << dumb.out;
  const CommandResult forced = run_command("NO_COLOR=1 " + std::string(BPFLOAD_CLI) + " verify --color always " + object);
  EXPECT_NE(forced.out.find("\033[31m"), std::string::npos) << "--color always wins";
}

TEST(CliConventions, SourceTableFitsTheTerminalAndTabsAreExpanded) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::string object = quoted(bpf_object("subprog_text.o"));
  const CommandResult narrow = run_command("COLUMNS=50 " + std::string(BPFLOAD_CLI) + " verify --source --color never " + object);
  ASSERT_EQ(narrow.exit_code, 0) << narrow.err;
  const size_t costs = narrow.out.find("source costs of");
  ASSERT_NE(costs, std::string::npos) << narrow.out;
  std::istringstream lines(narrow.out.substr(costs));
  std::string line;
  bool cut = false;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 50u) << line;
    EXPECT_EQ(line.find('\t'), std::string::npos) << "tabs expanded: " << line;
    cut |= line.size() >= 3 && line.compare(line.size() - 3, 3, "...") == 0;
  }
  EXPECT_TRUE(cut) << "a long source line is cut to the width:\n" << narrow.out;
  const CommandResult wide = run_command("COLUMNS=400 " + std::string(BPFLOAD_CLI) + " verify --source --color never " + object);
  EXPECT_EQ(wide.out.find("..."), std::string::npos) << wide.out;
}

TEST(CliConventions, EveryVerbOfTheTreeHasAManPageWithExamplesCoveringEveryOption) {
  // The verbs and actions come from the binary's own tree, not from a list here.
  std::vector<std::string> verbs;
  std::map<std::string, std::vector<std::string>> actions;
  std::istringstream listed(run_bpfload("help-verbs").out);
  for (std::string line; std::getline(listed, line);) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) verbs.push_back(line);
    else actions[line.substr(0, space)].push_back(line.substr(space + 1));
  }
  ASSERT_GE(verbs.size(), 12U);
  for (const std::string& verb : verbs) {
    const std::string page = read_text(std::string(BPFLOAD_GENERATED_DOCS_DIR) + "/bpfload-" + verb + ".1");
    ASSERT_FALSE(page.empty()) << "bpfload-" << verb << ".1 is built (tools/meson.build's bpfload_verbs)";
    EXPECT_NE(page.find(".TH BPFLOAD-"), std::string::npos);
    EXPECT_NE(page.find(".SH EXAMPLES"), std::string::npos) << verb;
    EXPECT_EQ(page, run_bpfload("help-man " + verb).out) << "the installed page is what the binary generates";
    std::string help = run_bpfload("help " + verb).out;
    for (const std::string& action : actions[verb]) help += run_bpfload("help " + verb + " " + action).out;
    for (const std::string& option : long_options(help)) {
      if (option == "--help") continue;
      std::string escaped;
      for (char c : option) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(page.find(escaped), std::string::npos) << verb << " man page lacks " << option;
    }
  }
  EXPECT_NE(read_text(std::string(BPFLOAD_GENERATED_DOCS_DIR) + "/bpfload.1").find("bpfload\\-verify"), std::string::npos);
}

TEST(CliConventions, BashCompletionCompletesVerbsAndOptions) {
  const std::string script = BPFLOAD_COMPLETION_FILE;
  auto complete = [&](const std::string& line) {
    // COMP_WORDS as bash would split the line; the last word is the one completed.
    const std::string command = "bash -c " + quoted("source " + script + "; COMP_WORDS=(" + line +
                                                    "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _bpfload; "
                                                    "printf '%s\\n' \"${COMPREPLY[@]}\"");
    return run_command(command).out;
  };
  EXPECT_NE(complete("bpfload ver").find("verify\n"), std::string::npos);
  EXPECT_NE(complete("bpfload verify --thr").find("--threshold\n"), std::string::npos);
  EXPECT_NE(complete("bpfload map cr").find("create\n"), std::string::npos);
  EXPECT_NE(complete("bpfload map create /sys/fs/bpf/x --key").find("--key-size\n"), std::string::npos);
}

TEST(CliConventions, NonBpfObjectSaysHowToCompileOne) {
  // A host ELF small enough for the object size limit (the sanitizer build of bpfload itself
  // is over 256 MiB): coreutils' true, x86 or arm.
  const CommandResult x86 = run_bpfload("inspect /bin/true");
  EXPECT_EQ(x86.exit_code, 2);
  EXPECT_NE(x86.err.find("is not EM_BPF"), std::string::npos) << x86.err;
  EXPECT_NE(x86.err.find("clang -target bpf"), std::string::npos) << x86.err;
}

}  // namespace
}  // namespace bpfload::test
