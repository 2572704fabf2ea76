// Compaction throughput of both strategies (core/compactor.h) on generated heaps shaped like
// real .olean graphs, beside memcpy of the output size measured in the same run (the machine
// is shared and noisy: compare ratios within one run). Results: docs/performance.md.
//
// Graphs (built once per size, outside the timing):
//  - Shaped/N: N heap objects, about 75 % constructors (2-4 fields, 10 % with an 8-byte scalar
//    area), 15 % strings (8-40 bytes), 5 % arrays (1-8 elements), 5 % byte arrays, as in
//    PERFORMANCE.md's upstream measurement. 15 % of fields are boxed scalars; pointers go 70 %
//    to the last 16 objects, 20 % to the last 1,024 and 10 % anywhere earlier, but never to an
//    object 2,000 levels deep (real files reach 3,043), so the recursive strategy's default
//    budget holds. Strings are drawn from a pool of N/4, so some objects are structurally equal.
//    The root is an array of every object nothing references.
//  - Duplicated/N: N/5 objects built as above, then the same structure built four more times
//    (fresh heap objects): max sharing folds about 80 % of the input away.
// Sizes: 40 objects (a 1-2 KB file: PERFORMANCE.md's small-file goal), 100k, 1M, 4M.
// Counters: items = input objects; bytes = output bytes; out_MiB, emitted, shared.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/heap.h"
#include "core/placement.h"
#include "testsupport/bench_main.h"

namespace {

constexpr uint64_t k_base = cf::placement::test_base(9);
constexpr uint32_t k_max_depth = 2000;

struct Graph {
  cf::Heap heap;
  uint64_t root = 0;
  uint64_t objects = 0;
};

// Builds `n` objects; with copies > 1 the same random choices are replayed copies times.
std::unique_ptr<Graph> build(uint64_t n, int copies) {
  auto g = std::make_unique<Graph>();
  const uint64_t per = n / static_cast<uint64_t>(copies);
  std::vector<uint64_t> roots;
  std::vector<std::string> pool;
  for (int copy = 0; copy < copies; ++copy) {
    std::mt19937_64 rng(0xc0ffee);  // same seed per copy: the same structure again
    auto uni = [&](uint64_t k) { return std::uniform_int_distribution<uint64_t>(0, k - 1)(rng); };
    if (pool.empty()) {  // its own generator, so every copy replays the same choices below
      std::mt19937_64 prng(0x5eed);
      auto puni = [&](uint64_t k) { return std::uniform_int_distribution<uint64_t>(0, k - 1)(prng); };
      for (uint64_t i = 0; i < std::max<uint64_t>(1, per / 4); ++i) {
        std::string s(8 + puni(33), 'a');
        for (auto& c : s) c = static_cast<char>('a' + puni(26));
        pool.push_back(std::move(s));
      }
    }
    std::vector<uint64_t> addr;
    std::vector<uint32_t> depth;
    std::vector<bool> referenced;
    addr.reserve(per), depth.reserve(per), referenced.reserve(per);
    auto field = [&](uint32_t* d) -> uint64_t {
      const uint64_t m = addr.size();
      if (m == 0 || uni(100) < 15) return (uni(1000) << 1) | 1;
      const uint64_t r = uni(100);
      const uint64_t back = r < 70 ? 1 + uni(std::min<uint64_t>(m, 16))
                            : r < 90 ? 1 + uni(std::min<uint64_t>(m, 1024))
                                     : 1 + uni(m);
      const uint64_t i = m - back;
      if (depth[i] >= k_max_depth) return (uni(1000) << 1) | 1;
      referenced[i] = true;
      *d = std::max(*d, depth[i] + 1);
      return addr[i];
    };
    std::vector<uint64_t> fields;
    std::vector<uint8_t> bytes;
    for (uint64_t k = 0; k < per; ++k) {
      const uint64_t r = uni(100);
      uint32_t d = 1;
      uint64_t a;
      if (r < 75) {
        fields.resize(2 + uni(3));
        for (auto& f : fields) f = field(&d);
        bytes.assign(uni(10) == 0 ? 8 : 0, static_cast<uint8_t>(uni(256)));
        a = g->heap.ctor(static_cast<uint8_t>(uni(12)), fields, bytes);
      } else if (r < 90) {
        a = g->heap.string(pool[uni(pool.size())]);
      } else if (r < 95) {
        fields.resize(1 + uni(8));
        for (auto& f : fields) f = field(&d);
        a = g->heap.array(fields);
      } else {
        bytes.resize(4 + uni(61));
        for (auto& b : bytes) b = static_cast<uint8_t>(uni(256));
        a = g->heap.sarray(1, bytes);
      }
      addr.push_back(a), depth.push_back(d), referenced.push_back(false);
    }
    for (uint64_t i = 0; i < addr.size(); ++i)
      if (!referenced[i]) roots.push_back(addr[i]);
    g->objects += addr.size();
  }
  g->root = g->heap.array(roots);
  g->objects += 1;
  return g;
}

const Graph& graph(uint64_t n, bool duplicated) {
  static std::map<std::pair<uint64_t, bool>, std::unique_ptr<Graph>> cache;
  auto& slot = cache[{n, duplicated}];
  if (!slot) slot = build(n, duplicated ? 5 : 1);
  return *slot;
}

void run(benchmark::State& state, bool duplicated, cf::Strategy strategy) {
  const Graph& g = graph(static_cast<uint64_t>(state.range(0)), duplicated);
  cf::CompactorOptions o;
  o.strategy = strategy;
  o.base_addr = k_base;
  uint64_t out = 0, emitted = 0, shared = 0;
  for (auto _ : state) {
    cf::Compactor c(o);
    auto r = c.save(g.root);
    if (!r) {
      state.SkipWithError(r.error().describe().c_str());
      break;
    }
    out = r->size();
    emitted = c.stats().emitted;
    shared = c.stats().shared;
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * g.objects));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out));
  state.counters["out_MiB"] = static_cast<double>(out) / 1048576.0;
  state.counters["emitted"] = static_cast<double>(emitted);
  state.counters["shared"] = static_cast<double>(shared);
}

// memcpy of as many bytes as the shaped (or duplicated) graph's output.
void run_memcpy(benchmark::State& state, bool duplicated) {
  const Graph& g = graph(static_cast<uint64_t>(state.range(0)), duplicated);
  cf::CompactorOptions o;
  o.base_addr = k_base;
  auto r = cf::compact(g.root, o);
  if (!r) {
    state.SkipWithError(r.error().describe().c_str());
    return;
  }
  std::vector<uint8_t> dst(r->size());
  for (auto _ : state) {
    std::memcpy(dst.data(), r->data(), r->size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * r->size()));
}

void BM_ShapedWorklist(benchmark::State& s) { run(s, false, cf::Strategy::worklist); }
void BM_ShapedRecursive(benchmark::State& s) { run(s, false, cf::Strategy::recursive); }
void BM_ShapedMemcpy(benchmark::State& s) { run_memcpy(s, false); }
void BM_DuplicatedWorklist(benchmark::State& s) { run(s, true, cf::Strategy::worklist); }
void BM_DuplicatedRecursive(benchmark::State& s) { run(s, true, cf::Strategy::recursive); }
void BM_DuplicatedMemcpy(benchmark::State& s) { run_memcpy(s, true); }

#define CF_SIZES Arg(40)->Arg(100'000)->Arg(1'000'000)->Arg(4'000'000)->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_ShapedWorklist)->CF_SIZES;
BENCHMARK(BM_ShapedRecursive)->CF_SIZES;
BENCHMARK(BM_ShapedMemcpy)->CF_SIZES;
BENCHMARK(BM_DuplicatedWorklist)->CF_SIZES;
BENCHMARK(BM_DuplicatedRecursive)->CF_SIZES;
BENCHMARK(BM_DuplicatedMemcpy)->CF_SIZES;

}  // namespace

CF_BENCHMARK_MAIN()
