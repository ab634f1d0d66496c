// A minimal agent in C++: loads a legacy XDP object, runs its program on a test frame,
// reads the per-CPU counter it keeps, by name, and shows the error for a map the object
// does not have.
//
//   c++ -std=c++20 agent.cpp $(pkg-config --cflags --libs bpfload) -o agent++
//   sudo ./agent++ [build/bpf_progs/sample_xdp_legacy.o]
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>

#include <bpfload/loader.hpp>
#include <bpfload/map.hpp>
#include <bpfload/object_file.hpp>
#include <bpfload/parse.hpp>

namespace {

int report(const char* what, const bpfload::Error& error) {
  std::fprintf(stderr, "%s failed (%s, errno %d): %s\n", what, std::string(bpfload::to_string(error.kind)).c_str(),
               error.sys_errno, error.message.c_str());
  if (!error.verifier_log.empty()) std::fprintf(stderr, "verifier log:\n%s\n", error.verifier_log.c_str());
  return 1;
}

/// Ethernet + IPv4 header of a UDP packet, enough for xdp_proto_count to count it.
std::array<std::byte, 64> udp_frame() {
  std::array<std::byte, 64> frame{};
  frame[12] = std::byte{0x08};  // h_proto ETH_P_IP
  frame[14] = std::byte{0x45};  // IPv4, 20-byte header
  frame[23] = std::byte{17};    // protocol UDP
  return frame;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "build/bpf_progs/sample_xdp_legacy.o";
  auto spec = bpfload::parse_object_file(path);
  if (!spec) return report("open", spec.error());
  auto object = bpfload::load_object(*spec, bpfload::LoadOptions{});
  if (!object) return report("load", object.error());

  const auto frame = udp_frame();
  auto ran = bpfload::test_run(*object, "xdp_proto_count", frame, 3);
  if (!ran) return report("test run", ran.error());
  std::printf("xdp_proto_count ran 3 times, returned %u (XDP_PASS is 2)\n", ran->retval);

  auto rxcnt = bpfload::map_of(*object, "rxcnt");
  if (!rxcnt) return report("map", rxcnt.error());
  auto per_cpu = rxcnt->lookup_per_cpu<uint32_t, uint64_t>(17);  // one value per possible CPU
  if (!per_cpu) return report("lookup", per_cpu.error());
  const uint64_t total = per_cpu->has_value() ? std::accumulate((*per_cpu)->begin(), (*per_cpu)->end(), uint64_t{0}) : 0;
  std::printf("rxcnt[17] (UDP) = %llu packets over %u possible CPUs\n", static_cast<unsigned long long>(total),
              rxcnt->value_count());

  // A name the object does not have is an error value, not an fd of -1.
  auto missing = bpfload::map_of(*object, "nosuch");
  if (!missing)
    std::printf("map 'nosuch': %s: %s\n", std::string(bpfload::to_string(missing.error().kind)).c_str(),
                missing.error().message.c_str());
  return 0;
}
