// The BTF fix-ups for function linkage, checked by the kernel: btf_func_linkage.o's BTF
// is refused as clang emits it (kfunc prototypes with unnamed arguments) and its
// __hidden function is refused when verified alone; after the fix-up both load with BTF
// and the program runs.
#include <gtest/gtest.h>

#include "bpfload/loader.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"

namespace bpfload::test {
namespace {

TEST(LoadBtfLinkage, KfuncWithArgumentsAndHiddenFunctionLoadWithBtfAndRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  ObjectSpec spec = parse_test_object("btf_func_linkage.o");
  Result<LoadedObject> object = load_object(spec, LoadOptions{});
  ASSERT_TRUE(object.ok()) << object.error().message << "\n" << object.error().verifier_log;
  EXPECT_TRUE(object->report().btf_loaded) << object->report().btf_error;
  TestRunRequest run;
  run.prog_fd = object->program_fd("find_init");
  run.repeat = 0;  // syscall programs take no repeat count
  Result<TestRunOutcome> ran = system_kernel().prog_test_run(run);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(ran->retval, 3U) << "hidden_increment adds 1, visible_increment 2";
}

}  // namespace
}  // namespace bpfload::test
