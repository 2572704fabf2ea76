// The compactor (core/compactor.h) on hand-built heaps: byte layout of every kind, identity
// and max sharing, deps, chains, the v3 trailer, every rejection, rollback after a failed
// part, depth, and the atomic writer under a fault schedule.
#include "core/compactor.h"
#include "core/placement.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/heap.h"
#include "core/name_hash.h"
#include "core/region.h"

namespace cf {
namespace {

constexpr uint64_t k_base = placement::test_base(4);
constexpr uint64_t k_dep_base = placement::test_base(5);

CompactorOptions opts(Strategy s = Strategy::worklist, Format f = Format::v2) {
  CompactorOptions o;
  o.strategy = s;
  o.format = f;
  o.base_addr = k_base;
  return o;
}

std::vector<uint8_t> must(Result<std::vector<uint8_t>> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? std::move(r).value() : std::vector<uint8_t>{};
}

// Loads bytes on the forced slow path with full canonical validation.
Result<Region> load(const std::vector<uint8_t>& bytes, std::span<const Region* const> deps = {},
                    LoadPath path = LoadPath::slow, uint8_t flags = k_flag_gmp) {
  LoadOptions o;
  o.path = path;
  o.header.expected_flags = flags;
  return Region::load_bytes("compacted", bytes, deps, o);
}

uint64_t word(const std::vector<uint8_t>& f, uint64_t off) { return load_u64(f.data() + off); }

TEST(CompactorLayout, CtorAndStringExactBytes) {
  Heap h;
  const uint64_t s = h.string("ab");
  const uint8_t sc[] = {1, 2, 3};
  const uint64_t c = h.ctor(1, std::vector<uint64_t>{box(7), s}, sc);
  const auto f = must(compact(c, opts()));
  // 88 header + root slot + String (32 + 3 -> 40) + ctor (8 + 16 + 3 -> 32) = 168.
  ASSERT_EQ(f.size(), 168u);
  EXPECT_EQ(std::memcmp(f.data(), "olean\x02\x01", 7), 0);
  EXPECT_EQ(word(f, 80), k_base);
  EXPECT_EQ(word(f, 88), k_base + 136);  // root = the last object
  // String at 96: rc 0, cs_sz 1, other 0, tag 249; size 3, capacity 3, length 2, "ab\0".
  EXPECT_EQ(word(f, 96), 0xF9000001'00000000ULL);
  EXPECT_EQ(word(f, 104), 3u);
  EXPECT_EQ(word(f, 112), 3u);
  EXPECT_EQ(word(f, 120), 2u);
  EXPECT_EQ(std::memcmp(f.data() + 128, "ab\0\0\0\0\0\0", 8), 0);
  // ctor at 136: cs_sz 32, 2 fields, tag 1; box(7); -> string; scalars 01 02 03 + zero padding.
  EXPECT_EQ(word(f, 136), 0x01020020'00000000ULL);
  EXPECT_EQ(word(f, 144), box(7));
  EXPECT_EQ(word(f, 152), k_base + 96);
  EXPECT_EQ(word(f, 160), 0x030201u);
  auto r = load(f);
  ASSERT_TRUE(r.ok()) << r.error().describe();
}

TEST(CompactorLayout, SpareCapacityIsDroppedAndEveryKindValidates) {
  for (bool gmp : {true, false}) {
    Heap h(gmp);
    std::vector<uint64_t> all;
    all.push_back(h.string("", 5));
    all.push_back(h.string("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", 3));  // multi-byte UTF-8
    all.push_back(h.array({}, 4));
    const uint8_t bytes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    for (uint8_t e : {1, 2, 4, 8}) all.push_back(h.sarray(e, std::span<const uint8_t>(bytes, 16 / e * e), 2));
    const uint64_t limbs[] = {0xFFFFFFFFFFFFFFFFULL, 7};
    all.push_back(h.mpz(false, limbs));
    all.push_back(h.mpz(true, limbs));
    all.push_back(h.mpz(false, {}));
    all.push_back(h.thunk(all[0]));
    all.push_back(h.task(box(3)));
    all.push_back(h.ref(all[1]));
    all.push_back(h.promise(all[8]));
    all.push_back(h.ctor(0, {}, std::vector<uint8_t>(8, 0xAB)));
    std::vector<uint64_t> many(255, box(1));
    all.push_back(h.ctor(243, many, std::vector<uint8_t>(1024, 0x5A)));
    const uint64_t root = h.array(all, 3);
    CompactorOptions o = opts();
    o.flags = gmp ? k_flag_gmp : 0;
    const auto f = must(compact(root, o));
    auto r = load(f, {}, LoadPath::slow, o.flags);
    ASSERT_TRUE(r.ok()) << "gmp " << gmp << ": " << r.error().describe();
    EXPECT_EQ(r->summary().objects, all.size() + 1);
    // Slow and fast paths agree on the root array's size.
    EXPECT_EQ(load_u64(reinterpret_cast<const uint8_t*>(r->root()) + 8), all.size());
  }
}

TEST(CompactorLayout, MpzLimbPointerIsOwnAddressPlus24AndSizeWrapsAt8189Limbs) {
  Heap h;
  std::vector<uint64_t> limbs(8189, 0x1234);
  const uint64_t big = h.mpz(true, limbs);
  const auto f = must(compact(big, opts()));
  ASSERT_EQ(f.size(), 96 + 24 + 8 * 8189u);
  EXPECT_EQ(load_u16(f.data() + 96 + 4), (24 + 8 * 8189) % 65536);
  EXPECT_EQ(word(f, 96 + 16), k_base + 96 + 24);
  EXPECT_EQ(load_i32(f.data() + 96 + 8), 8189);   // _mp_alloc = |size|
  EXPECT_EQ(load_i32(f.data() + 96 + 12), -8189);
  auto r = load(f);
  ASSERT_TRUE(r.ok()) << r.error().describe();
}

TEST(CompactorSharing, IdentityAndMaxSharing) {
  Heap h;
  const uint64_t a = h.string("x"), b = h.string("x");  // distinct, equal
  const uint64_t r1 = h.ref(box(1)), r2 = h.ref(box(1));  // refs never merge
  const uint64_t limb[] = {5};
  const uint64_t m1 = h.mpz(false, limb), m2 = h.mpz(false, limb);  // mpz never merge
  const uint64_t root = h.array(std::vector<uint64_t>{a, a, b, r1, r2, m1, m2});
  CompactorOptions o = opts();
  Compactor c(o);
  const auto f = must(c.save(root));
  auto r = load(f);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->summary().objects, 1 + 2 + 2 + 1u);  // one string, two refs, two mpz, the array
  EXPECT_EQ(c.stats().shared, 1u);
  const uint64_t arr = 96 + 40 + 16 + 16 + 32 + 32;
  EXPECT_EQ(word(f, arr + 24), word(f, arr + 32));  // identity
  EXPECT_EQ(word(f, arr + 24), word(f, arr + 40));  // max sharing
  EXPECT_NE(word(f, arr + 48), word(f, arr + 56));
  EXPECT_NE(word(f, arr + 64), word(f, arr + 72));

  o.max_sharing = false;
  const auto g = must(compact(root, o));
  EXPECT_EQ(g.size(), f.size() + 40);  // the second "x" kept
}

TEST(CompactorOrder, DescendingLegacyOrderReversesChildren) {
  Heap h;
  const uint64_t x = h.string("x"), y = h.string("y");
  const uint64_t root = h.ctor(0, std::vector<uint64_t>{x, y});
  CompactorOptions o = opts();
  const auto asc = must(compact(root, o));
  o.child_order = ChildOrder::descending;
  const auto desc = must(compact(root, o));
  EXPECT_EQ(asc[128], 'x');
  EXPECT_EQ(desc[128], 'y');
  EXPECT_EQ(asc.size(), desc.size());
}

TEST(CompactorDeps, DepObjectsAreReferencedNotCopied) {
  Heap h;
  const uint64_t shared_name = h.ctor(1, std::vector<uint64_t>{box(0), h.string("Nat")}, std::vector<uint8_t>(8, 1));
  CompactorOptions dep_opts = opts();
  dep_opts.base_addr = k_dep_base;
  const auto dep_bytes = must(compact(h.array(std::vector<uint64_t>{shared_name}), dep_opts));
  auto dep = load(dep_bytes, {}, LoadPath::slow);
  ASSERT_TRUE(dep.ok()) << dep.error().describe();
  const uint64_t dep_root = dep->root();
  const uint64_t dep_name = load_u64(reinterpret_cast<const uint8_t*>(dep_root) + 24);

  const uint64_t root = h.ctor(2, std::vector<uint64_t>{dep_name, h.string("own")});
  CompactorOptions o = opts();
  o.deps = {dep->view()};
  Compactor c(o);
  const auto f = must(c.save(root));
  EXPECT_EQ(c.stats().dep_refs, 1u);
  // Only "own" and the ctor are emitted; field 0 is the dep object's saved address.
  ASSERT_EQ(f.size(), 96 + 40 + 24u);
  EXPECT_EQ(word(f, 136 + 8), dep_name - reinterpret_cast<uint64_t>(dep->begin()) + k_dep_base);
  const Region* deps[] = {&dep.value()};
  auto r = load(f, deps);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_FALSE(load(f).ok());  // without the dep: missing_dep
}

TEST(CompactorChains, PartsShareTablesAndBasesFollowThe64KRule) {
  Heap h;
  const uint64_t s = h.string("shared");
  const uint64_t p0 = h.ctor(0, std::vector<uint64_t>{s});
  const uint64_t p1 = h.ctor(1, std::vector<uint64_t>{p0, h.string("shared")});  // structural match
  Compactor c(opts());
  const auto f0 = must(c.save(p0));
  EXPECT_EQ(c.next_base(), k_base + 0x10000);
  const auto f1 = must(c.save(p1));
  const auto f2 = must(c.save(p0));  // adds nothing: exactly 96 bytes, root in part 0
  EXPECT_EQ(word(f1, 80), k_base + 0x10000);
  ASSERT_EQ(f1.size(), 96 + 24u);  // only the new ctor; both fields point into part 0
  EXPECT_EQ(word(f1, 96 + 8), word(f0, 88));
  EXPECT_EQ(word(f1, 96 + 16), k_base + 96);  // "shared" merged with part 0's string
  ASSERT_EQ(f2.size(), 96u);
  EXPECT_EQ(word(f2, 80), k_base + 0x20000);
  EXPECT_EQ(word(f2, 88), word(f0, 88));
  auto r0 = load(f0, {}, LoadPath::slow);
  ASSERT_TRUE(r0.ok());
  const Region* d0[] = {&r0.value()};
  auto r1 = load(f1, d0, LoadPath::slow);
  ASSERT_TRUE(r1.ok()) << r1.error().describe();
  const Region* d01[] = {&r0.value(), &r1.value()};
  auto r2 = load(f2, d01, LoadPath::slow);
  ASSERT_TRUE(r2.ok()) << r2.error().describe();
  EXPECT_FALSE(load(f2).ok());  // the empty part without its predecessors
}

TEST(CompactorV3, TrailerListsClosuresAndOnlyTheLibrariesUsed) {
  Heap h;
  const uint64_t cl1 = h.closure(0x500010, 2, std::vector<uint64_t>{h.string("arg")});
  const uint64_t cl2 = h.closure(0x900020, 1, {});
  const uint64_t root = h.array(std::vector<uint64_t>{cl1, cl2, cl1});
  CompactorOptions o = opts(Strategy::worklist, Format::v3);
  o.libraries = {{0x900000, "libB.so"}, {0x500000, ""}, {0x700000, "libunused.so"}};
  const auto f = must(compact(root, o));
  FileHeader fh;
  auto layout = parse_file_layout(f, {});
  ASSERT_TRUE(layout.ok()) << layout.error().describe();
  fh = layout.value();
  EXPECT_EQ(fh.format, Format::v3);
  // "arg" (40) at D+8, closure 1 (32) at D+48, closure 2 (24) at D+80: m_fun at +8 each.
  EXPECT_EQ(fh.trailer.closure_offsets, (std::vector<uint64_t>{56, 88}));
  ASSERT_EQ(fh.trailer.libraries.size(), 2u);
  EXPECT_EQ(fh.trailer.libraries[0].identity, "");
  EXPECT_EQ(fh.trailer.libraries[1].identity, "libB.so");
  auto missing = load(f);  // libB.so is not loaded in this process (§5.5)
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::missing_library);
  LoadOptions here;  // loaded where they were saved: nothing moves
  here.path = LoadPath::slow;
  here.libraries = o.libraries;
  auto r = Region::load_bytes("compacted", f, {}, here);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->closure_relocation().is_identity());

  const auto none = must(compact(h.string("no closures"), o));
  auto plain = parse_file_layout(none, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->trailer.closure_offsets.empty());
  EXPECT_TRUE(plain->trailer.libraries.empty());
  EXPECT_EQ(std::vector<uint8_t>(none.end() - 8, none.end()), std::vector<uint8_t>(8, 0));
}

struct Rejection {
  const char* what;
  ErrorCode code;
};

TEST(CompactorRejects, EveryRejectionHasItsClassAndLeavesTheCompactorUsable) {
  for (Strategy s : {Strategy::worklist, Strategy::recursive}) {
    Heap h;
    const uint64_t good = h.ctor(0, std::vector<uint64_t>{h.string("ok")});
    const uint64_t cyc = h.ref(box(0));
    h.set_slot(cyc, 0, h.ctor(0, std::vector<uint64_t>{cyc}));
    std::vector<uint64_t> wide(8189, box(0));
    const std::vector<std::pair<uint64_t, Rejection>> cases = {
        {h.ctor(0, std::vector<uint64_t>{h.string("partial"), h.external()}), {"external", ErrorCode::external_object}},
        {h.array(std::vector<uint64_t>{h.closure(0x1000, 1, {})}), {"closure in v2", ErrorCode::closure_not_allowed}},
        {cyc, {"cycle through a Ref", ErrorCode::cycle}},
        {h.array(std::vector<uint64_t>{h.struct_array()}), {"StructArray", ErrorCode::unrepresentable}},
        {h.reserved(), {"tag 255", ErrorCode::unrepresentable}},
    };
    Compactor c(opts(s));
    const auto first = must(c.save(good));
    for (const auto& [root, want] : cases) {
      auto r = c.save(root);
      ASSERT_FALSE(r.ok()) << want.what;
      EXPECT_EQ(r.error().code, want.code) << want.what << ": " << r.error().describe();
    }
    // The failed parts left nothing behind: the next part is what a fresh chain would give.
    const uint64_t next = h.ctor(3, std::vector<uint64_t>{good, h.string("partial")});
    const auto after = must(c.save(next));
    Compactor fresh(opts(s));
    ASSERT_EQ(must(fresh.save(good)), first);
    EXPECT_EQ(must(fresh.save(next)), after) << strategy_name(s);
  }
  Heap h;
  CompactorOptions v3 = opts(Strategy::worklist, Format::v3);
  auto r = compact(h.closure(0x10, 1, {}), v3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::missing_library);
  v3.libraries = {{0, ""}};
  std::vector<uint64_t> args(8189, box(0));
  auto w = compact(h.closure(0x10, 1, args), v3);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::unrepresentable);
}

uint64_t deep_list(Heap& h, uint64_t n) {
  uint64_t tail = box(0);
  for (uint64_t i = 0; i < n; ++i) tail = h.ctor(1, std::vector<uint64_t>{box(i & 0xFF), tail});
  return tail;
}

TEST(CompactorDepth, RecursiveStopsAtItsBudgetWorklistHasNone) {
  Heap h;
  const uint64_t list = deep_list(h, 5000);
  CompactorOptions o = opts(Strategy::recursive);
  o.max_depth = 4999;
  auto over = compact(list, o);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::depth_limit);
  o.max_depth = 5000;
  const auto rec = must(compact(list, o));
  EXPECT_EQ(rec, must(compact(list, opts(Strategy::worklist))));
}

// A graph deeper than the recursive strategy's first, on-stack attempt (1,024 levels; 256
// under sanitizers) is redone on its own thread: the undo must forget the attempt's closures,
// libraries, shared strings and dep references, and the bytes must equal the worklist's.
TEST(CompactorDepth, RecursiveRetryOnItsThreadGivesTheWorklistBytes) {
  Heap h;
  CompactorOptions dep_opts = opts();
  dep_opts.base_addr = k_dep_base;
  const auto dep_bytes = must(compact(h.array(std::vector<uint64_t>{h.string("dep")}), dep_opts));
  auto dep = load(dep_bytes);
  ASSERT_TRUE(dep.ok());
  const uint64_t dep_str = load_u64(reinterpret_cast<const uint8_t*>(dep->root()) + 24);
  uint64_t tail = box(0);
  for (uint64_t i = 0; i < 3000; ++i) {
    const uint64_t head = i % 3 == 0   ? h.closure(0x400000 + (i % 2) * 0x100000, 2, std::vector<uint64_t>{box(i)})
                          : i % 3 == 1 ? h.string("s" + std::to_string(i % 7))
                                       : dep_str;
    tail = h.ctor(1, std::vector<uint64_t>{head, tail});
  }
  CompactorOptions o = opts(Strategy::worklist, Format::v3);
  o.libraries = {{0x400000, "liba"}, {0x500000, "libb"}, {0x900000, "unused"}};
  o.deps = {dep->view()};
  Compactor w(o);
  o.strategy = Strategy::recursive;
  Compactor r(o);
  const auto a = must(w.save(tail)), b = must(r.save(tail));
  EXPECT_EQ(a, b);
  EXPECT_EQ(r.stats().emitted, w.stats().emitted);
  EXPECT_EQ(r.stats().shared, w.stats().shared);
  EXPECT_EQ(r.stats().dep_refs, w.stats().dep_refs);
  EXPECT_EQ(r.stats().max_depth, w.stats().max_depth);
  EXPECT_GT(r.stats().max_depth, 3000u);  // the list, then the closure under its last cell
}

// PERFORMANCE.md's deep-graph goal: a 10-million-deep list compacts (worklist) and loads.
TEST(CompactorDepth, TenMillionDeepListCompactsWithTheWorklist) {
  constexpr uint64_t n = 10'000'000;
  Heap h;
  const uint64_t list = deep_list(h, n);
  Compactor c(opts());
  const auto f = must(c.save(list));
  EXPECT_EQ(f.size(), 96 + 24 * n);  // ctor: header + 2 fields
  EXPECT_EQ(c.stats().max_depth, n);
  auto r = load(f);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->summary().objects, n);
  // The recursive strategy stops at its budget (default 100,000 levels) instead of crashing.
  auto rec = compact(list, opts(Strategy::recursive));
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().code, ErrorCode::depth_limit);
}

TEST(CompactorBase, KeyGivesTheFormatBase) {
  auto key = Name::parse("Init.Data.List.Basic");
  ASSERT_TRUE(key.has_value());
  CompactorOptions o = opts();
  o.base_addr = base_addr_for_key(*key);
  Heap h;
  const auto f = must(compact(h.string("s"), o));
  EXPECT_EQ(word(f, 80), base_addr_for_key(*key));
  EXPECT_EQ(word(f, 80) % 0x10000, 0u);
}

// ---- the atomic writer --------------------------------------------------------------------

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cf_writer_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<uint8_t> read(const std::filesystem::path& p) {
    std::vector<uint8_t> b(std::filesystem::file_size(p));
    FILE* f = std::fopen(p.c_str(), "rb");
    EXPECT_EQ(std::fread(b.data(), 1, b.size(), f), b.size());
    std::fclose(f);
    return b;
  }
  std::filesystem::path dir_;
};

TEST_F(WriterTest, EveryFaultLeavesNoTempFileAndTheOldTargetIntact) {
  Heap h;
  const auto bytes = must(compact(h.string(std::string(5000, 'q')), opts()));
  const auto target = dir_ / "M.olean";
  const std::vector<uint8_t> old = {'o', 'l', 'd'};
  {
    FILE* f = std::fopen(target.c_str(), "wb");
    std::fwrite(old.data(), 1, old.size(), f);
    std::fclose(f);
  }
  const std::vector<std::vector<IoFault>> failing = {
      {{IoCall::open, 1, IoEffect::fail_eio}},   {{IoCall::write, 1, IoEffect::fail_eio}},
      {{IoCall::write, 1, IoEffect::short_io, 7}, {IoCall::write, 2, IoEffect::fail_eio}},
      {{IoCall::fsync, 1, IoEffect::fail_eio}},  {{IoCall::rename, 1, IoEffect::fail_eio}},
  };
  for (const auto& schedule : failing) {
    FaultIo io(schedule);
    auto st = write_file_atomic(target.string(), bytes, io);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::io_error);
    EXPECT_EQ(entries(), std::vector<std::string>{"M.olean"}) << st.error().describe();
    EXPECT_EQ(read(target), old);
  }
  // EINTR and short writes are retried: the result is the whole file.
  const std::vector<std::vector<IoFault>> surviving = {
      {{IoCall::open, 1, IoEffect::eintr}},
      {{IoCall::write, 1, IoEffect::eintr}, {IoCall::write, 2, IoEffect::short_io, 1}},
  };
  for (const auto& schedule : surviving) {
    FaultIo io(schedule);
    auto st = write_file_atomic(target.string(), bytes, io);
    ASSERT_TRUE(st.ok()) << st.error().describe();
    EXPECT_EQ(read(target), bytes);
    EXPECT_EQ(entries(), std::vector<std::string>{"M.olean"});
    EXPECT_GT(io.faults_fired(), 0u);
  }
}

// A fault at every write, fsync and rename call of a save (writes cut into 1000-byte pieces so
// there are many): the target is absent or complete, never partial, and no temp file remains.
TEST_F(WriterTest, FaultAtEveryCallNeverLeavesAPartialFile) {
  Heap h;
  const auto bytes = must(compact(h.string(std::string(9000, 'z')), opts()));
  const auto target = dir_ / "F.olean";
  auto pieces = [](uint64_t upto) {
    std::vector<IoFault> s;
    for (uint64_t i = 1; i <= upto; ++i) s.push_back({IoCall::write, i, IoEffect::short_io, 1000});
    return s;
  };
  const uint64_t writes = bytes.size() / 1000 + 1;
  uint64_t runs = 0;
  for (IoCall call : {IoCall::write, IoCall::fsync, IoCall::rename}) {
    const uint64_t calls = call == IoCall::write ? writes : 1;
    for (uint64_t n = 1; n <= calls; ++n) {
      for (bool existed : {false, true}) {
        std::filesystem::remove(target);
        if (existed) {
          ASSERT_TRUE(write_file_atomic(target.string(), std::vector<uint8_t>{'o', 'l', 'd'}).ok());
        }
        auto schedule = pieces(writes + 1);
        schedule.push_back({call, n, IoEffect::fail_eio});
        if (call == IoCall::write) schedule.erase(schedule.begin() + static_cast<std::ptrdiff_t>(n - 1));
        FaultIo io(schedule);
        auto st = write_file_atomic(target.string(), bytes, io);
        ++runs;
        ASSERT_FALSE(st.ok()) << "fault at call " << n;
        EXPECT_EQ(st.error().code, ErrorCode::io_error);
        if (existed) {
          EXPECT_EQ(read(target), (std::vector<uint8_t>{'o', 'l', 'd'}));
          EXPECT_EQ(entries(), std::vector<std::string>{"F.olean"});
        } else {
          EXPECT_TRUE(entries().empty()) << "fault at call " << n;
        }
      }
    }
  }
  FaultIo clean(pieces(writes + 1));
  ASSERT_TRUE(write_file_atomic(target.string(), bytes, clean).ok());
  EXPECT_EQ(read(target), bytes);
  EXPECT_EQ(clean.calls(IoCall::write), writes);
  std::printf("atomic writer: %llu faulted saves (%llu writes, fsync, rename; target absent or old), all io_error\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(writes));
}

}  // namespace
}  // namespace cf
