// /proc/config.gz (zlib) or /boot/config-*, uname and kallsyms: what .kconfig externs
// read, all through the Kernel seam.
#include "bpfload/kernel_facts.hpp"

#include <zlib.h>

#include <cerrno>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bpfload/kallsyms.hpp"

namespace bpfload {
namespace {

/// Kernel configurations are a few hundred KiB; these bounds only stop a hostile file.
constexpr uint64_t kMaxConfigFileBytes = uint64_t{16} << 20;
constexpr size_t kMaxConfigTextBytes = size_t{64} << 20;

Result<std::string> gunzip(std::span<const std::byte> bytes, const std::string& path) {
  z_stream stream {};
  // 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
    return make_error(ErrorKind::Io, fmt::format("reading '{}': zlib cannot start", path));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string text;
  char buffer[16384];
  int ret = Z_OK;
  while (ret != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    ret = inflate(&stream, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END) {
      const std::string why = stream.msg != nullptr ? stream.msg : "truncated or not gzip";
      inflateEnd(&stream);
      return make_error(ErrorKind::Io, fmt::format("reading '{}': {}", path, why));
    }
    text.append(buffer, sizeof(buffer) - stream.avail_out);
    if (text.size() > kMaxConfigTextBytes) {
      inflateEnd(&stream);
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format("'{}' decompresses to more than {} bytes: not a kernel configuration", path,
                                    kMaxConfigTextBytes));
    }
  }
  inflateEnd(&stream);
  return text;
}

// nullopt: no such file; an error: there but unreadable.
Result<std::optional<std::string>> read_config(Kernel& kernel, const std::string& path) {
  Result<std::vector<std::byte>> bytes = kernel.read_file(path, kMaxConfigFileBytes);
  if (!bytes.ok()) {
    if (bytes.error().sys_errno == ENOENT) return std::optional<std::string>{};
    return std::move(bytes).error();
  }
  const bool gzip = bytes->size() >= 2 && (*bytes)[0] == std::byte{0x1f} && (*bytes)[1] == std::byte{0x8b};
  if (!gzip) return std::optional(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  Result<std::string> text = gunzip(*bytes, path);
  if (!text.ok()) return std::move(text).error();
  return std::optional(std::move(*text));
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

Result<KernelFacts> read_kernel_facts(Kernel& kernel, const std::string& kallsyms_path) {
  Result<std::string> release = kernel.kernel_release();
  if (!release.ok()) return std::move(release).error();
  Result<uint32_t> version = kernel_version_code(*release);
  if (!version.ok()) return std::move(version).error();
  KernelFacts facts;
  facts.version_code = *version;
  facts.has_bpf_cookie = *version >= ((5u << 16) | (15u << 8));
  // The same bounded reader as untyped ksyms; a kallsyms that cannot be read (hidden,
  // absent) only means the wrapper is not known to be there.
  Result<KernelSymbols> wrappers =
      read_kallsyms(kernel, {"__x64_sys_bpf", "__arm64_sys_bpf", "__s390x_sys_bpf"}, kallsyms_path);
  facts.has_syscall_wrapper = wrappers.ok() && !wrappers->addresses.empty();
  for (const std::string& path : {std::string("/proc/config.gz"), "/boot/config-" + *release}) {
    Result<std::optional<std::string>> text = read_config(kernel, path);
    if (!text.ok()) return std::move(text).error();
    if (!text->has_value()) continue;
    facts.config = parse_kernel_config(**text);
    break;
  }
  return facts;
}

}  // namespace bpfload
