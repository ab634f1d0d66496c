// Parse and link time against object size, on generated objects (bench/gen_objects.py
// `standard`: chains of 250 to 250,000 subprograms of 4 instructions, about 1,000 to 1,000,000
// instructions, each with func and line info). Google Benchmark fits the growth
// (Complexity): it should come out O(N). Objects are read from $BPFLOAD_BENCH_OBJECTS
// (default: the build's bench-objects/); a missing one is skipped with a message.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"

namespace {

std::string objects_dir() {
  const char* dir = std::getenv("BPFLOAD_BENCH_OBJECTS");
  return dir != nullptr ? dir : BPFLOAD_BENCH_OBJECTS_DIR;
}

std::vector<std::byte> read_object(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (size_t i = 0; i < chars.size(); ++i) bytes[i] = std::byte(chars[i]);
  return bytes;
}

int64_t instructions(const bpfload::ObjectSpec& spec) {
  int64_t total = 0;
  for (const bpfload::FunctionSpec& function : spec.functions) total += static_cast<int64_t>(function.insns.size());
  return total;
}

void BM_ParseChain(benchmark::State& state) {
  const std::string path = objects_dir() + "/chain_" + std::to_string(state.range(0)) + ".o";
  const auto bytes = read_object(path);
  auto first = bpfload::parse_object(bytes);
  if (!first.ok()) {
    state.SkipWithError((path + ": " + first.error().message + " (run bench/gen_objects.py OUT standard)").c_str());
    return;
  }
  for (auto _ : state) {
    auto spec = bpfload::parse_object(bytes);
    benchmark::DoNotOptimize(spec);
  }
  state.SetComplexityN(instructions(*first));
  state.counters["insns"] = static_cast<double>(instructions(*first));
}

void BM_LinkChain(benchmark::State& state) {
  const std::string path = objects_dir() + "/chain_" + std::to_string(state.range(0)) + ".o";
  auto spec = bpfload::parse_object(read_object(path));
  if (!spec.ok()) {
    state.SkipWithError((path + ": " + spec.error().message + " (run bench/gen_objects.py OUT standard)").c_str());
    return;
  }
  bpfload::MapHandles handles;
  handles.maps.assign(spec->maps.size(), 100);
  handles.data_sections.assign(spec->data_sections.size(), 100);
  for (auto _ : state) {
    for (size_t i = 0; i < spec->programs.size(); ++i) {
      auto linked = bpfload::link_program(*spec, i, handles);
      benchmark::DoNotOptimize(linked);
    }
  }
  state.SetComplexityN(instructions(*spec));
  state.counters["insns"] = static_cast<double>(instructions(*spec));
}

// The shapes that were quadratic (bench/gen_objects.py chain, globals, maprelocs); the
// goal is each under 1 s.
void BM_ParseObject(benchmark::State& state, const char* name) {
  const std::string path = objects_dir() + "/" + name;
  const auto bytes = read_object(path);
  auto first = bpfload::parse_object(bytes);
  if (!first.ok()) {
    state.SkipWithError((path + ": " + first.error().message + " (run bench/side-by-side once)").c_str());
    return;
  }
  for (auto _ : state) {
    auto spec = bpfload::parse_object(bytes);
    benchmark::DoNotOptimize(spec);
  }
  state.counters["insns"] = static_cast<double>(instructions(*first));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

BENCHMARK_CAPTURE(BM_ParseObject, chain_100000, "chain_100000.o")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseObject, globals_30000, "globals_30000.o")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseObject, maprelocs_4096m_1000000r, "maprelocs_4096m_1000000r.o")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseChain)->Arg(250)->Arg(2500)->Arg(25000)->Arg(250000)->Complexity()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LinkChain)->Arg(250)->Arg(2500)->Arg(25000)->Arg(250000)->Complexity()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
