// Speed of the structural walk (parse_file_layout + walk_region) on real files, against a
// memcpy of the same bytes measured in the same run (PERFORMANCE.md: report ratios, not
// absolute times; these machines are shared and noisy). Run: scripts/compactfuzz build
// --preset release && build/release/bin/walk_bench
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/region_walker.h"
#include "testsupport/corpus.h"
#include "testsupport/bench_main.h"

namespace {

const char* const k_files[] = {
    "sebastian-griego__pgraph/.lake__build__lib__Main.olean",  // v1, 329 KB, mpz
    ("heartpunk__learnability/.lake__packages__batteries__.lake__build__lib__lean__Batteries__Data__Random__"
     "MersenneTwister.olean.private"),  // v2, 293 KB, chain part (one name, split)
    "cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean",  // 1.2 KB
};

std::vector<uint8_t> load(const char* rel) { return cf::testsupport::read_corpus_file(rel); }

void BM_Walk(benchmark::State& state) {
  const auto file = load(k_files[state.range(0)]);
  for (auto _ : state) {
    auto h = cf::parse_file_layout(file, {});
    if (!h) state.SkipWithError("header rejected");
    auto s = cf::walk_region(file, h.value(), {});
    if (!s) state.SkipWithError("walk rejected");
    benchmark::DoNotOptimize(s->objects);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file.size()));
}

void BM_MemcpyBaseline(benchmark::State& state) {
  const auto file = load(k_files[state.range(0)]);
  std::vector<uint8_t> dst(file.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), file.data(), file.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file.size()));
}

BENCHMARK(BM_Walk)->DenseRange(0, 2);
BENCHMARK(BM_MemcpyBaseline)->DenseRange(0, 2);

}  // namespace

CF_BENCHMARK_MAIN()
