// Fails every kernel call of a full load in turn, with several errnos, and checks that
// each failure leaves nothing behind: no fd, no pin, no directory, and a map pinned
// before the load (and reused by it) untouched.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/system.hpp"
#include "bpfload/testing/fault_injecting_kernel.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

constexpr uint64_t kPrepinnedValue = 0x7e57da7a;

struct PrepinnedMap {
  Fd fd;
  uint32_t id = 0;
};

/// The map legacy_iproute2.o pins in the global namespace, created and pinned first so
/// the load reuses it.
PrepinnedMap pin_globals_map(const std::string& pin_root) {
  PrepinnedMap prepinned;
  std::vector<std::string> created;
  EXPECT_TRUE(make_directories(system_kernel(), pin_root + "/tc/globals", created).ok());
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "prepinned";
  request.key_size = 4;
  request.value_size = 8;
  request.max_entries = 2;
  Result<Fd> map = system_kernel().map_create(request);
  EXPECT_TRUE(map.ok()) << error_text(map);
  if (!map.ok()) return prepinned;
  prepinned.fd = std::move(map).value();
  EXPECT_TRUE(write_map<uint64_t>(prepinned.fd.get(), 1, kPrepinnedValue).ok());
  EXPECT_TRUE(system_kernel().obj_pin(prepinned.fd.get(), pin_root + "/tc/globals/iproute2_globals_map").ok());
  Result<MapInfo> info = system_kernel().map_info(prepinned.fd.get());
  EXPECT_TRUE(info.ok());
  if (info.ok()) prepinned.id = info->id;
  return prepinned;
}

/// Checks that the map pinned before the loads is still pinned, the same map, unchanged.
void expect_prepinned_intact(const std::string& pin_root, const PrepinnedMap& prepinned) {
  Result<Fd> opened = system_kernel().obj_get(pin_root + "/tc/globals/iproute2_globals_map");
  ASSERT_TRUE(opened.ok()) << "the map pinned before the load is gone";
  Result<MapInfo> info = system_kernel().map_info(opened->get());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->id, prepinned.id);
  EXPECT_EQ(read_map<uint64_t>(opened->get(), 1), kPrepinnedValue);
  EXPECT_EQ(read_map<uint64_t>(opened->get(), 0), 0u);
}

/// Every failure names what it was for: an object of the load, or the pin path checked.
bool names_its_context(const std::string& message) {
  return message.find("map '") != std::string::npos || message.find("program '") != std::string::npos ||
         message.find("data section '") != std::string::npos || message.starts_with("pin root ") ||
         message.starts_with("pin directory ") || message.starts_with("create directory ") ||
         message.find("pin set") != std::string::npos;
}

TEST(FaultInjection, EveryFailedKernelCallRollsBackCompletely) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("legacy_iproute2.o");
  ASSERT_FALSE(spec.programs.empty());
  const PrepinnedMap prepinned = pin_globals_map(pins.path());
  ASSERT_TRUE(prepinned.fd.valid());

  FaultInjectingKernel kernel(system_kernel());
  LoadOptions options = test_options(pins.path());
  options.pin_dir = pins.path() + "/app";
  options.kernel = &kernel;
  options.parallelism = 1;  // one call order, so "the n-th call" means the same call every time
  const std::string object_ns_dir = pins.path() + "/tc/" + options.object_id;
  const std::vector<std::string> tree_before = tree_below(pins.path());
  // The BTF feature probe runs once per Kernel, in its first load; done here, so that every
  // load below makes the same calls (a failed probe is tested in test_fake_btf_sanitize.cpp).
  EXPECT_TRUE(kernel.btf_features().complete());
  kernel.reset();

  size_t total_calls = 0;
  {
    LoadReport report;
    Result<LoadedObject> clean = load_object(spec, options, &report);
    ASSERT_TRUE(clean.ok()) << error_text(clean);
    total_calls = kernel.calls();
    EXPECT_TRUE(report.maps.at(0).reused) << "iproute2_globals_map should reuse the pinned map";
    EXPECT_TRUE(std::filesystem::exists(object_ns_dir + "/iproute2_obj_hash"));
    EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/progs/cls_tail"));
  }
  std::filesystem::remove_all(object_ns_dir);
  std::filesystem::remove_all(*options.pin_dir);
  ASSERT_EQ(tree_below(pins.path()), tree_before);
  ASSERT_GT(total_calls, 10u);
  const std::vector<std::string> clean_calls = kernel.call_names();

  size_t failed_loads = 0;
  size_t recovered_loads = 0;
  for (size_t n = 1; n <= total_calls; ++n) {
    for (const int err : {EPERM, ENOMEM, EINVAL}) {
      SCOPED_TRACE("failing call " + std::to_string(n) + " (" + clean_calls[n - 1] + ") with errno " +
                   std::to_string(err));
      kernel.reset();
      kernel.fail_nth_call(n, err);
      const size_t baseline = open_fd_count();
      bool succeeded = false;
      {
        LoadReport report;
        Result<LoadedObject> loaded = load_object(spec, options, &report);
        succeeded = loaded.ok();
        if (succeeded) {
          // The loader recovered by itself (a level-0 load retried for its log, BTF
          // refused, ...): the load must then be complete and working.
          ++recovered_loads;
          for (const ProgramResult& program : report.programs) EXPECT_TRUE(program.loaded) << program.name;
          EXPECT_EQ(run_program(loaded->program_fd("cls_entry"), ipv4_udp_packet()), 0u);
          EXPECT_EQ(read_map<uint32_t>(loaded->map_fd("tc_marks"), 1), 0x22222222u);
        } else {
          ++failed_loads;
          EXPECT_TRUE(names_its_context(loaded.error().message)) << loaded.error().message;
          EXPECT_NE(loaded.error().sys_errno, 0) << loaded.error().message;
        }
      }
      EXPECT_EQ(open_fd_count(), baseline) << "fds leaked";
      if (succeeded) {
        // A successful load's pins belong to the user; remove them before the next round.
        EXPECT_TRUE(std::filesystem::exists(*options.pin_dir + "/progs/cls_entry"));
        std::filesystem::remove_all(object_ns_dir);
        std::filesystem::remove_all(*options.pin_dir);
      }
      EXPECT_EQ(tree_below(pins.path()), tree_before) << "pins or directories left behind";
      expect_prepinned_intact(pins.path(), prepinned);
    }
  }
  std::printf("fault injection: %zu kernel calls per load, %zu failure points covered "
              "(%zu loads failed and rolled back, %zu recovered)\n",
              total_calls, failed_loads + recovered_loads, failed_loads, recovered_loads);
  EXPECT_GT(failed_loads, total_calls);
}

}  // namespace
}  // namespace bpfload::test
