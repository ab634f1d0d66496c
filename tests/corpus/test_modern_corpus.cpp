// Objects written the way libbpf-tools and libbpf-bootstrap are (bpf_progs/modern/, on a
// vmlinux.h dumped from this kernel): every program libbpf loads, bpfload loads, with BTF,
// and the tools' programs do their job when attached, checked against what the test
// knows (its pid, its child's, the path it opened, the frames it sent).
#include <fcntl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "bpfload/attach.hpp"
#include "bpfload/globals.hpp"
#include "bpfload/constants.hpp"
#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "libbpf_oracle.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

const std::vector<std::string> kCorpus = {"execsnoop", "opensnoop", "runqlat",   "biolatency", "bootstrap",
                                          "minimal",   "kfuncs",    "netfilter", "mixed", "probes"};

std::string corpus_path(const std::string& name) {
  return std::string(BPFLOAD_BPF_PROGS_DIR) + "/modern/modern_" + name + ".o";
}

#define BPFLOAD_REQUIRE_CORPUS_OR_SKIP()                                                     \
  do {                                                                                       \
    BPFLOAD_REQUIRE_KERNEL_OR_SKIP();                                                        \
    if (!BPFLOAD_MODERN_OBJECTS_BUILT) {                                                     \
      if (kernel_required()) FAIL() << "the modern corpus was not built (no vmlinux BTF?)"; \
      GTEST_SKIP() << "the modern corpus needs /sys/kernel/btf/vmlinux and bpftool at build time"; \
    }                                                                                        \
  } while (0)

// Mirrors of the corpus's common.h structs.
struct ExecEvent {
  int32_t pid, ppid;
  uint32_t uid;
  int32_t retval;
  char comm[16];
  char filename[64];
};
struct OpenEvent {
  int32_t pid, ret, flags;
  char fname[64];
};
struct Histogram {
  uint32_t slots[26];
  char comm[16];
};

template <typename V>
std::optional<V> lookup(int map_fd, uint32_t key) {
  V value{};
  const Status found = system_kernel().map_lookup(map_fd, std::as_bytes(std::span(&key, 1)),
                                                  std::as_writable_bytes(std::span(&value, 1)));
  if (!found.ok()) return std::nullopt;
  return value;
}

struct Attached {
  ObjectSpec spec;
  LoadedObject object;
  AttachSet links;
};

// Loads corpus object `name` with `constants` set, then attaches every program.
void load_and_attach(const std::string& name, const std::vector<std::pair<std::string, std::string>>& constants,
                     Attached& out) {
  out.spec = parse_test_object("modern/modern_" + name + ".o");
  for (const auto& [constant, value] : constants) {
    const Status set = set_constant(out.spec, constant, value);
    ASSERT_TRUE(set.ok()) << set.error().message;
  }
  Result<LoadedObject> object = load_object(out.spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message;
  out.object = std::move(object).value();
  ASSERT_TRUE(out.object.report().btf_loaded) << out.object.report().btf_error;
  Result<AttachSet> links = attach_all(system_kernel(), attachable_programs(out.spec, out.object, {}), {});
  ASSERT_TRUE(links.ok()) << links.error().message;
  out.links = std::move(links).value();
}

std::string text(const char* bytes, size_t size) { return std::string(bytes, strnlen(bytes, size)); }

std::string own_comm() {
  std::ifstream file("/proc/self/comm");
  std::string comm;
  std::getline(file, comm);
  return comm;
}

TEST(ModernCorpus, EveryProgramLibbpfLoadsBpfloadLoadsTooWithBtf) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  size_t programs = 0, libbpf_loaded = 0, bpfload_loaded = 0;
  for (const std::string& name : kCorpus) {
    SCOPED_TRACE(name);
    const LibbpfVerdict libbpf = programs_libbpf_loads(corpus_path(name));
    ASSERT_TRUE(libbpf.open_error.empty()) << libbpf.open_error;
    ObjectSpec spec = parse_test_object("modern/modern_" + name + ".o");
    LoadOptions options;
    options.keep_going = true;
    Result<LoadedObject> object = load_object(spec, options);
    ASSERT_TRUE(object.ok()) << object.error().message;
    EXPECT_TRUE(object->report().btf_loaded) << object->report().btf_error;
    std::set<std::string> loaded;
    for (const ProgramResult& program : object->report().programs) {
      if (program.loaded) loaded.insert(program.name);
    }
    EXPECT_EQ(object->report().programs.size(), libbpf.programs.size());
    for (const std::string& program : libbpf.loaded) {
      const auto result = std::find_if(object->report().programs.begin(), object->report().programs.end(),
                                       [&](const ProgramResult& p) { return p.name == program; });
      EXPECT_TRUE(loaded.contains(program))
          << "libbpf loads " << program << ", bpfload does not: "
          << (result == object->report().programs.end() ? "not found" : result->error);
    }
    programs += libbpf.programs.size();
    libbpf_loaded += libbpf.loaded.size();
    bpfload_loaded += loaded.size();
  }
  std::printf("modern corpus: %zu programs in %zu objects; libbpf loads %zu, bpfload %zu\n", programs,
              kCorpus.size(), libbpf_loaded, bpfload_loaded);
  // The corpus is meant to load here: an oracle that loads nothing would prove nothing.
  EXPECT_GE(libbpf_loaded, programs - 5) << "fentry, fexit and lsm are refused by this kernel; little else should be";
}

TEST(ModernCorpus, ExecsnoopSeesTheChildsExecWithItsFilenameAndParent) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  Attached tool;
  ASSERT_NO_FATAL_FAILURE(load_and_attach("execsnoop", {{"targ_ppid", std::to_string(::getpid())}}, tool));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // On the stack, so the page is present: the program reads it without faulting it in.
    char path[] = "/bin/true";
    char name[] = "true";
    char* argv[] = {name, nullptr};
    ::execv(path, argv);
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto event = lookup<ExecEvent>(tool.object.map_fd("seen_by_parent"), static_cast<uint32_t>(::getpid()));
  ASSERT_TRUE(event.has_value()) << "no exec event recorded for this process's children";
  EXPECT_EQ(event->pid, child);
  EXPECT_EQ(event->ppid, ::getpid());
  EXPECT_EQ(event->uid, ::getuid());
  EXPECT_EQ(event->retval, 0);
  EXPECT_EQ(text(event->filename, sizeof(event->filename)), "/bin/true");
  EXPECT_EQ(text(event->comm, sizeof(event->comm)), "true");
}

TEST(ModernCorpus, OpensnoopReportsTheMissingPathWithEnoentAndItsFlags) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  Attached tool;
  ASSERT_NO_FATAL_FAILURE(load_and_attach("opensnoop", {{"targ_tgid", std::to_string(::getpid())}}, tool));
  const std::string path = "/tmp/bpfload-opensnoop-" + std::to_string(::getpid()) + "-absent";
  ASSERT_EQ(::open(path.c_str(), O_RDONLY | O_CLOEXEC), -1);
  ASSERT_EQ(errno, ENOENT);
  ASSERT_TRUE(tool.links.detach_all().ok());
  const auto event = lookup<OpenEvent>(tool.object.map_fd("last_open"), static_cast<uint32_t>(::getpid()));
  ASSERT_TRUE(event.has_value()) << "no open event recorded for this process";
  EXPECT_EQ(event->pid, ::getpid());
  EXPECT_EQ(event->ret, -ENOENT);
  EXPECT_EQ(event->flags & O_CLOEXEC, O_CLOEXEC);
  EXPECT_EQ(text(event->fname, sizeof(event->fname)), path);
}

TEST(ModernCorpus, RunqlatCountsThisProcesssWakeUpsUnderItsComm) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  Attached tool;
  ASSERT_NO_FATAL_FAILURE(load_and_attach(
      "runqlat", {{"targ_tgid", std::to_string(::getpid())}, {"targ_per_process", "true"}}, tool));
  // Two threads passing a byte back and forth: each blocks in read until the other
  // writes, so the scheduler wakes and switches in a task of this process every round.
  std::array<int, 2> ping{}, pong{};
  ASSERT_EQ(::pipe(ping.data()), 0);
  ASSERT_EQ(::pipe(pong.data()), 0);
  constexpr int kRounds = 200;
  std::thread echo([&] {
    char byte = 0;
    for (int i = 0; i < kRounds; ++i) {
      if (::read(ping[0], &byte, 1) != 1 || ::write(pong[1], &byte, 1) != 1) return;
    }
  });
  char byte = 'x';
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_EQ(::write(ping[1], &byte, 1), 1);
    ASSERT_EQ(::read(pong[0], &byte, 1), 1);
  }
  echo.join();
  for (int fd : {ping[0], ping[1], pong[0], pong[1]}) ::close(fd);
  ASSERT_TRUE(tool.links.detach_all().ok());
  const auto histogram = lookup<Histogram>(tool.object.map_fd("hists"), static_cast<uint32_t>(::getpid()));
  ASSERT_TRUE(histogram.has_value()) << "no run-queue latency recorded for this process";
  uint64_t waits = 0;
  for (uint32_t slot : histogram->slots) waits += slot;
  EXPECT_GE(waits, uint64_t{kRounds}) << "every round blocks at least one of the two threads";
  EXPECT_EQ(text(histogram->comm, sizeof(histogram->comm)), own_comm());
}

TEST(ModernCorpus, MinimalCountsWritesOnceItsPidIsWrittenIntoBssAfterLoad) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  Attached tool;
  ASSERT_NO_FATAL_FAILURE(load_and_attach("minimal", {}, tool));
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(devnull, 0);
  ASSERT_EQ(::write(devnull, "x", 1), 1);  // not counted: my_pid is still 0
  // Written while the program runs: only my_pid's bytes change, not the counter beside it.
  const Status written = write_global_text(tool.spec, tool.object, "my_pid", std::to_string(::getpid()));
  ASSERT_TRUE(written.ok()) << written.error().message;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(::write(devnull, "x", 1), 1);
  ::close(devnull);
  ASSERT_TRUE(tool.links.detach_all().ok());
  Result<std::vector<std::byte>> writes = read_global(tool.spec, tool.object, "writes_seen");
  ASSERT_TRUE(writes.ok()) << writes.error().message;
  uint64_t count = 0;
  ASSERT_EQ(writes->size(), sizeof(count));
  std::memcpy(&count, writes->data(), sizeof(count));
  EXPECT_EQ(count, 5U);
}

struct TaskFacts {
  uint64_t ran, tgid, comm_first, kernel_version, hz, bpf_syscall, rq_cpu, rq_seen;
};

TEST(ModernCorpus, KfuncFindsThisProcessByPidAndKconfigMatchesUname) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  ObjectSpec spec = parse_test_object("modern/modern_kfuncs.o");
  ASSERT_TRUE(set_constant(spec, "targ_pid", std::to_string(::getpid())).ok());
  LoadOptions options;
  options.only_programs = {"task_by_pid"};
  Result<LoadedObject> object = load_object(spec, options);
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_TRUE(object->report().btf_loaded) << object->report().btf_error;
  TestRunRequest run;
  run.prog_fd = object->program_fd("task_by_pid");
  run.repeat = 0;  // syscall programs take no repeat count
  Result<TestRunOutcome> outcome = system_kernel().prog_test_run(run);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->retval, 0U) << "bpf_task_from_pid found no task for this pid";
  const auto facts = lookup<TaskFacts>(object->map_fd(".bss"), 0);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->ran, 1U);
  EXPECT_EQ(facts->tgid, static_cast<uint64_t>(::getpid()));
  EXPECT_EQ(static_cast<char>(facts->comm_first), own_comm()[0]);
  EXPECT_EQ(facts->bpf_syscall, 1U) << "CONFIG_BPF_SYSCALL=y on any kernel that ran this";
  utsname name{};
  ASSERT_EQ(::uname(&name), 0);
  unsigned major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(name.release, "%u.%u", &major, &minor), 2);
  EXPECT_EQ(facts->kernel_version >> 16, major);
  EXPECT_EQ((facts->kernel_version >> 8) & 0xff, minor);
  EXPECT_TRUE(facts->hz == 100 || facts->hz == 250 || facts->hz == 300 || facts->hz == 1000) << facts->hz;
}

// Ethernet + IPv4 (ihl 5) + UDP to `port`, 64 bytes.
std::vector<std::byte> udp_frame(uint16_t port, uint8_t protocol = 17) {
  std::vector<std::byte> frame(64);
  frame[12] = std::byte{0x08};  // ETH_P_IP
  frame[14] = std::byte{0x45};
  frame[23] = std::byte{protocol};
  frame[36] = std::byte(port >> 8);
  frame[37] = std::byte(port & 0xff);
  return frame;
}

TEST(ModernCorpus, XdpFilterDropsUdpToTheDiscardPortPassesTheRestAndCountsByProtocol) {
  BPFLOAD_REQUIRE_CORPUS_OR_SKIP();
  ObjectSpec spec = parse_test_object("modern/modern_netfilter.o");
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message;
  const int xdp = object->program_fd("xdp_discard_udp9");
  EXPECT_EQ(run_program(xdp, udp_frame(9)), uint32_t{XDP_DROP});
  EXPECT_EQ(run_program(xdp, udp_frame(53)), uint32_t{XDP_PASS});
  EXPECT_EQ(run_program(xdp, udp_frame(9, 6)), uint32_t{XDP_PASS}) << "TCP to port 9 is not discarded";
  EXPECT_EQ(run_program(object->program_fd("tc_ingress"), udp_frame(9)), 0U) << "TC_ACT_OK";
  // Per-CPU counts: the runs may have landed on any CPU, so sum them.
  Result<unsigned> cpus = system_kernel().possible_cpus();
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  auto sum_at = [&](uint32_t protocol) {
    std::vector<std::byte> values(map_value_span_size(BPF_MAP_TYPE_PERCPU_ARRAY, 8, *cpus));
    EXPECT_TRUE(system_kernel().map_lookup(object->map_fd("packets_by_protocol"),
                                           std::as_bytes(std::span(&protocol, 1)), values).ok());
    uint64_t total = 0;
    for (size_t at = 0; at + 8 <= values.size(); at += 8) {
      uint64_t one = 0;
      std::memcpy(&one, values.data() + at, 8);
      total += one;
    }
    return total;
  };
  EXPECT_EQ(sum_at(17), 2U);
  EXPECT_EQ(sum_at(6), 1U);
}

}  // namespace
}  // namespace bpfload::test
