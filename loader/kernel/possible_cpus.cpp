// The possible-CPU count, asked of libbpf (which parses /sys/devices/system/cpu/possible
// and caches it): a per-CPU map's values come one per possible CPU, not per online one.
#include <bpf/libbpf.h>

#include <string>

#include "bpfload/kernel.hpp"

namespace bpfload {

Result<unsigned> possible_cpu_count() {
  const int count = libbpf_num_possible_cpus();
  if (count <= 0)
    return make_error(ErrorKind::Io,
                      "cannot read the number of possible CPUs from /sys/devices/system/cpu/possible",
                      -count);
  return static_cast<unsigned>(count);
}

}  // namespace bpfload
