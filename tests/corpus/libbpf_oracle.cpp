#include "libbpf_oracle.hpp"

#include <cerrno>
#include <cstring>

#include <bpf/libbpf.h>

namespace bpfload::test {
namespace {

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

std::vector<std::string> program_names(bpf_object* object) {
  std::vector<std::string> names;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, object) names.emplace_back(bpf_program__name(program));
  return names;
}

bool loads_alone(const std::string& path, const std::string& wanted) {
  bpf_object* object = bpf_object__open_file(path.c_str(), nullptr);
  if (object == nullptr) return false;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, object) {
    (void)bpf_program__set_autoload(program, wanted == bpf_program__name(program));
  }
  const int err = bpf_object__load(object);
  bpf_object__close(object);
  return err == 0;
}

}  // namespace

LibbpfVerdict programs_libbpf_loads(const std::string& path) {
  const libbpf_print_fn_t previous = libbpf_set_print(quiet);
  LibbpfVerdict verdict;
  bpf_object* object = bpf_object__open_file(path.c_str(), nullptr);
  if (object == nullptr) {
    verdict.open_error = std::strerror(errno);
    libbpf_set_print(previous);
    return verdict;
  }
  verdict.programs = program_names(object);
  bpf_object__close(object);
  for (const std::string& name : verdict.programs) {
    if (loads_alone(path, name)) verdict.loaded.insert(name);
  }
  libbpf_set_print(previous);
  return verdict;
}

}  // namespace bpfload::test
