// Reading the BTF that CO-RE and attach targets resolve against: the running kernel's
// (vmlinux, then every module's split BTF beside it) or a file the user names. The bytes
// come through the Kernel seam's one file reader; libbpf only parses them.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "bpfload/kernel_btf.hpp"
#include "btf_layout.hpp"
#include "elf_binary.hpp"

namespace bpfload {
namespace {

constexpr const char* kSysBtf = "/sys/kernel/btf";
/// A vmlinux ELF with its debug information can be hundreds of MiB; its .BTF a few.
constexpr uint64_t kMaxBtfFileBytes = uint64_t{1} << 30;

Error missing(const std::string& path, int err) {
  return make_error(ErrorKind::NotFound,
                    fmt::format("BTF '{}' does not exist; this kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF): give "
                                "one with --btf PATH (e.g. from BTFHub)",
                                path),
                    err);
}

Error unparsable(const std::string& path, int err) {
  return make_error(ErrorKind::Malformed, fmt::format("BTF '{}': libbpf cannot parse it: {}", path, std::strerror(err)),
                    err);
}

/// The raw BTF in `bytes`: the file itself, or its .BTF section when it is an ELF file.
Result<std::span<const std::byte>> raw_btf(std::span<const std::byte> bytes, const std::string& path) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) return bytes;
  Result<std::span<const std::byte>> section = elf::binary_section(bytes, ".BTF");
  if (!section.ok()) return std::move(section).error().with_context(fmt::format("BTF '{}'", path));
  return *section;
}

/// Split BTF on `base` from bytes in memory. libbpf 1.1 (Debian 12) has no
/// btf__new_split, only btf__parse_raw_split(path): the bytes go through an anonymous
/// memory file, which touches no filesystem, so nothing is read past the seam.
struct btf* new_split(std::span<const std::byte> bytes, struct btf* base) {
  const Fd memory(::memfd_create("bpfload-split-btf", MFD_CLOEXEC));
  if (!memory.valid()) return nullptr;
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(memory.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
    written += static_cast<size_t>(n);
  }
  return btf__parse_raw_split(fmt::format("/proc/self/fd/{}", memory.get()).c_str(), base);
}

Result<BtfHandle> parse(std::span<const std::byte> bytes, const std::string& path, const struct btf* base) {
  if (bytes.size() > UINT32_MAX) return unparsable(path, E2BIG);
  if (auto misaligned = misaligned_btf_types(bytes))
    return make_error(ErrorKind::Malformed,
                      fmt::format("BTF '{}': its types start at byte {}, not a multiple of 4 (header length plus "
                                  "type offset); give a BTF file as pahole or bpftool write it",
                                  path, *misaligned),
                      EINVAL);
  errno = 0;
  struct btf* btf = base == nullptr ? btf__new(bytes.data(), static_cast<uint32_t>(bytes.size()))
                                    : new_split(bytes, const_cast<struct btf*>(base));
  if (btf == nullptr) return unparsable(path, errno != 0 ? errno : EINVAL);
  return BtfHandle(btf);
}

}  // namespace

Result<std::shared_ptr<const TargetBtf>> read_target_btf(Kernel& kernel, const std::string& path) try {
  auto target = std::make_shared<TargetBtf>();
  const bool running = path.empty();
  target->origin = running ? std::string(kSysBtf) + "/vmlinux" : path;
  Result<std::vector<std::byte>> bytes = kernel.read_file(target->origin, kMaxBtfFileBytes);
  if (!bytes.ok()) {
    if (bytes.error().sys_errno == ENOENT) return missing(target->origin, ENOENT);
    return std::move(bytes).error().with_context(fmt::format("BTF '{}'", target->origin));
  }
  Result<std::span<const std::byte>> raw = raw_btf(*bytes, target->origin);
  if (!raw.ok()) return std::move(raw).error();
  Result<BtfHandle> vmlinux = parse(*raw, target->origin, nullptr);
  if (!vmlinux.ok()) return std::move(vmlinux).error();
  target->vmlinux = std::move(*vmlinux);
  if (!running) return std::shared_ptr<const TargetBtf>(std::move(target));
  Result<std::vector<DirectoryEntry>> entries = kernel.list_directory(kSysBtf);
  if (!entries.ok()) return std::shared_ptr<const TargetBtf>(std::move(target));
  for (const DirectoryEntry& entry : *entries) {  // sorted: a stable order keeps decisions deterministic
    if (entry.name == "vmlinux") continue;
    const std::string module_path = fmt::format("{}/{}", kSysBtf, entry.name);
    // A module unloaded meanwhile, or one whose BTF libbpf refuses, only costs its types.
    Result<std::vector<std::byte>> module_bytes = kernel.read_file(module_path, kMaxBtfFileBytes);
    if (!module_bytes.ok()) continue;
    Result<BtfHandle> module = parse(*module_bytes, module_path, target->vmlinux.get());
    if (!module.ok()) continue;
    target->modules.push_back({entry.name, std::move(*module)});
  }
  return std::shared_ptr<const TargetBtf>(std::move(target));
} catch (const std::bad_alloc&) {
  return out_of_memory_error("reading the kernel's BTF");
}

}  // namespace bpfload
