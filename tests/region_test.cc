// The reference loader (FORMAT.md §5, issue 4): real files and chains on both paths with equal
// dumps; the dep_regions_miss scenario; empty inputs; fault schedules (EINTR, short reads,
// mmap misses, allocation failure); truncation; the work bound; a 10-million-deep list.
#include "core/region.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include <sys/mman.h>

#include "core/header.h"
#include "core/name_hash.h"
#include "core/region_walker.h"
#include "oracles/graph_dump.h"
#include "testsupport/corpus.h"
#include "testsupport/region_forger.h"

namespace cf {
namespace {

using testsupport::RegionForger;

std::string path_of(const testsupport::ManifestRow& r) { return testsupport::corpus_dir() + "/" + r["file"]; }

bool is_later_part(const testsupport::ManifestRow& r) {
  const std::string& p = r["original_path"];
  return p.ends_with(".olean.server") || p.ends_with(".olean.private");
}

std::string dump_of(const std::vector<Region>& parts) {
  std::vector<const Region*> ptrs;
  for (const Region& r : parts) ptrs.push_back(&r);
  return oracles::dump_graph(ptrs, {}).dump();
}

LoadOptions with_path(LoadPath p) {
  LoadOptions o;
  o.path = p;
  return o;
}

// Every file that is not a later chain part loads alone; every chain loads as a chain; the
// automatic (fast where possible) and forced slow paths give identical dumps.
TEST(RegionCorpus, FastAndSlowPathsGiveEqualDumps) {
  const auto rows = testsupport::load_manifest();
  int singles = 0, chains = 0, fast_taken = 0;
  for (const auto& r : rows) {
    if (is_later_part(r)) continue;
    SCOPED_TRACE(r["file"]);
    auto a = load_parts({path_of(r)}, with_path(LoadPath::automatic));
    ASSERT_TRUE(a.ok()) << a.error().describe();
    auto s = load_parts({path_of(r)}, with_path(LoadPath::slow));
    ASSERT_TRUE(s.ok()) << s.error().describe();
    EXPECT_EQ(s.value()[0].path_taken(), LoadPath::slow);
    EXPECT_FALSE(s.value()[0].at_base());
    EXPECT_EQ(a.value()[0].path_taken() == LoadPath::fast, a.value()[0].at_base());
    fast_taken += a.value()[0].path_taken() == LoadPath::fast;
    EXPECT_EQ(dump_of(a.value()), dump_of(s.value()));
    ++singles;
  }
  for (const auto& chain : testsupport::manifest_chains(rows)) {
    SCOPED_TRACE(chain[0]["file"]);
    std::vector<std::string> files;
    for (const auto& r : chain) files.push_back(path_of(r));
    auto a = load_parts(files, with_path(LoadPath::automatic));
    ASSERT_TRUE(a.ok()) << a.error().describe();
    auto s = load_parts(files, with_path(LoadPath::slow));
    ASSERT_TRUE(s.ok()) << s.error().describe();
    ASSERT_EQ(a->size(), files.size());
    EXPECT_EQ(dump_of(a.value()), dump_of(s.value()));
    ++chains;
  }
  std::printf("loaded %d files and %d chains on both paths; fast path taken for %d files\n", singles, chains,
              fast_taken);
  EXPECT_EQ(singles, 28);
  EXPECT_EQ(chains, 4);
}

// A later chain part alone: its pointers (or root) lie in a part not given (§5.8, P5).
TEST(RegionCorpus, LaterPartsWithoutTheirDepsAreMissingDep) {
  int n = 0;
  for (const auto& r : testsupport::load_manifest()) {
    if (!is_later_part(r)) continue;
    SCOPED_TRACE(r["file"]);
    auto a = Region::load_file(path_of(r), {}, {});
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, ErrorCode::missing_dep) << a.error().describe();
    EXPECT_EQ(a.error().file, path_of(r));
    ++n;
  }
  EXPECT_EQ(n, 8);
}

// §9.2.2: the fast path makes no writes to (non-closure) data and returns the raw root; with
// validation opted out it does no work at all.
TEST(RegionCorpus, FastPathWritesNothing) {
  int fast = 0;
  for (const auto& r : testsupport::load_manifest()) {
    if (is_later_part(r)) continue;
    const auto bytes = testsupport::read_corpus_file(r["file"]);
    for (bool validate : {true, false}) {
      LoadOptions o;
      o.validate = validate;
      auto got = Region::load_file(path_of(r), {}, o);
      ASSERT_TRUE(got.ok()) << got.error().describe();
      if (got->path_taken() != LoadPath::fast) continue;
      ++fast;
      EXPECT_EQ(std::memcmp(got->begin(), bytes.data(), bytes.size()), 0) << r["file"];
      EXPECT_EQ(got->root(), load_u64(bytes.data() + got->header().data_start()));
      EXPECT_EQ(got->validated(), validate);
      if (!validate) {
        EXPECT_EQ(got->work(), 0u);
      }
    }
  }
  std::printf("fast-path loads checked: %d\n", fast);
}

TEST(RegionCorpus, ForcedFastPathFailsCleanlyWhenTheBaseIsTaken) {
  const auto rows = testsupport::load_manifest();
  const std::string f = path_of(rows[0]);
  auto first = Region::load_file(f, {}, {});
  ASSERT_TRUE(first.ok()) << first.error().describe();
  // A second load of a mapped file lands in the fallback (§5.3), so `fast` cannot hold.
  auto second = Region::load_file(f, {}, with_path(LoadPath::fast));
  if (first->mapped()) {
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::path_unavailable);
  }
  auto third = Region::load_file(f, {}, {});
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->at_base() && first->at_base());
}

// §5.6 dep_regions_miss: A and B share a base, so B falls back to malloc; C points into B and
// must take the slow path and resolve into B, not into A mapped at the same logical address.
TEST(RegionPaths, DepRegionsMiss) {
  const uint64_t shared = 0x7e9000000000ULL, third = 0x7e9100000000ULL;
  RegionForger a(Format::v2, shared), b(Format::v2, shared);
  a.set_root(a.string("in A"));
  b.set_root(b.string("in B"));
  const uint64_t target = b.offset_of(b.header().base_addr + 96) + shared;  // B's string, same address as A's
  auto ra = Region::load_bytes("A", a.bytes(), {}, {});
  ASSERT_TRUE(ra.ok()) << ra.error().describe();
  auto rb = Region::load_bytes("B", b.bytes(), {}, {});
  ASSERT_TRUE(rb.ok()) << rb.error().describe();
  if (!ra->at_base()) GTEST_SKIP() << "this build cannot map at 0x7e9000000000";
  EXPECT_FALSE(rb->at_base());
  RegionForger c(Format::v2, third);
  c.set_root(c.ctor(0, {target}));
  const Region* deps[] = {&rb.value()};
  auto rc = Region::load_bytes("C", c.bytes(), deps, {});
  ASSERT_TRUE(rc.ok()) << rc.error().describe();
  EXPECT_EQ(rc->path_taken(), LoadPath::slow);
  const auto* root = reinterpret_cast<const uint8_t*>(rc->root());
  EXPECT_EQ(load_u64(root + 8), reinterpret_cast<uint64_t>(rb->begin()) + 96);
  EXPECT_NE(load_u64(root + 8), reinterpret_cast<uint64_t>(ra->begin()) + 96);
}

TEST(RegionPaths, DepOverlapOnlyOnTheSlowPath) {
  RegionForger d(Format::v2, 0x7e9200000000ULL);
  d.set_root(d.string("dep"));
  auto rd = Region::load_bytes("D", d.bytes(), {}, {});
  ASSERT_TRUE(rd.ok());
  RegionForger own(Format::v2, 0x7e9200000000ULL + 8);  // own data overlaps D's file range (R2)
  own.set_root(own.ctor(0, {box(1)}));
  const Region* deps[] = {&rd.value()};
  auto slow = Region::load_bytes("own", own.bytes(), deps, with_path(LoadPath::slow));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::dep_overlap);
  EXPECT_EQ(slow.error().message, "region_reader: own region overlaps a dep region's `base_addr` range");
  const Region* twice[] = {&rd.value(), &rd.value()};  // R1: the same dep twice
  RegionForger other(Format::v2, 0x7e9300000000ULL);
  other.set_root(other.ctor(0, {box(1)}));
  auto dup = Region::load_bytes("other", other.bytes(), twice, with_path(LoadPath::slow));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, "region_reader: dep regions have overlapping `base_addr` ranges");
  auto fast = Region::load_bytes("other", other.bytes(), twice, {});
  if (fast.ok()) {
    EXPECT_EQ(fast->path_taken(), LoadPath::fast);  // upstream accepts this on the fast path (§5.10)
  }
}

TEST(RegionEmpty, ZeroByteHeaderOnlyEmptyListEmptyPart) {
  auto z = Region::load_bytes("zero", {}, {}, {});
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code, ErrorCode::truncated);
  RegionForger b;
  auto header_only = b.bytes();
  header_only.resize(88);
  auto h = Region::load_bytes("header-only", header_only, {}, {});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ErrorCode::truncated);
  EXPECT_EQ(h.error().offset, 88u);
  auto none = load_parts({}, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  RegionForger p0(Format::v2, 0x7e9400000000ULL);
  const uint64_t root = p0.ctor(0, {p0.string("root")});
  p0.set_root(root);
  RegionForger p1(Format::v2, next_part_base(0x7e9400000000ULL, p0.bytes().size()));
  p1.set_root(root);
  ASSERT_EQ(p1.bytes().size(), 96u);
  auto r0 = Region::load_bytes("p0", p0.bytes(), {}, {});
  ASSERT_TRUE(r0.ok());
  const Region* deps[] = {&r0.value()};
  for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
    auto with = Region::load_bytes("p1", p1.bytes(), deps, with_path(path));
    ASSERT_TRUE(with.ok()) << with.error().describe();
    EXPECT_EQ(with->root(), reinterpret_cast<uint64_t>(r0->begin()) + p0.offset_of(root));
  }
  auto without = Region::load_bytes("p1", p1.bytes(), {}, {});
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, ErrorCode::missing_dep);
  EXPECT_EQ(without.error().offset, 88u);
}

// Interruption: EINTR at the n-th read for every n, and short reads of every length 1..16 at
// every call, load to the same dump as a clean read (#13493). Slow path, so the body is read.
// Every single file and every chain (later parts are read with their predecessors as deps).
std::vector<std::vector<std::string>> load_inputs() {
  std::vector<std::vector<std::string>> inputs;
  const auto rows = testsupport::load_manifest();
  for (const auto& r : rows)
    if (!is_later_part(r)) inputs.push_back({path_of(r)});
  for (const auto& chain : testsupport::manifest_chains(rows)) {
    std::vector<std::string> files;
    for (const auto& r : chain) files.push_back(path_of(r));
    inputs.push_back(files);
  }
  return inputs;
}

TEST(RegionFaults, EintrAndShortReadsGiveTheCleanResult) {
  uint64_t loads = 0;
  for (const auto& files : load_inputs()) {
    SCOPED_TRACE(files.back());
    auto clean = load_parts(files, with_path(LoadPath::slow));
    ASSERT_TRUE(clean.ok());
    const std::string want = dump_of(clean.value());
    FaultIo counter;
    ASSERT_TRUE(load_parts(files, with_path(LoadPath::slow), counter).ok());
    const uint64_t reads = counter.calls(IoCall::read);
    for (uint64_t n = 1; n <= reads + 1; ++n) {
      FaultIo io({{IoCall::read, n, IoEffect::eintr}});
      auto got = load_parts(files, with_path(LoadPath::slow), io);
      ASSERT_TRUE(got.ok()) << "EINTR at read " << n << ": " << got.error().describe();
      EXPECT_EQ(dump_of(got.value()), want);
      ++loads;
    }
    for (uint64_t len = 1; len <= 16; ++len) {
      FaultIo io({}, true, len);
      auto got = load_parts(files, with_path(LoadPath::slow), io);
      ASSERT_TRUE(got.ok()) << "short reads of " << len << ": " << got.error().describe();
      EXPECT_EQ(dump_of(got.value()), want);
      ++loads;
    }
  }
  std::printf("fault-schedule loads: %llu\n", static_cast<unsigned long long>(loads));
}

// Counts releases: a region frees its mapping or buffer exactly once, whatever path it took.
class CountingIo : public Io {
 public:
  int munmap(void* addr, size_t len) override {
    ++unmaps;
    return Io::munmap(addr, len);
  }
  void free(void* p) override {
    if (p != nullptr) ++frees;
    Io::free(p);
  }
  void* malloc(size_t n) override {
    ++mallocs;
    return Io::malloc(n);
  }
  void* mmap(void* a, size_t len, int prot, int flags, int fd, off_t off) override {
    void* p = Io::mmap(a, len, prot, flags, fd, off);
    if (p != MAP_FAILED) ++maps;
    return p;
  }
  int maps = 0, unmaps = 0, mallocs = 0, frees = 0;
};

TEST(RegionLifetime, ReleasedExactlyOnce) {
  for (const auto& files : load_inputs()) {
    for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
      CountingIo io;
      {
        auto parts = load_parts(files, with_path(path), io);
        ASSERT_TRUE(parts.ok());
        std::vector<Region> moved = std::move(parts.value());  // moving hands ownership over
      }
      EXPECT_EQ(io.maps, io.unmaps) << files.back();
      EXPECT_EQ(io.mallocs, io.frees) << files.back();
      EXPECT_EQ(io.maps + io.mallocs, static_cast<int>(files.size())) << files.back();
    }
  }
}

TEST(RegionFaults, ErrorsAndMissesAreClean) {
  const auto rows = testsupport::load_manifest();
  const std::vector<std::string> files{path_of(rows[0])};
  auto clean = load_parts(files, {});
  ASSERT_TRUE(clean.ok());
  const std::string want = dump_of(clean.value());
  clean.value().clear();  // unmap, so the base is free again
  {
    FaultIo io({{IoCall::mmap, 1, IoEffect::mmap_miss}});
    auto got = load_parts(files, {}, io);
    ASSERT_TRUE(got.ok()) << got.error().describe();
    EXPECT_EQ(got.value()[0].path_taken(), LoadPath::slow);
    EXPECT_EQ(dump_of(got.value()), want);
  }
  {
    FaultIo io({{IoCall::read, 1, IoEffect::fail_eio}});
    auto got = load_parts(files, {}, io);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, ErrorCode::io_error);
  }
  {
    FaultIo io({{IoCall::open, 1, IoEffect::eintr}});  // EINTR on open is retried
    EXPECT_TRUE(load_parts(files, {}, io).ok());
  }
  {
    FaultIo io({{IoCall::read, 2, IoEffect::fail_eio}});
    auto got = load_parts(files, with_path(LoadPath::slow), io);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, ErrorCode::io_error);
  }
}

// Allocation failure of the region buffer at every allocation point of a chain load gives
// out_of_memory or the clean result; ASan's leak check at exit proves nothing leaked.
TEST(RegionFaults, BufferAllocationFailure) {
  for (const auto& chain : testsupport::manifest_chains(testsupport::load_manifest())) {
    std::vector<std::string> files;
    for (const auto& r : chain) files.push_back(path_of(r));
    FaultIo counter;
    ASSERT_TRUE(load_parts(files, with_path(LoadPath::slow), counter).ok());
    const uint64_t allocs = counter.calls(IoCall::malloc);
    ASSERT_EQ(allocs, files.size());
    for (uint64_t n = 1; n <= allocs; ++n) {
      FaultIo io({{IoCall::malloc, n, IoEffect::no_memory}});
      auto got = load_parts(files, with_path(LoadPath::slow), io);
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.error().code, ErrorCode::out_of_memory) << got.error().describe();
    }
  }
}

std::set<uint64_t> cut_points(uint64_t size, const RegionSummary& s, std::mt19937_64& rng) {
  std::set<uint64_t> cuts;
  if (size <= 64 * 1024) {
    for (uint64_t i = 0; i < size; ++i) cuts.insert(i);
    return cuts;
  }
  for (const ObjectRecord& o : s.table.records)
    for (uint64_t d : {o.offset - 1, o.offset, o.offset + 1}) cuts.insert(d);
  for (uint64_t b : {0, 5, 6, 16, 24, 56, 88, 96}) cuts.insert(b);
  std::uniform_int_distribution<uint64_t> any(0, size - 1);
  for (int i = 0; i < 2000; ++i) cuts.insert(any(rng));
  return cuts;
}

// Every cut of every corpus file is rejected with a typed error by the loader (no deps given,
// so even the cut right after the root slot fails: its root points outside, missing_dep).
TEST(RegionTruncation, EveryCutRejected) {
  std::mt19937_64 rng(0x5eed0c0ffee + 2);
  std::map<std::string, uint64_t> by_class;
  uint64_t inputs = 0;
  for (const auto& r : testsupport::load_manifest()) {
    SCOPED_TRACE(r["file"]);
    const auto file = testsupport::read_corpus_file(r["file"]);
    auto whole = Region::load_bytes("whole", file, {}, with_path(LoadPath::slow));
    const RegionSummary empty;
    for (uint64_t cut : cut_points(file.size(), whole ? whole->summary() : empty, rng)) {
      if (cut >= file.size()) continue;
      const std::vector<uint8_t> part(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
      auto got = Region::load_bytes(r["file"], part, {}, with_path(LoadPath::slow));
      ASSERT_FALSE(got.ok()) << "accepted a cut at " << cut;
      ++by_class[std::string(error_name(got.error().code))];
      ++inputs;
    }
  }
  std::printf("loader truncations: %llu rejected:", static_cast<unsigned long long>(inputs));
  for (const auto& [k, n] : by_class) std::printf(" %s %llu", k.c_str(), static_cast<unsigned long long>(n));
  std::printf("\n");
}

// Work bound: validation + relocation work <= c * words, c = 4 (docs/performance.md), over
// the corpus and 20 random single-byte mutations of each file.
TEST(RegionWork, BoundedByFileSize) {
  constexpr uint64_t c = 4;
  std::mt19937_64 rng(7);
  double worst = 0;
  for (const auto& r : testsupport::load_manifest()) {
    if (is_later_part(r)) continue;
    const auto file = testsupport::read_corpus_file(r["file"]);
    for (int m = 0; m <= 20; ++m) {
      auto bytes = file;
      if (m > 0) bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng)] ^= 0xFF;
      LoadOptions o = with_path(LoadPath::slow);
      o.canonical = false;
      auto got = Region::load_bytes(r["file"], bytes, {}, o);
      if (!got) continue;
      const double per_word = static_cast<double>(got->work()) / static_cast<double>(bytes.size() / 8);
      worst = std::max(worst, per_word);
      EXPECT_LE(got->work(), c * (bytes.size() / 8 + 1)) << r["file"];
    }
  }
  std::printf("worst work per file word: %.3f (bound %llu)\n", worst, static_cast<unsigned long long>(c));
}

// A 10-million-deep list (List.cons = ctor tag 1, fields head and tail) loads on both paths:
// nothing in the loader recurses.
TEST(RegionDeep, TenMillionConsCells) {
  constexpr uint64_t n = 10'000'000;
  RegionForger b(Format::v2, 0x7ea000000000ULL);
  b.data().reserve(n * 24);
  uint64_t tail = box(0);
  for (uint64_t i = 0; i < n; ++i) tail = b.ctor(1, {box(i & 0xFF), tail});
  b.set_root(tail);
  const auto bytes = b.bytes();
  for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
    auto got = Region::load_bytes("deep", bytes, {}, with_path(path));
    ASSERT_TRUE(got.ok()) << got.error().describe();
    EXPECT_EQ(got->summary().objects, n);
    // Walk the list through the loaded (possibly relocated) pointers.
    uint64_t cells = 0;
    for (uint64_t p = got->root(); !is_scalar(p); p = load_u64(reinterpret_cast<const uint8_t*>(p) + 16)) ++cells;
    EXPECT_EQ(cells, n);
  }
  // The loader skips depths (a second random read per edge); the structural walk measures it.
  auto layout = parse_file_layout(bytes, {});
  ASSERT_TRUE(layout.ok());
  auto walked = walk_region(bytes, layout.value(), WalkOptions{});
  ASSERT_TRUE(walked.ok()) << walked.error().describe();
  EXPECT_EQ(walked->max_depth, n);
}

}  // namespace
}  // namespace cf
