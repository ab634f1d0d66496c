// The library loads different objects from several threads at once: an agent may load
// its programs concurrently at start-up. Every load must succeed, programs must run, and
// afterwards every descriptor the loads opened must be closed.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

constexpr int kThreads = 8;
constexpr int kLoadsPerThread = 12;

// Objects that pin nothing, so concurrent loads cannot collide on a pin path.
const std::vector<std::string> kObjects = {
    "legacy_libbpf.o",   "legacy_samples.o",     "subprog_text.o",    "global_data.o",
    "mixed_maps.o",      "samples_tail_calls.o", "multi_prog_section.o", "sample_xdp_legacy.o",
};

TEST(Threads, EightThreadsLoadDifferentObjectsWithoutLeaks) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const size_t fds_before = open_fd_count();
  std::atomic<int> loads{0};
  std::atomic<int> runs{0};
  std::vector<std::string> failures(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &loads, &runs, &failures] {
      const std::string path = bpf_object(kObjects[t % kObjects.size()]);
      for (int i = 0; i < kLoadsPerThread; ++i) {
        // Parse in the thread as well: parsing runs concurrently with other loads.
        Result<ObjectSpec> spec = parse_object_file(path);
        if (!spec.ok()) {
          failures[t] = path + ": " + spec.error().message;
          return;
        }
        LoadOptions options;
        options.parallelism = 2;  // threads inside threads: the loader's own pool too
        Result<LoadedObject> loaded = load_object(*spec, options);
        if (!loaded.ok()) {
          failures[t] = path + ": " + loaded.error().message;
          return;
        }
        loads.fetch_add(1);
        const ProgramSpec& first = spec->programs.front();
        const int fd = loaded->program_fd(first.name);
        if (fd < 0) {
          failures[t] = path + ": no fd for " + first.name;
          return;
        }
        TestRunRequest request;
        request.prog_fd = fd;
        const std::vector<std::byte> packet = ipv4_udp_packet();
        request.data_in = packet;
        if (system_kernel().prog_test_run(request).ok()) runs.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  EXPECT_EQ(loads.load(), kThreads * kLoadsPerThread);
  EXPECT_EQ(runs.load(), kThreads * kLoadsPerThread);
  EXPECT_EQ(open_fd_count(), fds_before);
}

}  // namespace
}  // namespace bpfload::test
