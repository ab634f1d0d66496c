// libFuzzer target over `--btf FILE`: the file a user names as the kernel's BTF (raw BTF,
// or an ELF with .BTF such as BTFHub's), read through the seam from a fake filesystem,
// then every CO-RE relocation of the objects named in BPFLOAD_FUZZ_CORE_OBJECTS
// (colon-separated; tools/fuzz names the CO-RE test objects) resolved against it. The
// candidate search and member matching run on hostile types: fan-out, cycles, deep
// nesting and wrong sizes must end, in time linear in the file, as a value or an Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/core_relocate.hpp"
#include "bpfload/kernel_btf.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/testing/fake_kernel.hpp"

namespace {

std::vector<bpfload::ObjectSpec>& core_objects() {
  static std::vector<bpfload::ObjectSpec> objects;
  return objects;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* list = std::getenv("BPFLOAD_FUZZ_CORE_OBJECTS");
  if (list == nullptr) return 0;
  std::string_view rest(list);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string path(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (path.empty()) continue;
    auto spec = bpfload::parse_object_file(path);
    if (spec.ok() && spec->btf != nullptr) core_objects().push_back(std::move(*spec));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kPath = "/tmp/target.btf";
  bpfload::FakeKernel kernel;
  kernel.add_file(kPath, std::string(reinterpret_cast<const char*>(data), size));
  auto target = bpfload::read_target_btf(kernel, kPath);
  if (!target.ok()) return 0;
  for (const bpfload::ObjectSpec& spec : core_objects()) (void)bpfload::relocate_core(spec, **target);
  return 0;
}
