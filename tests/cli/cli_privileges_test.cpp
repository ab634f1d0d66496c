// Without the capabilities bpf() needs, the error must tell the user what is missing:
// run the real binary with CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON and CAP_NET_ADMIN dropped.
#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

TEST(CliPrivileges, LoadWithoutCapabilitiesExplainsWhatIsMissing) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_TOOL_OR_SKIP("capsh");  // libcap2-bin
  const std::string object = bpf_object("sample_xdp_legacy.o");
  const CommandResult result =
      run_command("capsh --drop=cap_bpf,cap_sys_admin,cap_perfmon,cap_net_admin -- -c " +
                  quoted(std::string(BPFLOAD_CLI) + " load " + quoted(object) + " --json"));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("CAP_BPF"), std::string::npos) << result.err;
  const nlohmann::json json = stdout_json(result);
  ASSERT_FALSE(json.is_discarded()) << result.out;
  EXPECT_EQ(json["error"]["kind"], "kernel");
  EXPECT_EQ(json["error"]["errno"], 1);  // EPERM
}

}  // namespace
}  // namespace bpfload::test
