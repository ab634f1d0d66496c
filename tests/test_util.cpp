#include "test_util.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace bpfload::test {

std::string bpf_object(const std::string& file_name) {
  return std::string(BPFLOAD_BPF_PROGS_DIR) + "/" + file_name;
}

std::vector<std::string> all_bpf_objects() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(BPFLOAD_BPF_PROGS_DIR)) {
    if (entry.path().extension() == ".o") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

ParseOptions parse_options_for(const std::string& path) {
  ParseOptions options;
  const std::string file = std::filesystem::path(path).filename().string();
  if (file.starts_with("quirk_unknown_sections.")) options.default_program_type = "sched_cls";
  if (file.starts_with("quirk_glob_sections.")) options.program_types["cls-*"] = "sched_cls";
  if (file.starts_with("quirk_stray_inner_idx.")) options.ignore_stray_inner_map_idx = true;
  // tc's sections say no type (tc made every one sched_cls); the drop-in says it, so do we.
  if (file.starts_with("attach_net_legacy."))
    options.program_types = {{"ingress", "sched_cls"}, {"egress", "sched_cls"}};
  return options;
}

std::string cli_options_for(const std::string& path) {
  const std::string file = std::filesystem::path(path).filename().string();
  if (file.starts_with("quirk_unknown_sections.")) return "--default-type sched_cls";
  if (file.starts_with("quirk_glob_sections.")) return "--type 'cls-*=sched_cls'";
  if (file.starts_with("quirk_stray_inner_idx.")) return "--ignore-inner-map-idx";
  if (file.starts_with("attach_net_legacy.")) return "--type ingress=sched_cls --type egress=sched_cls";
  return "";
}

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(), [](char c) { return std::byte(c); });
  return bytes;
}

size_t open_fd_count() {
  size_t count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the DIR's own descriptor
}

TempBpffsDir::TempBpffsDir() {
  static std::atomic<unsigned> counter{0};
  path_ = "/sys/fs/bpf/bpfload-test-" + std::to_string(getpid()) + "-" +
          std::to_string(counter.fetch_add(1));
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
  std::filesystem::create_directories(path_, ignored);
}

TempBpffsDir::~TempBpffsDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  char err_template[] = "/tmp/bpfload-test-stderr-XXXXXX";
  const int err_fd = mkstemp(err_template);
  const std::string full = command + " 2>" + err_template;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (err_fd >= 0) {
    std::ifstream err_in(err_template);
    result.err.assign(std::istreambuf_iterator<char>(err_in), std::istreambuf_iterator<char>());
    close(err_fd);
    unlink(err_template);
  }
  return result;
}

}  // namespace bpfload::test
