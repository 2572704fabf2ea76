// Load throughput of the reference loader (core/region.h) against two baselines measured in the
// same run on the same bytes: read() of the whole file into a preallocated buffer
// (open/read/close each iteration) and memcpy of the bytes already in memory. PERFORMANCE.md:
// these machines are shared and noisy, so compare ratios within one run, never across runs.
// Results and ratios: docs/performance.md.
//
// Inputs
//  - Synth*: one generated .olean-shaped region (default 288 MiB; CF_LOAD_BENCH_MB overrides),
//    written once to $TMPDIR (else /tmp) on first use and removed at exit. Built with
//    testsupport/region_forger.h: ~75 % ctors (2-4 fields, mostly pointing at recent earlier
//    objects, so the graph is a heavily shared DAG), 15 % strings (8-40 bytes), 5 % arrays (1-8
//    elements), 5 % byte arrays; the root, the last object, is an Array of every object nothing
//    else references, so the file passes the canonical (Tier C) checks: every load below runs
//    with the default LoadOptions::canonical = true.
//  - Corpus*: every file of corpus/real per iteration: the .olean/.olean.server/.olean.private
//    chains through load_parts, every other file alone, each unit destroyed before the next (so
//    files that share a base address all get it). Bytes = the sum of all file sizes.
//
// Loads
//  - FastNoValidate: LoadOptions{.path = fast, .validate = false}: mmap at the saved base, nothing
//    walked (upstream's O(1) fast path).
//  - FastValidate:   LoadOptions{.path = fast}: mapped at the base, then the full validating walk.
//  - Slow:           LoadOptions{.path = slow}: malloc + read + validate + relocate.
//  Every iteration constructs and destroys its Region(s) (munmap/free are inside the timing): a
//  second load of a file while the first is alive would miss its base. A fast benchmark that did
//  not get the fast path stops with SkipWithError; counter fast_path is the fraction of files
//  that were mapped at their base.
//
// Breakdown (not baselines, used to explain where the slow path's time goes):
//  - SynthReadFreshMalloc: malloc + read + free per iteration (the slow path's I/O incl. faults).
//  - SynthWalk:            parse_file_layout + walk_region with the loader's walk options on
//                          bytes already in memory (validation alone).
//
// Run: cmake --preset release && cmake --build --preset release --target load_bench &&
//      build/release/bin/load_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/io.h"
#include "core/module_parts.h"
#include "core/placement.h"
#include "core/region.h"
#include "core/region_walker.h"
#include "testsupport/files.h"
#include "testsupport/bench_main.h"
#include "testsupport/region_forger.h"

namespace {

namespace fs = std::filesystem;

constexpr uint64_t k_synth_base = cf::placement::test_base(8);

// ---------------------------------------------------------------------------------------------
// Plain file helpers (the baselines use the raw system calls, not cf::Io).

// open + read the whole file into buf + close; returns bytes read or -1.
int64_t read_whole(const char* path, uint8_t* buf, size_t cap) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got < cap) {
    const ssize_t n = ::read(fd, buf + got, cap - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return -1;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return static_cast<int64_t>(got);
}

// ---------------------------------------------------------------------------------------------
// The synthetic region.

struct SynthFile {
  std::string path;
  std::vector<uint8_t> bytes;  // the same bytes, in memory (memcpy baseline, walk breakdown)
  uint64_t objects = 0;
  uint64_t root_elems = 0;
};

std::string g_synth_path;  // removed at exit when set

std::vector<uint8_t> build_synth(uint64_t target_bytes, uint64_t* objects_out, uint64_t* root_elems_out) {
  cf::testsupport::RegionForger b(cf::Format::v2, k_synth_base);
  b.data().reserve(target_bytes + (64u << 20));
  std::mt19937_64 rng(0x5eed);
  auto uni = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  std::vector<uint64_t> addr;  // object number -> logical address
  std::vector<bool> referenced;
  addr.reserve(target_bytes / 32);
  referenced.reserve(target_bytes / 32);

  // A field: a boxed scalar (15 %) or a pointer to an earlier object, usually a recent one
  // (sharing, long spines), sometimes anywhere earlier.
  // Of the pointers: (80 - far) % into the last 16 objects, 20 % into the last 1024, far % anywhere
  // earlier (CF_LOAD_BENCH_FAR_PCT, default 10, at most 80).
  uint64_t far = 10;
  if (const char* e = std::getenv("CF_LOAD_BENCH_FAR_PCT")) far = std::min<uint64_t>(80, std::strtoull(e, nullptr, 10));
  auto field = [&]() -> uint64_t {
    const uint64_t n = addr.size();
    if (n == 0 || uni(100) < 15) return (uni(1000) << 1) | 1;
    const uint64_t r = uni(100);
    uint64_t back;
    if (r < 80 - far) back = 1 + uni(std::min<uint64_t>(n, 16));
    else if (r < 100 - far) back = 1 + uni(std::min<uint64_t>(n, 1024));
    else back = 1 + uni(n);
    const uint64_t i = n - back;
    referenced[i] = true;
    return addr[i];
  };

  std::vector<uint64_t> fields;
  std::string s;
  std::vector<uint8_t> payload, scalars;
  while (b.data().size() < target_bytes) {
    const uint64_t r = uni(100);
    uint64_t a;
    if (r < 75) {
      fields.assign(2 + uni(3), 0);
      for (auto& f : fields) f = field();
      scalars.clear();
      if (uni(10) == 0) scalars.assign(8, static_cast<uint8_t>(uni(256)));
      a = b.ctor(static_cast<uint8_t>(uni(12)), fields, scalars);
    } else if (r < 90) {
      s.resize(8 + uni(33));
      for (auto& c : s) c = static_cast<char>('a' + uni(26));
      a = b.string(s);
    } else if (r < 95) {
      fields.assign(1 + uni(8), 0);
      for (auto& f : fields) f = field();
      a = b.array(fields);
    } else {
      payload.resize(4 + uni(61));
      for (auto& c : payload) c = static_cast<uint8_t>(uni(256));
      a = b.sarray(1, payload);
    }
    addr.push_back(a);
    referenced.push_back(false);
  }
  // Root: an Array of every object nothing references (P9: all reachable), last (P8).
  std::vector<uint64_t> roots;
  for (size_t i = 0; i < addr.size(); ++i)
    if (!referenced[i]) roots.push_back(addr[i]);
  b.set_root(b.array(roots));
  *objects_out = addr.size() + 1;
  *root_elems_out = roots.size();
  return b.bytes();
}

const SynthFile& synth() {
  static SynthFile f = [] {
    SynthFile s;
    uint64_t mb = 288;
    if (const char* e = std::getenv("CF_LOAD_BENCH_MB")) mb = std::strtoull(e, nullptr, 10);
    s.bytes = build_synth(mb << 20, &s.objects, &s.root_elems);
    const char* tmp = std::getenv("TMPDIR");
    const fs::path dir = (tmp && *tmp) ? fs::path(tmp) : fs::path("/tmp");
    s.path = (dir / ("cf_load_bench_" + std::to_string(::getpid()) + ".olean")).string();
    g_synth_path = s.path;
    if (auto st = cf::write_file_atomic(s.path, s.bytes); !st) {
      std::fprintf(stderr, "load_bench: %s\n", st.error().describe().c_str());
      std::exit(1);
    }
    // Sanity: the file must load (slow path, full canonical validation) before anything is timed.
    cf::LoadOptions slow;
    slow.path = cf::LoadPath::slow;
    auto r = cf::Region::load_file(s.path, {}, slow);
    if (!r) {
      std::fprintf(stderr, "load_bench: generated file rejected: %s\n", r.error().describe().c_str());
      std::remove(s.path.c_str());
      std::exit(1);
    }
    std::fprintf(stderr, "load_bench: synthetic region %s: %.1f MiB, %llu objects, root array of %llu\n",
                 s.path.c_str(), s.bytes.size() / 1048576.0, static_cast<unsigned long long>(s.objects),
                 static_cast<unsigned long long>(s.root_elems));
    return s;
  }();
  return f;
}

void synth_counters(benchmark::State& state, const SynthFile& f) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes.size()));
  state.counters["file_MiB"] = static_cast<double>(f.bytes.size()) / 1048576.0;
}

void run_synth_load(benchmark::State& state, const cf::LoadOptions& opt, bool want_fast) {
  const SynthFile& f = synth();
  double fast = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    auto r = cf::Region::load_file(f.path, {}, opt);
    if (!r) {
      state.SkipWithError(("load failed: " + r.error().describe()).c_str());
      break;
    }
    const bool at = r->at_base() && r->path_taken() == cf::LoadPath::fast;
    if (want_fast && !at) {
      state.SkipWithError("fast path not taken (file not mapped at its base)");
      break;
    }
    fast += at;
    ++n;
    benchmark::DoNotOptimize(r->root());
  }  // r destroyed here: munmap / free inside the timed iteration
  state.counters["fast_path"] = n ? fast / static_cast<double>(n) : 0;
  synth_counters(state, f);
}

void BM_SynthFastNoValidate(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::fast;
  o.validate = false;
  run_synth_load(state, o, true);
}

void BM_SynthFastValidate(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::fast;
  run_synth_load(state, o, true);
}

void BM_SynthSlow(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::slow;
  run_synth_load(state, o, false);
}

void BM_SynthRead(benchmark::State& state) {
  const SynthFile& f = synth();
  std::vector<uint8_t> buf(f.bytes.size());  // preallocated and touched
  for (auto _ : state) {
    if (read_whole(f.path.c_str(), buf.data(), buf.size()) != static_cast<int64_t>(buf.size())) {
      state.SkipWithError("read failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  synth_counters(state, f);
}

void BM_SynthMemcpy(benchmark::State& state) {
  const SynthFile& f = synth();
  std::vector<uint8_t> dst(f.bytes.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), f.bytes.data(), f.bytes.size());
    benchmark::ClobberMemory();
  }
  synth_counters(state, f);
}

// Breakdown: what the slow path's malloc + read costs with fresh (unfaulted) memory.
void BM_SynthReadFreshMalloc(benchmark::State& state) {
  const SynthFile& f = synth();
  for (auto _ : state) {
    auto* buf = static_cast<uint8_t*>(std::malloc(f.bytes.size()));
    const int64_t got = read_whole(f.path.c_str(), buf, f.bytes.size());
    benchmark::DoNotOptimize(buf);
    std::free(buf);
    if (got != static_cast<int64_t>(f.bytes.size())) {
      state.SkipWithError("read failed");
      break;
    }
  }
  synth_counters(state, f);
}

// Breakdown: the validating walk alone, as the loader runs it, on bytes already in memory.
void BM_SynthWalk(benchmark::State& state) {
  const SynthFile& f = synth();
  for (auto _ : state) {
    auto h = cf::parse_file_layout(f.bytes, {});
    if (!h) {
      state.SkipWithError("header rejected");
      break;
    }
    cf::WalkOptions w;
    w.allow_external = false;
    w.keep_objects = true;
    w.depths = false;  // as the loader runs it
    auto s = cf::walk_region(f.bytes, h.value(), w);
    if (!s) {
      state.SkipWithError(("walk rejected: " + s.error().describe()).c_str());
      break;
    }
    benchmark::DoNotOptimize(s->objects);
  }
  synth_counters(state, f);
}

// ---------------------------------------------------------------------------------------------
// The real corpus.

struct Corpus {
  std::vector<std::vector<std::string>> units;  // chains (olean, server, private) or single files
  std::vector<std::string> files;               // every file, in unit order
  std::vector<std::vector<uint8_t>> bytes;      // per file, in memory
  uint64_t total = 0;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const Corpus& corpus() {
  static Corpus c = [] {
    Corpus c;
    std::vector<std::string> all;
    for (const auto& e : fs::recursive_directory_iterator(std::string(CF_SOURCE_DIR) + "/corpus/real")) {
      if (!e.is_regular_file()) continue;
      const std::string p = e.path().string();
      if (ends_with(p, ".olean") || ends_with(p, ".olean.server") || ends_with(p, ".olean.private") ||
          ends_with(p, ".ir"))
        all.push_back(p);
    }
    std::sort(all.begin(), all.end());
    for (const cf::ModuleArtifacts& m : cf::group_module_parts(all))  // a module's parts load as one chain
      for (auto& chain : cf::module_chains(m)) c.units.push_back(std::move(chain));
    for (const auto& u : c.units)
      for (const auto& p : u) {
        c.files.push_back(p);
        c.bytes.push_back(cf::testsupport::read_file(p));
        c.total += c.bytes.back().size();
      }
    if (c.files.size() != all.size()) {
      std::fprintf(stderr, "load_bench: %zu corpus files, %zu placed in units (a part without its .olean?)\n",
                   all.size(), c.files.size());
      std::exit(1);
    }
    return c;
  }();
  return c;
}

void corpus_counters(benchmark::State& state, const Corpus& c) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.total));
  state.counters["files"] = static_cast<double>(c.files.size());
  state.counters["file_KiB"] = static_cast<double>(c.total) / 1024.0;
}

void run_corpus_load(benchmark::State& state, const cf::LoadOptions& opt, bool want_fast) {
  const Corpus& c = corpus();
  uint64_t fast = 0, loaded = 0;
  bool failed = false;
  for (auto _ : state) {
    for (const auto& u : c.units) {
      auto r = cf::load_parts(u, opt);
      if (!r) {
        state.SkipWithError(("load failed: " + u[0] + ": " + r.error().describe()).c_str());
        failed = true;
        break;
      }
      for (const auto& part : r.value()) {
        const bool at = part.at_base() && part.path_taken() == cf::LoadPath::fast;
        if (want_fast && !at) {
          state.SkipWithError(("fast path not taken: " + part.name()).c_str());
          failed = true;
          break;
        }
        fast += at;
        ++loaded;
        benchmark::DoNotOptimize(part.root());
      }
      if (failed) break;
    }  // each unit destroyed before the next: files sharing a base address all get it
    if (failed) break;
  }
  state.counters["fast_path"] = loaded ? static_cast<double>(fast) / static_cast<double>(loaded) : 0;
  corpus_counters(state, c);
}

void BM_CorpusFastNoValidate(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::fast;
  o.validate = false;
  run_corpus_load(state, o, true);
}

void BM_CorpusFastValidate(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::fast;
  run_corpus_load(state, o, true);
}

void BM_CorpusSlow(benchmark::State& state) {
  cf::LoadOptions o;
  o.path = cf::LoadPath::slow;
  run_corpus_load(state, o, false);
}

void BM_CorpusRead(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<std::vector<uint8_t>> bufs;
  for (const auto& b : c.bytes) bufs.emplace_back(b.size());
  for (auto _ : state) {
    for (size_t i = 0; i < c.files.size(); ++i)
      if (read_whole(c.files[i].c_str(), bufs[i].data(), bufs[i].size()) != static_cast<int64_t>(bufs[i].size())) {
        state.SkipWithError("read failed");
        break;
      }
    benchmark::ClobberMemory();
  }
  corpus_counters(state, c);
}

void BM_CorpusMemcpy(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<std::vector<uint8_t>> bufs;
  for (const auto& b : c.bytes) bufs.emplace_back(b.size());
  for (auto _ : state) {
    for (size_t i = 0; i < c.bytes.size(); ++i) std::memcpy(bufs[i].data(), c.bytes[i].data(), c.bytes[i].size());
    benchmark::ClobberMemory();
  }
  corpus_counters(state, c);
}

// Slow synthetic iterations take a few hundred ms: report wall time in ms for all of them.
BENCHMARK(BM_SynthFastNoValidate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SynthFastValidate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SynthSlow)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SynthRead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SynthMemcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SynthReadFreshMalloc)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SynthWalk)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CorpusFastNoValidate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CorpusFastValidate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CorpusSlow)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CorpusRead)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CorpusMemcpy)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  cf::testsupport::steady_malloc();  // as CF_BENCHMARK_MAIN does (testsupport/bench_main.h)
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!g_synth_path.empty()) std::remove(g_synth_path.c_str());
  return 0;
}
