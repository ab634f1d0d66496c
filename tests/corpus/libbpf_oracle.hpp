// libbpf as the oracle for "bpfload loads what libbpf loads": which programs of an object
// libbpf's own loader (bpf_object__open_file + bpf_object__load) loads on this kernel.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace bpfload::test {

/// What libbpf made of an object.
struct LibbpfVerdict {
  std::vector<std::string> programs;  ///< every program libbpf found, in its order
  std::set<std::string> loaded;       ///< those it loads when it loads that program alone
  std::string open_error;             ///< non-empty when bpf_object__open_file failed
};

/// Loads each program of `path` alone (the others' autoload off), once per program, so
/// one program the kernel refuses does not hide the rest, as libbpf-tools' callers do
/// when they turn programs off for old kernels. libbpf's own messages are silenced.
LibbpfVerdict programs_libbpf_loads(const std::string& path);

}  // namespace bpfload::test
