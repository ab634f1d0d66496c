// End-to-end load time (parse, create maps, link, verify, close) against the running
// kernel, serial versus parallel verification. Needs root (or CAP_BPF).
#include <benchmark/benchmark.h>

#include <string>

#include "bpfload/object_file.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"

namespace {

void BM_Load(benchmark::State& state, const char* name) {
  const std::string path = std::string(BPFLOAD_BPF_PROGS_DIR) + "/" + name;
  auto spec = bpfload::parse_object_file(path);
  if (!spec.ok()) {
    state.SkipWithError(spec.error().message.c_str());
    return;
  }
  bpfload::LoadOptions options;
  options.parallelism = static_cast<unsigned>(state.range(0));
  options.object_id = "bench";
  for (auto _ : state) {
    auto loaded = bpfload::load_object(*spec, options);
    if (!loaded.ok()) {
      state.SkipWithError(loaded.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
}

BENCHMARK_CAPTURE(BM_Load, sample_xdp_legacy, "sample_xdp_legacy.o")->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Load, multi_prog_section, "multi_prog_section.o")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Load, btf_maps, "btf_maps.o")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
