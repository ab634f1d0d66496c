// Parse and link throughput on the objects in bpf_progs/. Pure: needs no privileges.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"

namespace {

std::vector<std::byte> read_object(const std::string& name) {
  std::ifstream in(std::string(BPFLOAD_BPF_PROGS_DIR) + "/" + name, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (size_t i = 0; i < chars.size(); ++i) bytes[i] = std::byte(chars[i]);
  return bytes;
}

void BM_Parse(benchmark::State& state, const char* name) {
  const auto bytes = read_object(name);
  for (auto _ : state) {
    auto spec = bpfload::parse_object(bytes);
    if (!spec.ok()) {
      state.SkipWithError(spec.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(spec);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_ParseAndLink(benchmark::State& state, const char* name) {
  const auto bytes = read_object(name);
  for (auto _ : state) {
    auto spec = bpfload::parse_object(bytes);
    if (!spec.ok()) {
      state.SkipWithError(spec.error().message.c_str());
      return;
    }
    bpfload::MapHandles handles;
    handles.maps.assign(spec->maps.size(), 100);
    handles.data_sections.assign(spec->data_sections.size(), 100);
    for (size_t i = 0; i < spec->programs.size(); ++i) {
      auto linked = bpfload::link_program(*spec, i, handles);
      benchmark::DoNotOptimize(linked);
    }
  }
}

BENCHMARK_CAPTURE(BM_Parse, sample_xdp_legacy, "sample_xdp_legacy.o");
BENCHMARK_CAPTURE(BM_Parse, legacy_iproute2, "legacy_iproute2.o");
BENCHMARK_CAPTURE(BM_Parse, btf_maps, "btf_maps.o");
BENCHMARK_CAPTURE(BM_Parse, verify_large, "verify_large.o");
BENCHMARK_CAPTURE(BM_ParseAndLink, subprog_text, "subprog_text.o");
BENCHMARK_CAPTURE(BM_ParseAndLink, global_data, "global_data.o");

}  // namespace

BENCHMARK_MAIN();
