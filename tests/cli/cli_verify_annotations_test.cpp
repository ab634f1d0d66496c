// `bpfload verify` against the expectations the compat objects state the way the kernel's
// verifier_* selftests do (bpf_progs/compat/compat.h): BTF decl tags on each program's FUNC
// saying whether the verifier accepts it (__success / __failure), what its log must hold
// (__msg), and the program flags and log level to verify it with (__flag, __log_level).
// Each program is verified on its own, as the selftests' loader does, built by clang 14
// and clang 19.
#include <bpf/btf.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/cli_test_util.hpp"
#include "compat_objects.hpp"
#include "kernel_guard.hpp"

namespace bpfload {
namespace {

using test::quoted;
using test::run_bpfload;
using test::stdout_json;

struct Expectation {
  std::string program;
  std::optional<bool> success;  ///< unset: the program states nothing (not checked)
  std::vector<std::string> messages;
  std::vector<std::string> flags;  ///< "BPF_F_STRICT_ALIGNMENT", as written
  std::optional<unsigned> log_level;
};

/// The annotations of every FUNC in `path`'s BTF that has any, in type order.
std::vector<Expectation> read_expectations(const std::string& path) {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__parse_elf(path.c_str(), nullptr), btf__free);
  EXPECT_NE(btf, nullptr) << "no BTF in " << path;
  std::vector<Expectation> out;
  if (!btf) return out;
  const auto expectation_for = [&](const std::string& program) -> Expectation& {
    for (Expectation& e : out)
      if (e.program == program) return e;
    out.push_back({program, std::nullopt, {}, {}, std::nullopt});
    return out.back();
  };
  for (uint32_t id = 1; id < btf__type_cnt(btf.get()); ++id) {
    const struct btf_type* tag = btf__type_by_id(btf.get(), id);
    if (!btf_is_decl_tag(tag) || btf_decl_tag(tag)->component_idx != -1) continue;
    const std::string_view text = btf__name_by_offset(btf.get(), tag->name_off);
    if (!text.starts_with("comment:test_")) continue;
    const struct btf_type* func = btf__type_by_id(btf.get(), tag->type);
    if (!btf_is_func(func)) continue;
    Expectation& e = expectation_for(btf__name_by_offset(btf.get(), func->name_off));
    const auto value_of = [&](std::string_view key) { return std::string(text.substr(key.size())); };
    if (text == "comment:test_expect_success") e.success = true;
    else if (text == "comment:test_expect_failure") e.success = false;
    else if (text.starts_with("comment:test_expect_msg=")) e.messages.push_back(value_of("comment:test_expect_msg="));
    else if (text.starts_with("comment:test_prog_flags=")) e.flags.push_back(value_of("comment:test_prog_flags="));
    else if (text.starts_with("comment:test_log_level=")) e.log_level = std::stoul(value_of("comment:test_log_level="));
  }
  return out;
}

std::string verify_command(const std::string& path, const Expectation& e) {
  std::string command = fmt::format("verify {} {} --json --full-log", quoted(path), e.program);
  for (const std::string& flag : e.flags) command += fmt::format(" --prog-flags '{}={}'", e.program, flag);
  if (e.log_level) command += fmt::format(" --program-log-level {}={}", e.program, *e.log_level);
  return command;
}

TEST(VerifyAnnotations, EveryAnnotatedProgramOfTheCompatObjectsMeetsItsExpectation) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  size_t checked = 0;
  size_t failures_expected = 0;
  for (const char* name : {"verifier_style", "optional_sections", "asm_labels", "session_misuse",
                           "exception_callback"}) {
    for (const std::string& path : test::compat_object_builds(name)) {
      for (const Expectation& e : read_expectations(path)) {
        if (!e.success) continue;
        SCOPED_TRACE(fmt::format("{} ({}): {}", name, test::compat_compiler_of(path), e.program));
        const std::string command = verify_command(path, e);
        const auto result = run_bpfload(command);
        ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << command << "\n" << result.err << result.out;
        const auto doc = stdout_json(result);
        ASSERT_EQ(doc["programs"].size(), 1U) << command << "\n" << result.out;
        const auto& program = doc["programs"][0];
        EXPECT_EQ(program["verdict"], *e.success ? "accepted" : "rejected")
            << command << "\n" << program["error"] << "\n" << program["log"];
        const std::string log = program["log"].get<std::string>();
        for (const std::string& message : e.messages)
          EXPECT_NE(log.find(message), std::string::npos) << command << ": no '" << message << "' in\n" << log;
        ++checked;
        failures_expected += *e.success ? 0 : 1;
      }
    }
  }
  EXPECT_GE(checked, 12u);
  EXPECT_GE(failures_expected, 3u);
}

TEST(VerifyAnnotations, TheFlagAnAnnotationNamesIsWhatMakesTheVerdict) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  BPFLOAD_REQUIRE_COMPAT_OBJECTS_OR_SKIP();
  // Without the BPF_F_STRICT_ALIGNMENT it names, the same program is accepted on x86-64.
  for (const std::string& path : test::compat_object_builds("verifier_style")) {
    SCOPED_TRACE(test::compat_compiler_of(path));
    const auto plain = run_bpfload(fmt::format("verify {} unaligned_read_strict --json", quoted(path)));
    ASSERT_EQ(plain.exit_code, 0) << plain.err << plain.out;
    const auto strict = run_bpfload(
        fmt::format("verify {} unaligned_read_strict --json --prog-flags strict_alignment", quoted(path)));
    EXPECT_EQ(strict.exit_code, 1) << strict.err << strict.out;
    const auto bad = run_bpfload(fmt::format("verify {} --prog-flags no_such_flag", quoted(path)));
    EXPECT_EQ(bad.exit_code, 2) << bad.err << bad.out;
    EXPECT_NE(bad.err.find("no_such_flag"), std::string::npos) << bad.err;
  }
}

}  // namespace
}  // namespace bpfload
