// What the commands that do no BPF work cost at start-up (issue 26): `--version`, `version`
// and `help` start no thread and make no bpf() call. Checked by running the binary under a
// seccomp filter that kills the process on bpf(), clone() and clone3(): a thread started
// eagerly (a pool, a static initialiser) or a probe of the kernel at start-up shows as a
// SIGSYS, whatever made it.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"

namespace bpfload::test {
namespace {

// Kills the process on bpf(), clone() and clone3(); allows everything else. A process of
// another architecture (never here) is killed too, so the syscall numbers mean what we think.
std::vector<sock_filter> forbidding_filter() {
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
}

struct Ending {
  bool exited = false;
  int code = -1;
  int signal = 0;
};

// Runs bpfload with `args` under the filter, output to /dev/null.
Ending run_forbidding_bpf_and_threads(const std::vector<std::string>& args) {
  std::vector<std::string> words{BPFLOAD_CLI};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::vector<sock_filter> filter = forbidding_filter();
  const sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};

  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    // LeakSanitizer stops the world with clone() at exit; the leak check belongs to other tests.
    ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(120);
    if (::syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) ::_exit(121);
    ::execv(argv[0], argv.data());
    ::_exit(122);
  }
  Ending ending;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return ending;
  ending.exited = WIFEXITED(status);
  ending.code = ending.exited ? WEXITSTATUS(status) : -1;
  ending.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return ending;
}

TEST(CliStartup, VersionAndHelpStartNoThreadAndMakeNoBpfCall) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--version"}, {"version"}, {"version", "--json"}, {"help"}, {"help", "load"},
        {"--help"}}) {
    const Ending ending = run_forbidding_bpf_and_threads(args);
    std::string command = "bpfload";
    for (const std::string& arg : args) command += " " + arg;
    EXPECT_NE(ending.signal, SIGSYS) << command << " started a thread or called bpf() (killed by the filter)";
    EXPECT_TRUE(ending.exited) << command << " ended by signal " << ending.signal;
    EXPECT_EQ(ending.code, 0) << command << " (120-122: the filter could not be set up)";
  }
}

constexpr const char* kProbePin = "/sys/fs/bpf/bpfload-startup-probe";

// The filter is what the test above relies on: a command that does call bpf() is killed.
TEST(CliStartup, TheFilterKillsACommandThatCallsBpf) {
  const Ending ending =
      run_forbidding_bpf_and_threads({"map", "create", "--type", "array", "--key-size", "4", "--value-size", "4",
                                      "--max-entries", "1", std::string(kProbePin)});
  ::unlink(kProbePin);  // only there if the filter let bpf() through
  EXPECT_FALSE(ending.exited) << "exited with " << ending.code;
  EXPECT_EQ(ending.signal, SIGSYS);
}

}  // namespace
}  // namespace bpfload::test
