// Load and attach together on the real kernel, with every call of the run through the one
// seam failed in turn (one FaultInjectingKernel for the load, attach_all and pin_all).
// Whichever call fails, nothing stays attached (no link of our programs, no XDP program,
// no filter, no qdisc), nothing stays pinned, no fd leaks.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

std::vector<std::string> entries_below(const std::string& root) {
  std::vector<std::string> entries;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ignored)) {
    entries.push_back(entry.path().string());
  }
  return entries;
}

// Links in the system that run one of `prog_ids`.
int links_running(const std::set<uint32_t>& prog_ids) {
  auto links = list_links(system_kernel());
  EXPECT_TRUE(links) << links.error().message;
  int found = 0;
  if (links) {
    for (const LinkEntry& link : *links) found += prog_ids.count(link.info.prog_id) != 0;
  }
  return found;
}

struct Sweep {
  std::string object;
  ParseOptions parse;
  AttachTargets targets;
  size_t expected_attachments = 0;
  /// Extra check that nothing is left on the devices (network sweep).
  std::function<void()> nothing_on_devices = [] {};
};

struct Run {
  bool loaded = false;
  bool attached = false;
  std::string error;
  std::vector<std::string> calls;  ///< of a successful run: load_object to pin_all
  size_t load_calls = 0;           ///< how many of them the load made
};

// One load + attach_all + pin_all, failing call `n` of the run (none when 0). Everything
// it made is released before it returns.
Run load_and_attach(const Sweep& sweep, const ObjectSpec& spec, size_t n, int err, const std::string& pin_dir,
                    FaultInjectingKernel& kernel, std::set<uint32_t>& prog_ids) {
  Run run;
  kernel.reset();
  if (n >= 1) kernel.fail_nth_call(n, err);
  LoadOptions options;
  options.kernel = &kernel;
  options.parallelism = 1;  // one call order: "call n" is the same call every round
  auto object = load_object(spec, options);
  if (!object) {
    run.error = object.error().message;
    return run;
  }
  run.loaded = true;
  run.load_calls = kernel.calls();
  for (const ProgramResult& program : object->report().programs) prog_ids.insert(program.id);
  const std::vector<ProgramToAttach> programs = attachable_programs(spec, *object, sweep.targets);
  auto set = attach_all(kernel, programs, sweep.targets);
  if (!set) {
    run.error = set.error().message;
    return run;
  }
  Status pinned = set->pin_all(kernel, pin_dir);
  if (!pinned) {
    run.error = pinned.error().message;
    return run;  // `set` is destroyed: detached, and pin_all removed its pins
  }
  run.attached = true;
  run.calls = kernel.call_log();
  EXPECT_EQ(set->attachments().size(), sweep.expected_attachments);
  // A successful round undoes itself for the next one, with no failure injected: that
  // cleanup is the caller's business (bpfload detach), not part of the sweep.
  kernel.reset();
  Status detached = set->detach_all();
  EXPECT_TRUE(detached) << detached.error().message;
  std::error_code ignored;
  std::filesystem::remove(pin_dir + "/links", ignored);
  return run;
}

void sweep_every_call(const Sweep& sweep) {
  auto spec = parse_object_file(test::bpf_object(sweep.object), sweep.parse);
  ASSERT_TRUE(spec) << spec.error().message;
  test::TempBpffsDir pins;
  FaultInjectingKernel kernel(system_kernel());
  std::set<uint32_t> prog_ids;
  // The BTF feature probe runs once per Kernel, in its first load: done now, so every
  // load of the sweep makes the same calls.
  (void)kernel.btf_features();
  kernel.reset();

  // A clean run counts the calls of each half.
  const Run clean = load_and_attach(sweep, *spec, 0, 0, pins.path(), kernel, prog_ids);
  ASSERT_TRUE(clean.attached) << clean.error;
  const size_t load_calls = clean.load_calls;
  const size_t total = clean.calls.size();
  ASSERT_GT(load_calls, 0U);
  ASSERT_GT(total - load_calls, sweep.expected_attachments);

  size_t failed = 0;
  for (size_t n = 1; n <= total; ++n) {
    for (const int err : {EPERM, EINVAL}) {
      const std::string call = (n <= load_calls ? "load: " : "attach: ") + clean.calls[n - 1];
      SCOPED_TRACE(fmt::format("failing call {} of {} ({}) with errno {}", n, total, call, err));
      const size_t fds = test::open_fd_count();
      const Run run = load_and_attach(sweep, *spec, n, err, pins.path(), kernel, prog_ids);
      if (!run.attached) {
        ++failed;
        EXPECT_FALSE(run.error.empty());
      }
      EXPECT_EQ(test::open_fd_count(), fds) << "fds leaked";
      EXPECT_EQ(links_running(prog_ids), 0) << "a link of ours is still attached";
      EXPECT_THAT(entries_below(pins.path()), ::testing::IsEmpty()) << "a pin or directory stayed";
      sweep.nothing_on_devices();
    }
  }
  std::printf("load+attach fault injection (%s): %zu load calls + %zu attach calls, %zu failed runs rolled back\n",
              sweep.object.c_str(), load_calls, total - load_calls, failed);
  EXPECT_GT(failed, total) << "most injected failures must fail the run";
}

TEST(AttachFaultInjection, EveryFailedCallOfLoadAndAttachOfTracepointsLeavesNothing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Sweep sweep;
  sweep.object = "attach_trace_legacy.o";
  sweep.expected_attachments = 2;
  sweep_every_call(sweep);
}

TEST(AttachFaultInjection, EveryFailedCallOfLoadAndNetlinkXdpAndTcLeavesNoProgramFilterOrQdisc) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::VethNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  Sweep sweep;
  sweep.object = "attach_net_legacy.o";
  sweep.parse.program_types["ingress"] = "sched_cls";
  sweep.parse.program_types["egress"] = "sched_cls";
  sweep.targets.device = ns.receiver();
  sweep.targets.xdp.netlink = true;
  sweep.targets.xdp.mode = XdpMode::Generic;
  sweep.targets.tc.netlink = true;  // qdiscs and filters: what a failed run must not leave
  sweep.expected_attachments = 3;
  const std::string device = ns.receiver();
  sweep.nothing_on_devices = [&] {
    auto ifindex = system_kernel().interface_index(device);
    ASSERT_TRUE(ifindex) << ifindex.error().message;
    auto xdp = system_kernel().xdp_attached_id(*ifindex, 0);
    ASSERT_TRUE(xdp) << xdp.error().message;
    EXPECT_EQ(*xdp, 0U) << "an XDP program stayed on " << device;
    EXPECT_THAT(test::command_output("tc qdisc show dev " + device), ::testing::Not(::testing::HasSubstr("clsact")))
        << "a clsact qdisc stayed on " << device;
  };
  sweep_every_call(sweep);
}

}  // namespace
}  // namespace bpfload
