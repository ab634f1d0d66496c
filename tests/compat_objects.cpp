#include "compat_objects.hpp"

#include <filesystem>

#include <gtest/gtest.h>

namespace bpfload::test {

std::vector<std::string> compat_object_builds(const std::string& name) {
  std::vector<std::string> paths;
  for (const char* suffix : {".o", ".clang19.o"}) {
    const std::string path = std::string(BPFLOAD_COMPAT_OBJECTS_DIR) + "/" + name + suffix;
    if (std::filesystem::exists(path)) paths.push_back(path);
  }
  EXPECT_FALSE(paths.empty()) << "no build of bpf_progs/compat/" << name << ".bpf.c in " << BPFLOAD_COMPAT_OBJECTS_DIR;
#if BPFLOAD_COMPAT_CLANG19
  EXPECT_TRUE(std::filesystem::exists(std::string(BPFLOAD_COMPAT_OBJECTS_DIR) + "/" + name + ".clang19.o"))
      << name << ": clang-19 is installed but its build is missing";
#endif
  return paths;
}

std::string compat_compiler_of(const std::string& path) {
  return path.ends_with(".clang19.o") ? "clang 19" : "clang 14";
}

}  // namespace bpfload::test
