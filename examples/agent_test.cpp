// How an agent tests its own error handling without privileges, with libbpfload_testing:
// the load runs against a fake kernel, then again with its first map creation refused
// (EPERM, as for a process without CAP_BPF), and the agent's handling is checked: an error
// of kind `kernel` naming the map, and nothing left open behind it.
//
//   c++ -std=c++20 agent_test.cpp $(pkg-config --cflags --libs bpfload_testing) -o agent_test
//   ./agent_test [build/bpf_progs/sample_xdp_legacy.o]       (no root needed)
#include <cerrno>
#include <cstdio>
#include <string>

#include <bpfload/loader.hpp>
#include <bpfload/object_file.hpp>
#include <bpfload/testing.hpp>

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "FAIL: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "build/bpf_progs/sample_xdp_legacy.o";
  auto spec = bpfload::parse_object_file(path);  // the file itself is read from this machine
  if (!spec) return fail("open: " + spec.error().message);

  bpfload::FakeKernel fake;  // maps, programs, pins: all in memory
  bpfload::LoadOptions options;
  options.kernel = &fake;
  {
    auto object = bpfload::load_object(*spec, options);
    if (!object) return fail("load in the fake kernel: " + object.error().message);
    std::printf("loaded into the fake kernel: %zu programs\n", fake.programs().size());
  }

  bpfload::FaultInjectingKernel refusing(fake);
  refusing.fail_nth("map_create", 1, EPERM);
  options.kernel = &refusing;
  auto object = bpfload::load_object(*spec, options);
  if (object) return fail("the load succeeded although map creation was refused");
  const bpfload::Error& error = object.error();
  if (error.kind != bpfload::ErrorKind::Kernel || error.sys_errno != EPERM)
    return fail("unexpected error: " + error.message);
  if (error.message.find("map '") == std::string::npos) return fail("the error names no map: " + error.message);
  if (fake.open_objects() != 0) return fail("the failed load left an fd open");
  std::printf("refused map creation handled: %s\n", error.message.c_str());
  return 0;
}
