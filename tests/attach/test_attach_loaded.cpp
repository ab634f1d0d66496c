// attach(spec, object, "prog"): a loaded program attached by name where its section says,
// the C++ twin of bpfload_program_attach.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "bpfload/attach.hpp"
#include "kernel_guard.hpp"
#include "load_test_support.hpp"
#include "test_util.hpp"

namespace bpfload::test {
namespace {

TEST(AttachLoaded, ProgramAttachedByNameCountsItsEventsAndItsTwinDoesNot) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("attach_trace_legacy.o");
  Result<LoadedObject> loaded = load_object(spec, test_options(pins.path()));
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  const uint32_t pid = static_cast<uint32_t>(::getpid());
  ASSERT_TRUE(write_map(loaded->map_fd("config"), 0, pid).ok());
  {
    Result<Attachment> attached = attach(spec, *loaded, "count_getppid_tp");
    ASSERT_TRUE(attached.ok()) << error_text(attached);
    for (int i = 0; i < 3; ++i) (void)::syscall(SYS_getppid);
  }  // detached here
  (void)::syscall(SYS_getppid);
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("counts"), 0), 3u) << "the tracepoint on sys_enter_getppid";
  EXPECT_EQ(read_map<uint64_t>(loaded->map_fd("counts"), 1), 0u) << "its raw_tp twin was not attached";
}

TEST(AttachLoaded, UnknownOrUnloadedProgramIsNotFoundSayingWhich) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir pins;
  const ObjectSpec spec = parse_test_object("attach_trace_legacy.o");
  LoadOptions options = test_options(pins.path());
  options.only_programs = {"count_getppid_raw"};
  Result<LoadedObject> loaded = load_object(spec, options);
  ASSERT_TRUE(loaded.ok()) << error_text(loaded);
  Result<Attachment> unknown = attach(spec, *loaded, "no_such_program");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::NotFound);
  EXPECT_NE(unknown.error().message.find("'no_such_program'"), std::string::npos) << unknown.error().message;
  Result<Attachment> left_out = attach(spec, *loaded, "count_getppid_tp");
  ASSERT_FALSE(left_out.ok());
  EXPECT_EQ(left_out.error().kind, ErrorKind::NotFound);
  EXPECT_NE(left_out.error().message.find("not loaded"), std::string::npos) << left_out.error().message;
}

}  // namespace
}  // namespace bpfload::test
