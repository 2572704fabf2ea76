// Snapshot load at scale (FORMAT.md §6.3; issue: grouped parallel loading, #14016/#14023/#14027):
// a generated library shaped like a large Lean library, snapshots of four prefixes of it, and the
// warm load of each for 1, 2 and 4 workers on three paths, against the bare cost of mapping the
// same files at their bases, measured in the same run. Results: docs/performance.md.
//
// Input (built once, before anything is timed, in $TMPDIR (else /tmp)/cf_snapshot_bench.<pid>,
// removed at exit)
//  - oracles/snapshot_gen.h's library of 7,500 modules (CF_SNAPSHOT_BENCH_MODULES), every 15th
//    without an .ir.sig: 37,000 regions, each module an olean chain (olean, server, private) and
//    an IR chain (irSig, ir) at its key's bases, graphs drawn from the real-file profile
//    (docs/generators.md), module sizes log-normal around CF_SNAPSHOT_BENCH_OBJECTS objects
//    (default 4,000: about 1 GB in all, inside the 2 GB; the build takes minutes).
//  - Snapshots of the first modules holding about 1k, 4k, 16k and all 37k regions, each with
//    its sidecar (.deps): the snapshot's root an Array of every region's root.
//
// Loads (each iteration: read_deps_file + load_snapshot, then the whole LoadedSnapshot released,
// munmap/free inside the timing; real time, the workers being threads)
//  - fast_novalidate: LoadOptions{.path = fast, .validate = false}: every file mapped at its base,
//    nothing walked, the deps checked only for their bases (#14016). A run in which a file was not
//    mapped at its base stops with an error: it would not measure the fast path.
//  - fast_validate:   LoadOptions{} (automatic, validating): mapped at the base, then walked.
//  - slow:            LoadOptions{.path = slow}: read, validated, relocated.
// Baseline and breakdown
//  - bare_map: the same files (the modules', then the snapshot) opened, mapped copy-on-write at
//    their bases with MAP_FIXED_NOREPLACE and closed, by the same worker assignment; then all
//    unmapped. No parsing, no checks: the floor of any loader that maps.
//  - sidecar: read_deps_file alone (the JSON parse of the sidecar).
//
// After the runs the summary prints, per path and worker count, the growth exponent (least-squares
// slope of log time over log regions, the four sizes), fast_novalidate / bare_map at each size, and
// the validating paths' MB/s against PERFORMANCE.md's goals.
//
// Run: cmake --preset release && cmake --build --preset release --target snapshot_bench &&
//      build/release/bin/snapshot_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/io.h"
#include "core/snapshot.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_gen.h"
#include "testsupport/bench_main.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

namespace {

namespace fs = std::filesystem;

constexpr size_t k_targets[] = {1000, 4000, 16000, 37000};  // regions per snapshot, about
constexpr unsigned k_workers[] = {1, 2, 4};

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* e = std::getenv(name);
  return (e != nullptr && *e != '\0') ? std::strtoull(e, nullptr, 10) : fallback;
}

// One file the bare-map baseline maps: its path, base and the worker that reads it.
struct MappedFile {
  std::string path;
  uint64_t base = 0;
  size_t module = 0;
};

struct SnapshotSet {
  size_t modules = 0;
  size_t regions = 0;
  uint64_t bytes = 0;  // every file's size: the modules' and the snapshot's
  std::string snapshot;
  std::vector<MappedFile> files;  // the modules' files in module order
};

struct Library {
  fs::path dir;
  std::vector<SnapshotSet> sets;  // one per k_targets entry
};

fs::path g_dir;  // removed at exit when set

void fail(const std::string& what) {
  std::fprintf(stderr, "snapshot_bench: %s\n", what.c_str());
  if (!g_dir.empty()) {
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  }
  std::exit(1);
}

void write_or_fail(const std::string& path, const std::vector<uint8_t>& bytes) {
  if (auto st = cf::write_file_atomic(path, bytes); !st) fail(st.error().describe());
}

const Library& library() {
  static Library lib = [] {
    Library l;
    const auto t0 = std::chrono::steady_clock::now();
    cf::oracles::LibraryShape shape;
    shape.modules = env_number("CF_SNAPSHOT_BENCH_MODULES", 7500);
    shape.mean_objects = static_cast<uint32_t>(env_number("CF_SNAPSHOT_BENCH_OBJECTS", 4000));
    shape.seed = 0x5eed;
    shape.prefix = "Bench";
    shape.no_sig_every = 15;
    std::vector<cf::oracles::GeneratedModule> modules = cf::oracles::generate_library(shape);
    const char* tmp = std::getenv("TMPDIR");
    l.dir = ((tmp && *tmp) ? fs::path(tmp) : fs::path("/tmp")) / ("cf_snapshot_bench." + std::to_string(::getpid()));
    g_dir = l.dir;
    fs::create_directories(l.dir);

    // The files, and every module's sidecar entry.
    std::vector<cf::ModuleArtifacts> artifacts;
    std::vector<size_t> regions_upto{0};  // regions of the first m modules
    std::vector<uint64_t> bytes_upto{0};
    std::vector<MappedFile> files;
    for (size_t m = 0; m < modules.size(); ++m) {
      std::vector<std::string> paths;
      uint64_t bytes = 0;
      for (const cf::oracles::GeneratedFile& f : modules[m].files) {
        paths.push_back((l.dir / cf::oracles::file_name(modules[m], f)).string());
        write_or_fail(paths.back(), f.bytes);
        files.push_back({paths.back(), f.base_addr, m});
        bytes += f.bytes.size();
      }
      artifacts.push_back(cf::oracles::artifacts_of(modules[m], paths));
      regions_upto.push_back(regions_upto.back() + modules[m].files.size());
      bytes_upto.push_back(bytes_upto.back() + bytes);
    }

    // A snapshot and sidecar per size: the first modules whose regions reach the target.
    for (size_t target : k_targets) {
      size_t m = 1;
      while (m < modules.size() && regions_upto[m] < target) ++m;
      SnapshotSet s;
      s.modules = m;
      s.regions = regions_upto[m];
      s.snapshot = (l.dir / ("snap_" + std::to_string(s.regions) + ".olean")).string();
      s.files.assign(files.begin(), files.begin() + static_cast<std::ptrdiff_t>(s.regions));
      cf::SnapshotSaveOptions o;
      o.name = s.snapshot;
      auto snap = cf::oracles::snapshot_of_library(std::span(modules.data(), m), o);
      if (!snap) fail("saving the snapshot of " + std::to_string(m) + " modules: " + snap.error().describe());
      write_or_fail(s.snapshot, snap.value());
      const std::string deps = cf::oracles::deps_json(std::vector(artifacts.begin(), artifacts.begin() + static_cast<std::ptrdiff_t>(m)));
      write_or_fail(cf::oracles::deps_path_of(s.snapshot), std::vector<uint8_t>(deps.begin(), deps.end()));
      s.bytes = bytes_upto[m] + snap->size();
      l.sets.push_back(std::move(s));
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "snapshot_bench: %zu modules, %zu regions, %.1f MiB in %s (built in %.1f s)\n",
                 modules.size(), regions_upto.back(), static_cast<double>(bytes_upto.back()) / 1048576.0,
                 l.dir.c_str(), secs);
    for (const SnapshotSet& s : l.sets)
      std::fprintf(stderr, "snapshot_bench:   snapshot of %zu modules: %zu regions, %.1f MiB\n", s.modules, s.regions,
                   static_cast<double>(s.bytes) / 1048576.0);
    return l;
  }();
  return lib;
}

// ---------------------------------------------------------------------------------------------
// The benchmarks.

enum class Mode { fast_novalidate, fast_validate, slow, bare_map, sidecar };

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::fast_novalidate: return "fast_novalidate";
    case Mode::fast_validate: return "fast_validate";
    case Mode::slow: return "slow";
    case Mode::bare_map: return "bare_map";
    case Mode::sidecar: return "sidecar";
  }
  return "?";
}

// What the summary needs to know of a benchmark, by its name.
struct Case {
  Mode mode;
  size_t set;  // index into Library::sets
  unsigned workers;
};
std::map<std::string, Case> g_cases;

void set_counters(benchmark::State& state, const SnapshotSet& s) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.bytes));
  state.counters["regions"] = static_cast<double>(s.regions);
  state.counters["modules"] = static_cast<double>(s.modules);
  state.counters["MiB"] = static_cast<double>(s.bytes) / 1048576.0;
}

void run_load(benchmark::State& state, const Case& c) {
  const SnapshotSet& s = library().sets[c.set];
  cf::SnapshotLoadOptions o;
  o.workers = c.workers;
  if (c.mode == Mode::fast_novalidate) {
    o.load.path = cf::LoadPath::fast;
    o.load.validate = false;
  } else if (c.mode == Mode::slow) {
    o.load.path = cf::LoadPath::slow;
  }
  double mapped = 0, regions = 0;
  for (auto _ : state) {
    auto deps = cf::oracles::read_deps_file(s.snapshot);
    if (!deps) {
      state.SkipWithError(deps.error().describe().c_str());
      break;
    }
    auto loaded = cf::load_snapshot(s.snapshot, deps.value(), o);
    if (!loaded) {
      state.SkipWithError(loaded.error().describe().c_str());
      break;
    }
    size_t at = loaded->snapshot->at_base();
    for (const cf::SnapshotRegion& r : loaded->regions) at += r.region->at_base();
    mapped += static_cast<double>(at);
    regions += static_cast<double>(loaded->regions.size() + 1);
    if (c.mode == Mode::fast_novalidate && at != loaded->regions.size() + 1) {
      state.SkipWithError("a file was not mapped at its base: this would not time the fast path");
      break;
    }
    benchmark::DoNotOptimize(loaded->snapshot->root());
  }  // released here, inside the timing
  state.counters["at_base"] = regions > 0 ? mapped / regions : 0;
  set_counters(state, s);
}

// Opens, maps at its base (as the loader's fast path maps: private, writable, no replace) and
// closes each file; returns the mappings made, or an empty vector after unmapping on a failure.
std::vector<std::pair<void*, size_t>> map_files(const std::vector<const MappedFile*>& files, bool* ok) {
  std::vector<std::pair<void*, size_t>> maps;
  maps.reserve(files.size());
  for (const MappedFile* f : files) {
    const int fd = ::open(f->path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    void* p = MAP_FAILED;
    if (fd >= 0 && ::fstat(fd, &st) == 0)
      p = ::mmap(reinterpret_cast<void*>(f->base), static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    if (fd >= 0) ::close(fd);
    if (p != MAP_FAILED) maps.emplace_back(p, static_cast<size_t>(st.st_size));
    if (p != reinterpret_cast<void*>(f->base)) {
      *ok = false;
      break;
    }
  }
  return maps;
}

void run_bare_map(benchmark::State& state, const Case& c) {
  const SnapshotSet& s = library().sets[c.set];
  std::vector<std::vector<const MappedFile*>> by_worker(c.workers);
  for (const MappedFile& f : s.files) by_worker[cf::worker_of(f.module, c.workers)].push_back(&f);
  const MappedFile snapshot{s.snapshot, cf::snapshot_base(), 0};
  for (auto _ : state) {
    std::vector<std::vector<std::pair<void*, size_t>>> maps(c.workers + 1);
    std::vector<char> oks(c.workers + 1, 1);
    {
      std::vector<std::thread> threads;
      for (unsigned w = 1; w < c.workers; ++w)
        threads.emplace_back([&, w] {
          bool ok = true;
          maps[w] = map_files(by_worker[w], &ok);
          oks[w] = ok;
        });
      bool ok = true;
      maps[0] = map_files(by_worker[0], &ok);
      oks[0] = ok;
      for (std::thread& t : threads) t.join();
    }
    bool ok = std::all_of(oks.begin(), oks.end(), [](char b) { return b != 0; });
    if (ok) {
      maps[c.workers] = map_files({&snapshot}, &ok);
    }
    for (const auto& per : maps)
      for (const auto& [p, n] : per) ::munmap(p, n);
    if (!ok) {
      state.SkipWithError("a file could not be mapped at its base");
      break;
    }
  }
  set_counters(state, s);
}

void run_sidecar(benchmark::State& state, const Case& c) {
  const SnapshotSet& s = library().sets[c.set];
  for (auto _ : state) {
    auto deps = cf::oracles::read_deps_file(s.snapshot);
    if (!deps || deps->size() != s.modules) {
      state.SkipWithError("the sidecar did not parse to its modules");
      break;
    }
    benchmark::DoNotOptimize(deps->data());
  }
  state.counters["modules"] = static_cast<double>(s.modules);
  state.counters["sidecar_KiB"] = static_cast<double>(fs::file_size(cf::oracles::deps_path_of(s.snapshot))) / 1024.0;
}

void register_all() {
  auto add = [](Mode mode, size_t set, unsigned workers) {
    std::string name = std::string("Snapshot/") + mode_name(mode) + "/target:" + std::to_string(k_targets[set]);
    if (mode != Mode::sidecar) name += "/workers:" + std::to_string(workers);
    const Case c{mode, set, workers};
    g_cases[name] = c;
    auto* b = benchmark::RegisterBenchmark(name.c_str(), [c](benchmark::State& st) {
      if (c.mode == Mode::bare_map) run_bare_map(st, c);
      else if (c.mode == Mode::sidecar) run_sidecar(st, c);
      else run_load(st, c);
    });
    b->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  for (size_t set = 0; set < std::size(k_targets); ++set) add(Mode::sidecar, set, 1);
  for (Mode mode : {Mode::bare_map, Mode::fast_novalidate, Mode::fast_validate, Mode::slow})
    for (unsigned w : k_workers)
      for (size_t set = 0; set < std::size(k_targets); ++set) add(mode, set, w);
}

// ---------------------------------------------------------------------------------------------
// The summary: the console's report, then the fitted exponents and ratios.

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      const auto it = g_cases.find(r.run_name.function_name);  // the name as registered
      if (it == g_cases.end()) continue;
      const double seconds = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
      times_[it->first].push_back(seconds);
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    if (times_.empty()) return;
    const Library& lib = library();
    std::printf("\nSnapshot load summary (median over repetitions; real time)\n");
    std::printf("%-16s %7s %9s %9s %9s %9s %9s\n", "path", "workers", "1k", "4k", "16k", "37k", "exponent");
    for (Mode mode : {Mode::bare_map, Mode::fast_novalidate, Mode::fast_validate, Mode::slow})
      for (unsigned w : k_workers) {
        std::vector<double> xs, ys;
        std::printf("%-16s %7u", mode_name(mode), w);
        for (size_t set = 0; set < std::size(k_targets); ++set) {
          const double t = time_of(mode, set, w);
          if (t > 0) {
            xs.push_back(std::log(static_cast<double>(lib.sets[set].regions)));
            ys.push_back(std::log(t));
            std::printf(" %7.1fms", t * 1e3);
          } else {
            std::printf(" %9s", "-");
          }
        }
        if (xs.size() >= 2) std::printf(" %9.3f\n", slope(xs, ys));
        else std::printf(" %9s\n", "-");
      }
    std::printf("\nfast_novalidate / bare_map (goal at 37k: <= 2x)\n");
    for (unsigned w : k_workers) {
      std::printf("  %u worker%s:", w, w == 1 ? " " : "s");
      for (size_t set = 0; set < std::size(k_targets); ++set) {
        const double a = time_of(Mode::fast_novalidate, set, w), b = time_of(Mode::bare_map, set, w);
        if (a > 0 && b > 0) std::printf("  %zu regions %.2fx", lib.sets[set].regions, a / b);
      }
      std::printf("\n");
    }
    const size_t big = std::size(k_targets) - 1;
    std::printf("\nvalidating loads of %zu regions, %.1f MiB (PERFORMANCE.md: validating slow path >= 3 GB/s "
                "synthetic; 37k regions warm <= 0.5 s)\n",
                lib.sets[big].regions, static_cast<double>(lib.sets[big].bytes) / 1048576.0);
    for (Mode mode : {Mode::fast_validate, Mode::slow})
      for (unsigned w : k_workers) {
        const double t = time_of(mode, big, w);
        if (t > 0)
          std::printf("  %-14s %u worker%s: %8.1f ms  %7.0f MB/s\n", mode_name(mode), w, w == 1 ? " " : "s", t * 1e3,
                      static_cast<double>(lib.sets[big].bytes) / t / 1e6);
      }
    std::fflush(stdout);
  }

 private:
  double time_of(Mode mode, size_t set, unsigned workers) const {
    for (const auto& [name, c] : g_cases)
      if (c.mode == mode && c.set == set && c.workers == workers) {
        const auto it = times_.find(name);
        if (it == times_.end() || it->second.empty()) return 0;
        std::vector<double> v = it->second;
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return v[v.size() / 2];
      }
    return 0;
  }

  // Least-squares slope of ys over xs.
  static double slope(const std::vector<double>& xs, const std::vector<double>& ys) {
    double mx = 0, my = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      mx += xs[i];
      my += ys[i];
    }
    mx /= static_cast<double>(xs.size());
    my /= static_cast<double>(ys.size());
    double num = 0, den = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      num += (xs[i] - mx) * (ys[i] - my);
      den += (xs[i] - mx) * (xs[i] - mx);
    }
    return den > 0 ? num / den : 0;
  }

  std::map<std::string, std::vector<double>> times_;
};

}  // namespace

int main(int argc, char** argv) {
  cf::testsupport::steady_malloc();  // as CF_BENCHMARK_MAIN does (testsupport/bench_main.h)
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  SummaryReporter reporter(::isatty(1) ? benchmark::ConsoleReporter::OO_Defaults : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (!g_dir.empty()) {
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  }
  return 0;
}
