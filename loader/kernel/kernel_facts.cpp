// /proc/config.gz (zlib) or /boot/config-*, uname and kallsyms: what .kconfig externs read.
#include "bpfload/kernel_facts.hpp"

#include <zlib.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

namespace bpfload {
namespace {

// nullopt: no such file; an error: there but unreadable.
Result<std::optional<std::string>> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return std::optional<std::string>{};
  std::string text;
  char buffer[16384];
  int got = 0;
  while ((got = gzread(file, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(got));
  int error = Z_OK;
  const char* message = gzerror(file, &error);
  gzclose(file);
  if (got < 0 || (error != Z_OK && error != Z_STREAM_END))
    return make_error(ErrorKind::Io, fmt::format("reading '{}': {}", path, message != nullptr ? message : "zlib error"));
  return std::optional(std::move(text));
}

bool kallsyms_has_syscall_wrapper() {
  std::ifstream kallsyms("/proc/kallsyms");
  std::string line;
  while (std::getline(kallsyms, line)) {
    if (line.ends_with(" __x64_sys_bpf") || line.ends_with(" __arm64_sys_bpf") || line.ends_with(" __s390x_sys_bpf"))
      return true;
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> parse_kernel_config(std::string_view text) {
  std::map<std::string, std::string> config;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos || !line.starts_with("CONFIG_")) continue;
    config.emplace(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
  }
  return config;
}

Result<KernelFacts> read_kernel_facts(System& system) {
  Result<std::string> release = system.kernel_release();
  if (!release.ok()) return std::move(release).error();
  Result<uint32_t> version = kernel_version_code(*release);
  if (!version.ok()) return std::move(version).error();
  KernelFacts facts;
  facts.version_code = *version;
  facts.has_bpf_cookie = *version >= ((5u << 16) | (15u << 8));
  facts.has_syscall_wrapper = kallsyms_has_syscall_wrapper();
  // gzopen reads plain files too, so one reader serves both places.
  for (const std::string& path : {std::string("/proc/config.gz"), "/boot/config-" + *release}) {
    Result<std::optional<std::string>> text = read_gzip(path);
    if (!text.ok()) return std::move(text).error();
    if (!text->has_value()) continue;
    facts.config = parse_kernel_config(**text);
    break;
  }
  return facts;
}

}  // namespace bpfload
