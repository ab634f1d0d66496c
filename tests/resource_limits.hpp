// Running a piece of a test in a forked child under RLIMIT_AS / RLIMIT_CPU, so a memory
// or time bound is asserted by the kernel enforcing it, never by measuring time.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

namespace bpfload::test {

/// AddressSanitizer reserves terabytes of shadow address space, so RLIMIT_AS cannot
/// be applied to an ASan build; the memory bounds are then checked by the normal build.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressLimitsWork = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressLimitsWork = false;
#else
inline constexpr bool kAddressLimitsWork = true;
#endif
#else
inline constexpr bool kAddressLimitsWork = true;
#endif

/// Address space this process maps now (VmSize), in bytes.
inline size_t current_address_space() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  return 0;
}

/// How a bounded child ended.
struct ChildOutcome {
  bool exited = false;  ///< exited normally (not killed by a signal)
  int code = -1;        ///< exit code when exited
  int signal = 0;       ///< terminating signal otherwise (SIGXCPU: CPU bound hit)
};

/// Runs `body` in a child whose address space may grow by at most `extra_bytes` beyond
/// what it maps at the fork (when kAddressLimitsWork) and that may use `cpu_seconds` of
/// CPU. `body` returns the child's exit code: 0 for "held". Output goes to stderr.
inline ChildOutcome run_bounded(size_t extra_bytes, unsigned cpu_seconds, const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const rlimit cpu{cpu_seconds, cpu_seconds};
    ::setrlimit(RLIMIT_CPU, &cpu);
    if (kAddressLimitsWork && extra_bytes != 0) {
      const rlim_t limit = current_address_space() + extra_bytes;
      const rlimit as{limit, limit};
      ::setrlimit(RLIMIT_AS, &as);
    }
    // A FIFO open that blocks uses no CPU: the alarm bounds wall time the same way.
    ::alarm(cpu_seconds * 4 + 5);
    const int code = body();
    std::fflush(nullptr);
    ::_exit(code);
  }
  ChildOutcome outcome;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return outcome;
  if (WIFEXITED(status)) {
    outcome.exited = true;
    outcome.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

}  // namespace bpfload::test
