// Deployment files: the documented example parses to what it says; every bad file is
// refused naming its line and what to write; the systemd unit passes systemd-analyze
// verify and the Kubernetes manifest parses. No kernel needed.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bpfload/deploy_file.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string docs_file(const std::string& name) {
  std::ifstream in(std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/../docs/deploy/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string refusal(const std::string& text) {
  Result<std::vector<Deployment>> parsed = parse_deployments(text, "/base");
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().kind, ErrorKind::InvalidArgument);
  return parsed.error().message;
}

TEST(DeployFile, TheDocumentedExampleParsesToWhatItSays) {
  Result<std::vector<Deployment>> parsed = parse_deployments(docs_file("example.yaml"), "/etc/bpfload");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1U);
  const Deployment& d = parsed->front();
  EXPECT_EQ(d.pin_dir, "/sys/fs/bpf/edge");
  ASSERT_EQ(d.objects.size(), 2U);
  EXPECT_EQ(d.objects[0].name, "ingress");
  EXPECT_EQ(d.objects[0].path, "/etc/bpfload/objects/ingress_filter.o");
  ASSERT_EQ(d.objects[0].settings.size(), 1U);
  EXPECT_EQ(d.objects[0].settings[0].first, "drop_port");
  EXPECT_EQ(d.objects[0].maps.at("blocked").max_entries, 65536U);
  EXPECT_TRUE(d.objects[0].recreate_maps.contains("blocked"));
  ASSERT_EQ(d.objects[0].attachments.size(), 1U);
  EXPECT_EQ(d.objects[0].attachments[0].targets.device, "eth0");
  EXPECT_EQ(d.objects[0].attachments[0].targets.xdp.mode, XdpMode::Native);
  ASSERT_EQ(d.objects[1].attachments.size(), 2U);
  EXPECT_EQ(d.objects[1].attachments[1].targets.tc_direction, TcDirection::Egress);
  EXPECT_TRUE(d.objects[1].attachments[1].targets.tc.netlink);
}

TEST(DeployFile, JsonIsReadToo) {
  Result<std::vector<Deployment>> parsed = parse_deployments(
      R"({"pin_dir": "/sys/fs/bpf/j", "objects": [{"name": "a", "file": "a.o", "attach": [{"program": "p", "device": "lo"}]}]})",
      "/x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->front().objects[0].path, "/x/a.o");
}

TEST(DeployFile, AnUnknownKeyIsRefusedWithItsLineAndTheKeysThereAre) {
  const std::string message = refusal("pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n    file: a.o\n    atach: []\n");
  EXPECT_THAT(message, StartsWith("line 5:"));
  EXPECT_THAT(message, HasSubstr("unknown key 'atach'"));
  EXPECT_THAT(message, HasSubstr("attach"));
}

TEST(DeployFile, AWrongTypeIsRefusedWithItsLineAndAnExample) {
  const std::string message =
      refusal("pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n    file: a.o\n    max_entries: {counts: many}\n");
  EXPECT_THAT(message, StartsWith("line 5:"));
  EXPECT_THAT(message, HasSubstr("max_entries"));
  EXPECT_THAT(message, HasSubstr("counts: 1024"));
  const std::string list = refusal("pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n    file: a.o\n    attach: count\n");
  EXPECT_THAT(list, StartsWith("line 5:"));
  EXPECT_THAT(list, HasSubstr("must be a list"));
}

TEST(DeployFile, AMissingObjectIsRefusedWithItsLine) {
  FakeKernel fake;
  fake.add_file("/etc/app/deploy.yaml", "pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n    file: missing.o\n");
  Result<std::vector<Deployment>> read = read_deployment_file("/etc/app/deploy.yaml", &fake);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(read.error().message, HasSubstr("line 3"));
  EXPECT_THAT(read.error().message, HasSubstr("/etc/app/missing.o"));
  const std::string no_file = refusal("pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n");
  EXPECT_THAT(no_file, StartsWith("line 3:"));
  EXPECT_THAT(no_file, HasSubstr("needs 'file'"));
}

TEST(DeployFile, AProgramAttachedTwiceToOnePlaceIsRefusedWithBothLines) {
  const std::string message = refusal(
      "pin_dir: /sys/fs/bpf/a\nobjects:\n  - name: a\n    file: a.o\n    attach:\n"
      "      - {program: count, device: eth0}\n      - {program: count, device: eth0}\n");
  EXPECT_THAT(message, StartsWith("line 7:"));
  EXPECT_THAT(message, HasSubstr("first at line 6"));
}

TEST(DeployFile, TwoDeploymentsClaimingOnePinDirectoryAreRefused) {
  const std::string message = refusal(
      "deployments:\n  - pin_dir: /sys/fs/bpf/a\n    objects: [{name: x, file: x.o}]\n"
      "  - pin_dir: /sys/fs/bpf/a/inner\n    objects: [{name: y, file: y.o}]\n");
  EXPECT_THAT(message, StartsWith("line 4:"));
  EXPECT_THAT(message, HasSubstr("claimed by the deployment at line 2"));
}

TEST(DeployFile, NotYamlAndDeepNestingAreRefusedWithALine) {
  EXPECT_THAT(refusal("pin_dir: [unclosed\n"), StartsWith("line "));
  EXPECT_THAT(refusal(std::string(10000, '[')), HasSubstr("nest more than"));
  EXPECT_THAT(refusal("- a\n- b\n"), HasSubstr("must hold a map"));
  EXPECT_THAT(refusal("pin_dir: relative/dir\nobjects: [{name: a, file: a.o}]\n"), StartsWith("line 1:"));
}

TEST(DeployFile, TheKubernetesManifestParses) {
  std::vector<YAML::Node> documents;
  ASSERT_NO_THROW(documents = YAML::LoadAll(docs_file("daemonset.yaml")));
  ASSERT_EQ(documents.size(), 2U);
  EXPECT_EQ(documents[0]["kind"].as<std::string>(), "ConfigMap");
  EXPECT_EQ(documents[1]["kind"].as<std::string>(), "DaemonSet");
  EXPECT_TRUE(documents[1]["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"].as<bool>());
  // The deployment it carries is a valid deployment file.
  Result<std::vector<Deployment>> carried =
      parse_deployments(documents[0]["data"]["deploy.yaml"].as<std::string>(), "/etc/bpfload");
  ASSERT_TRUE(carried.ok()) << carried.error().message;
  EXPECT_EQ(carried->front().pin_dir, "/sys/fs/bpf/node-counters");
}

TEST(DeployFile, TheSystemdUnitPassesSystemdAnalyzeVerify) {
  BPFLOAD_REQUIRE_TOOL_OR_SKIP("systemd-analyze");
  // The unit names /usr/bin/bpfload, which a build tree does not install: point it at the
  // built one for the check.
  std::string unit = docs_file("bpfload-deploy.service");
  ASSERT_FALSE(unit.empty());
  for (size_t at = unit.find("/usr/bin/bpfload"); at != std::string::npos; at = unit.find("/usr/bin/bpfload"))
    unit.replace(at, 16, BPFLOAD_CLI);
  const std::string path = fmt::format("/tmp/bpfload-deploy-test-{}.service", ::getpid());
  {
    std::ofstream out(path);
    out << unit;
  }
  const test::CommandResult result = test::run_command(fmt::format("systemd-analyze verify --man=no {} 2>&1", path));
  std::remove(path.c_str());
  EXPECT_EQ(result.exit_code, 0) << result.out;
}

}  // namespace
}  // namespace bpfload
