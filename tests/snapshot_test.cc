// Incremental snapshots (FORMAT.md §6): the base and LEAN_IMPORT_WORKERS, the `.deps` sidecar,
// save -> load on both paths for every worker count with every snapshot oracle holding, failures
// that name their file and leave nothing mapped, the overlap hazard of §6.4, the deferred dep
// sort of #14016 counted (not timed), and region views that own nothing (#13984).
#include "core/snapshot.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/closures.h"
#include "core/heap.h"
#include "core/io.h"
#include "core/name_hash.h"
#include "core/placement.h"
#include "oracles/generator.h"
#include "oracles/graph_dump.h"
#include "oracles/judges.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_gen.h"
#include "oracles/snapshot_input.h"
#include "oracles/snapshot_oracles.h"
#include "testsupport/region_forger.h"

namespace cf {
namespace {

namespace fs = std::filesystem;
using oracles::Outcome;

#if defined(__SANITIZE_ADDRESS__)
#define CF_SNAPSHOT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_SNAPSHOT_ASAN 1
#endif
#endif

// A scratch directory removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("cf_snapshot_test." + std::to_string(::getpid()) + "." +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// The value of a result the test needs, or a failed test (an unchecked Result aborts).
template <class T>
T must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.error().describe();
  if (!r.ok()) throw std::runtime_error(r.error().describe());
  return std::move(r).value();
}

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  auto st = write_file_atomic(path, bytes);
  ASSERT_TRUE(st.ok()) << st.error().describe();
}

// Writes a generated library of `modules` modules into `dir` (oracles/snapshot_gen.h: an olean
// chain of 3 parts and an IR chain each, at their keys' bases; every other module without an
// `.ir.sig`). Returns the files in module order.
std::vector<std::string> write_library(const TempDir& dir, size_t modules, const std::string& prefix) {
  oracles::LibraryShape shape;
  shape.modules = modules;
  shape.seed = 100;
  shape.mean_objects = 60;
  shape.prefix = prefix;
  shape.no_sig_every = 2;
  std::vector<std::string> files;
  for (const oracles::GeneratedModule& m : oracles::generate_library(shape))
    for (const oracles::GeneratedFile& f : m.files) {
      files.push_back(dir / oracles::file_name(m, f));
      write(files.back(), f.bytes);
    }
  return files;
}

// A snapshot of `modules` modules: their files, the snapshot (whose root is an array of every
// region's root and a string of its own) and the sidecar, in `dir`. Returns the snapshot path;
// `model`, when given, gets the saved graph as the saving process sees it: maximally shared,
// the module regions deps in name order.
std::string write_snapshot(const TempDir& dir, size_t modules, const std::string& prefix = "Mod",
                           nlohmann::json* model = nullptr) {
  const std::vector<std::string> files = write_library(dir, modules, prefix);
  std::vector<ModuleArtifacts> grouped = group_module_parts(files);
  std::vector<std::unique_ptr<Region>> regions;
  std::vector<const Region*> deps;
  for (const ModuleArtifacts& m : grouped)
    for (const auto& chain : module_chains(m)) {
      for (Region& r : must(load_parts(chain, {}))) regions.push_back(std::make_unique<Region>(std::move(r)));
    }
  Heap heap;
  std::vector<uint64_t> roots;
  for (const auto& r : regions) {
    deps.push_back(r.get());
    roots.push_back(r->root());
  }
  roots.push_back(heap.string("the snapshot's own"));
  const uint64_t root = heap.ctor(3, std::vector<uint64_t>{heap.array(roots), box(42)});
  const std::string snap = dir / "snap.bin";
  write(snap, must(save_snapshot(root, deps, {})));
  if (model != nullptr) {
    std::vector<RegionView> by_name;
    for (const Region* d : deps) by_name.push_back(d->view());
    std::vector<size_t> order(deps.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return deps[a]->name() < deps[b]->name(); });
    std::vector<RegionView> views;
    for (size_t i : order) views.push_back(by_name[i]);
    const uint64_t roots[] = {root};
    *model = oracles::dump_memory_graph(roots, views, true, true);
  }
  const std::string deps_text = oracles::deps_json(grouped);
  write(oracles::deps_path_of(snap), std::vector<uint8_t>(deps_text.begin(), deps_text.end()));
  return snap;
}

#if defined(__SANITIZE_THREAD__)
#define CF_SNAPSHOT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF_SNAPSHOT_TSAN 1
#endif
#endif

// Whether nothing is mapped at `base` now. (Under TSan a fixed hint outside its application
// range aborts the process, TOOLCHAIN.md §9: there every base counts as free, unchecked.)
bool base_is_free(uint64_t base) {
#ifdef CF_SNAPSHOT_TSAN
  if (base < placement::k_safe_band) return true;
#endif
  void* p = mmap(reinterpret_cast<void*>(base), 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return false;
  munmap(p, 4096);
  return p == reinterpret_cast<void*>(base);
}

TEST(SnapshotBasics, BaseAndWorkers) {
  EXPECT_EQ(snapshot_base(), 0x30cec1ec0000ULL);  // FORMAT.md §6.1
  EXPECT_EQ(import_workers("3"), 3u);
  EXPECT_EQ(import_workers("0"), 1u);  // raised to at least 1
  EXPECT_EQ(import_workers("32"), 32u);
  const unsigned fallback = import_workers(nullptr);
  EXPECT_GE(fallback, 1u);
  EXPECT_LE(fallback, 4u);
  EXPECT_EQ(import_workers("abc"), fallback);
  EXPECT_EQ(import_workers("4x"), fallback);
  EXPECT_EQ(worker_of(5, 2), 1u);
  EXPECT_EQ(worker_of(6, 4), 2u);
}

TEST(SnapshotDeps, SidecarRoundTripsWithSortedKeys) {
  const auto modules = group_module_parts({"A/M.olean", "A/M.olean.server", "A/M.ir.sig", "A/M.ir", "B/N.olean"});
  const std::string text = oracles::deps_json(modules);
  EXPECT_EQ(text, R"([{"ir":"A/M.ir","irSig":"A/M.ir.sig","olean":"A/M.olean","oleanServer":"A/M.olean.server"},)"
                  R"({"olean":"B/N.olean"}])");
  auto back = oracles::parse_deps_json(text, "s.deps");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ(module_chains((*back)[0]), module_chains(modules[0]));
  EXPECT_EQ((*back)[0].base, "A/M.olean");
  // Any key order, and the fields upstream never populates here, are accepted.
  auto reordered = oracles::parse_deps_json(R"([{"oleanServer":"s","lean":"x.lean","olean":"o"}])", "s.deps");
  ASSERT_TRUE(reordered.ok());
  EXPECT_EQ(module_chains((*reordered)[0]), (std::vector<std::vector<std::string>>{{"o", "s"}}));
}

TEST(SnapshotDeps, EveryDefectIsBadDepsJsonNamingTheFile) {
  struct Case {
    const char* text;
    uint64_t offset;
  };
  for (const Case c : {Case{"[{\"olean\": \"a\"}", 15}, Case{"{\"olean\":\"a\"}", 0}, Case{"[1]", 0},
                       Case{"[{\"oleen\":\"a\"}]", 0}, Case{"[{\"olean\":7}]", 0}, Case{"", 0},
                       Case{"[{\"olean\":\"\"}]", 0}}) {
    SCOPED_TRACE(c.text);
    auto r = oracles::parse_deps_json(c.text, "dir/snap.bin.deps");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::bad_deps_json);
    EXPECT_EQ(r.error().file, "dir/snap.bin.deps");
    EXPECT_EQ(r.error().offset, c.offset);
    EXPECT_EQ(r.error().message.rfind("failed to parse snapshot deps file dir/snap.bin.deps: ", 0), 0u) << r.error().message;
  }
}

// Save -> load for 1, 2, 4 and 32 workers on both paths: the snapshot's graph is the one saved
// (against the source, maximally shared, with the module regions as deps in name order), and
// every snapshot oracle holds.
TEST(SnapshotRoundTrip, EveryWorkerCountAndBothPathsGiveTheSavedGraph) {
  TempDir dir;
  nlohmann::json model;
  const std::string snap = write_snapshot(dir, 5, "Mod", &model);
  auto unit = oracles::read_snapshot_unit(snap);
  ASSERT_TRUE(unit.ok()) << unit.error().describe();
  ASSERT_EQ(unit->modules.size(), 5u);
  nlohmann::json first;
  for (unsigned w : {1u, 2u, 4u, 32u})
    for (LoadPath p : {LoadPath::automatic, LoadPath::slow}) {
      SCOPED_TRACE(std::to_string(w) + " workers, " + std::string(load_path_name(p)));
      SnapshotLoadOptions o;
      o.workers = w;
      o.load.path = p;
      auto loaded = load_snapshot(snap, unit->modules, o);
      ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
      EXPECT_EQ(loaded->regions.size(), 5u * 3 + 5 + 3);  // 3 olean parts + ir each, an ir.sig for modules 0, 2, 4
      for (size_t i = 0; i < loaded->regions.size(); ++i)
        EXPECT_EQ(loaded->regions[i].worker, worker_of(loaded->regions[i].module, w));
      for (size_t i = 1; i < loaded->regions.size(); ++i)  // concatenated in worker order
        EXPECT_LE(loaded->regions[i - 1].worker, loaded->regions[i].worker);
      bool all_at_base = loaded->snapshot->at_base();  // under ASan the key bases lie in its shadow
      for (const SnapshotRegion& r : loaded->regions) all_at_base = all_at_base && r.region->at_base();
      EXPECT_EQ(loaded->snapshot->path_taken(), p == LoadPath::automatic && all_at_base ? LoadPath::fast : LoadPath::slow);
      const oracles::LoadObservation o2 = oracles::observe_snapshot(*unit, {w, p, std::nullopt});
      ASSERT_TRUE(o2.accepted);
      if (first.is_null()) first = o2.graph;
      EXPECT_EQ(o2.graph.at("nodes"), first.at("nodes"));
      const oracles::Verdict same = oracles::judge_round_trip(model, o2.graph, "as saved");
      EXPECT_EQ(same.outcome, Outcome::holds) << oracles::describe(same);
    }
  for (const oracles::Verdict& v : oracles::check_snapshot(*unit)) {
    EXPECT_NE(v.outcome, Outcome::finding) << oracles::describe(v);
    if (v.oracle != oracles::OracleId::overlap_hazard) {
      EXPECT_EQ(v.outcome, Outcome::holds) << oracles::describe(v);
    }
  }
}

TEST(SnapshotFailures, AMissingOrTruncatedModuleFileNamesItAndLeavesNothingMapped) {
  TempDir dir;
  const std::string snap = write_snapshot(dir, 3);
  auto unit = oracles::read_snapshot_unit(snap);
  ASSERT_TRUE(unit.ok());
  const std::string victim = *unit->modules[2].olean_server;
  const std::vector<uint8_t> bytes = must(read_file(victim));
  const uint64_t module0_base = must(parse_file_layout(must(read_file(*unit->modules[0].olean)), {})).base_addr;
  ASSERT_GT(bytes.size(), 2u);
  write(victim, std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() - 1)));  // truncated
  for (unsigned w : {1u, 3u}) {
    SnapshotLoadOptions o;
    o.workers = w;
    auto loaded = load_snapshot(snap, unit->modules, o);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().code, ErrorCode::truncated) << loaded.error().describe();
    EXPECT_EQ(loaded.error().file, victim);
    EXPECT_TRUE(base_is_free(module0_base)) << "module 0 was loaded, then released";
  }
  fs::remove(victim);
  auto missing = load_snapshot(snap, unit->modules, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
  EXPECT_EQ(missing.error().file, victim);
  // The lowest-numbered failing module wins, whatever the worker count.
  fs::remove(*unit->modules[1].ir);
  for (unsigned w : {1u, 2u, 4u}) {
    SnapshotLoadOptions o;
    o.workers = w;
    auto r = load_snapshot(snap, unit->modules, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, *unit->modules[1].ir) << w << " workers";
  }
}

// §6.4: two modules whose saved ranges overlap (saved under one key): each reads alone, the
// snapshot never does.
TEST(SnapshotHazard, OverlappingModulesFailOnlyTheSnapshotRead) {
  TempDir dir;
  std::vector<std::string> files;
  for (const char* name : {"A", "B"}) {
    Heap heap;
    const oracles::GenGraph g = oracles::generate(heap, oracles::real_file_profile(name[0], 60));
    CompactorOptions o;
    o.base_addr = base_addr_for_key(*Name::parse("Same.Key"));
    files.push_back(dir / (std::string(name) + ".olean"));
    write(files.back(), must(compact(g.roots[0], o)));
  }
  std::vector<std::unique_ptr<Region>> regions;
  std::vector<const Region*> deps;
  Heap heap;
  std::vector<uint64_t> roots;
  for (const std::string& f : files) {
    auto r = Region::load_file(f, {}, {});
    ASSERT_TRUE(r.ok());
    regions.push_back(std::make_unique<Region>(std::move(r.value())));
    deps.push_back(regions.back().get());
    roots.push_back(regions.back()->root());
  }
  const std::string snap = dir / "snap.bin";
  write(snap, must(save_snapshot(heap.array(roots), deps, {})));
  const std::string text = oracles::deps_json(group_module_parts(files));
  write(oracles::deps_path_of(snap), std::vector<uint8_t>(text.begin(), text.end()));
  regions.clear();
  auto unit = oracles::read_snapshot_unit(snap);
  ASSERT_TRUE(unit.ok());
  EXPECT_TRUE(oracles::modules_overlap(*unit));
  const oracles::Verdict v = oracles::overlap_hazard(*unit);
  EXPECT_EQ(v.outcome, Outcome::holds) << oracles::describe(v);
}

// The library generator of the snapshot tests, the seeds and the scale benchmark: five parts a
// module (four where it has no .ir.sig), sizes with a long tail, and no two modules' files
// overlapping however many modules, so a snapshot of any prefix loads.
TEST(SnapshotGenerator, ModulesAreDisjointAndTheirSnapshotLoads) {
  oracles::LibraryShape shape;
  shape.modules = 60;
  shape.mean_objects = 200;
  shape.no_sig_every = 15;
  const std::vector<oracles::GeneratedModule> lib = oracles::generate_library(shape);
  ASSERT_EQ(lib.size(), 60u);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  size_t files = 0, smallest = SIZE_MAX, largest = 0;
  for (size_t i = 0; i < lib.size(); ++i) {
    EXPECT_EQ(lib[i].files.size(), i % 15 == 14 ? 4u : 5u) << lib[i].name;
    size_t bytes = 0;
    for (const oracles::GeneratedFile& f : lib[i].files) {
      ranges.emplace_back(f.base_addr, f.base_addr + f.bytes.size());
      bytes += f.bytes.size();
      EXPECT_EQ(must(parse_file_layout(f.bytes, {})).base_addr, f.base_addr);
    }
    files += lib[i].files.size();
    smallest = std::min(smallest, bytes), largest = std::max(largest, bytes);
  }
  EXPECT_EQ(files, 60u * 5 - 4);
  EXPECT_GT(largest, 4 * smallest) << "module sizes have a long tail";
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_LE(ranges[i - 1].second, ranges[i].first) << "files " << i - 1 << ", " << i;
  EXPECT_EQ(oracles::generate_library(shape)[7].files[2].bytes, lib[7].files[2].bytes) << "deterministic";
  // A snapshot of the first 10 modules, written out and judged by every snapshot oracle.
  TempDir dir;
  std::vector<ModuleArtifacts> modules;
  for (size_t i = 0; i < 10; ++i) {
    std::vector<std::string> paths;
    for (const oracles::GeneratedFile& f : lib[i].files) {
      paths.push_back(dir / oracles::file_name(lib[i], f));
      write(paths.back(), f.bytes);
    }
    modules.push_back(oracles::artifacts_of(lib[i], paths));
  }
  const std::string snap = dir / "snap.bin";
  write(snap, must(oracles::snapshot_of_library(std::span(lib).first(10), {})));
  const oracles::SnapshotUnit unit{snap, modules};
  for (const oracles::Verdict& v : oracles::check_snapshot(unit, 3))
    EXPECT_NE(v.outcome, Outcome::finding) << oracles::describe(v);
  auto loaded = load_snapshot(snap, modules, {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded->regions.size(), 50u);
}

// fuzz_snapshot's container: every byte string decodes, encode inverts decode, `@K` names file K.
TEST(SnapshotInput, ContainerRoundTripsAndNamesItsFiles) {
  oracles::SnapshotInput in;
  in.flags = 0x2e;
  in.sidecar = R"([{"olean":"@0","oleanServer":"@1"},{"olean":"@12"}])";
  in.files = {{1, 2, 3}, {}, {4}};
  in.snapshot = {9, 9};
  const std::vector<uint8_t> bytes = oracles::encode_snapshot_input(in);
  const oracles::SnapshotInput back = oracles::decode_snapshot_input(bytes);
  EXPECT_EQ(back.flags, in.flags);
  EXPECT_EQ(back.workers(), 3u);
  EXPECT_EQ(back.sidecar, in.sidecar);
  EXPECT_EQ(back.files, in.files);
  EXPECT_EQ(back.snapshot, in.snapshot);
  EXPECT_EQ(oracles::encode_snapshot_input(back), bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {  // every prefix decodes, clamped
    const oracles::SnapshotInput part = oracles::decode_snapshot_input(std::span(bytes).first(cut));
    EXPECT_LE(part.sidecar.size(), in.sidecar.size());
  }
  EXPECT_EQ(oracles::resolve_file_refs(in.sidecar, {"/a", "/b"}), R"([{"olean":"/a","oleanServer":"/b"},{"olean":"@12"}])");
  EXPECT_EQ(oracles::resolve_file_refs("@@1@", {"x", "y"}), "@y@");
}

// #14016: the fast path does no per-dep work beyond the base check, the slow path sorts and
// checks overlap once. Counted by the loader's dep-work counter, never timed.
TEST(SnapshotDepWork, TheFastPathDoesNoPerDepWork) {
  constexpr size_t n = 4096;
  std::vector<std::vector<uint8_t>> files;
  std::vector<Region> regions;
  regions.reserve(n);
  uint64_t target = 0;
  for (size_t i = 0; i < n; ++i) {
    testsupport::RegionForger b(Format::v2, placement::test_base(60) + i * 0x10000);
    if (i == n / 2) b.set_root(target = b.string("shared"));
    files.push_back(b.bytes());
    auto r = Region::load_bytes("dep" + std::to_string(i), files.back(), {}, {});
    ASSERT_TRUE(r.ok()) << r.error().describe();
    regions.push_back(std::move(r.value()));
  }
  std::vector<const Region*> deps;
  for (const Region& r : regions) deps.push_back(&r);
  testsupport::RegionForger own(Format::v2, placement::test_base(59));
  own.set_root(own.ctor(0, {target}));
  const std::vector<uint8_t> file = own.bytes();
  struct Case {
    LoadPath path;
    bool validate;
    uint64_t dep_work;
  };
  for (const Case c : {Case{LoadPath::automatic, false, 0}, Case{LoadPath::automatic, true, n}, Case{LoadPath::slow, true, 2 * n}}) {
    LoadOptions o;
    o.path = c.path;
    o.validate = c.validate;
    auto r = Region::load_bytes("own", file, deps, o);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->path_taken(), c.path == LoadPath::slow ? LoadPath::slow : LoadPath::fast);
    EXPECT_EQ(r->dep_work(), c.dep_work) << load_path_name(c.path) << (c.validate ? " validating" : "");
  }
}

// #13984: a view owns nothing; its owner releases the bytes, and a use after that is caught.
TEST(RegionViews, AUseAfterReleaseIsCaughtUnderAsan) {
#ifndef CF_SNAPSHOT_ASAN
  GTEST_SKIP() << "needs AddressSanitizer to catch the use";
#else
  testsupport::RegionForger b(Format::v2, placement::test_base(58));
  b.set_root(b.string("released"));
  const std::vector<uint8_t> file = b.bytes();
  EXPECT_DEATH(
      {
        RegionView view;
        {
          LoadOptions o;
          o.path = LoadPath::slow;  // malloc'd bytes, which ASan tracks
          auto r = Region::load_bytes("v", file, {}, o);
          if (!r) std::abort();
          view = r->view();
        }
        volatile uint8_t byte = view.begin[view.size - 1];
        (void)byte;
      },
      "heap-use-after-free");
#endif
}

TEST(RegionViews, AViewIsAValueOfBeginSizeAndBase) {
  testsupport::RegionForger b(Format::v2, placement::test_base(57));
  b.set_root(b.string("v"));
  const std::vector<uint8_t> file = b.bytes();
  auto r = Region::load_bytes("v", file, {}, {});
  ASSERT_TRUE(r.ok());
  const RegionView v = r->view();
  EXPECT_EQ(v.begin, r->begin());
  EXPECT_EQ(v.size, file.size());
  EXPECT_EQ(v.base.value, placement::test_base(57));
  EXPECT_NE(v.objects, nullptr);
  static_assert(std::is_trivially_copyable_v<RegionView>);
}

}  // namespace
}  // namespace cf
