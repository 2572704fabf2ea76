// Exhaustive structural mutation (issue 6 point 4), in the ordinary ctest run, no fuzzing
// engine: for small seeds (compacted random graphs and the smallest real files) every single
// bit flip of every structural byte, and every pair of flips inside chosen 128-bit windows, is
// loaded on the fast and the slow path. Each load must either be accepted and dump cleanly or
// be rejected with a typed error naming file and offset, and the two paths must agree: same
// verdict, same error class, identical dumps. A disagreement or a crash names the seed, the
// byte offset(s) and the bit(s), so a finding can be replayed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/compactor.h"
#include "core/placement.h"
#include "core/heap.h"
#include "core/region.h"
#include "oracles/generator.h"
#include "oracles/judges.h"
#include "oracles/observe.h"
#include "testsupport/corpus.h"

#if defined(__SANITIZE_ADDRESS__)
#define CF_MUTATION_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_MUTATION_ASAN 1
#endif
#endif
#ifdef CF_MUTATION_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace cf {
namespace {

using Bytes = std::vector<uint8_t>;

// Inside every sanitizer's application range (TSan's high range starts at 0x7e8000000000), so
// the fast path really runs for generated seeds in every build.
constexpr uint64_t k_base = placement::test_base(6);
constexpr uint64_t k_lib_base = 0x400000;  // the one "loaded library" of the v3 seed
constexpr size_t k_window_bits = 128;
constexpr int k_findings_printed = 10;  // per seed: enough to see a pattern, not a flood

// ---- crash attribution ---------------------------------------------------------------------
// A loader crash kills the process; the label of the mutant under test is kept in a static
// buffer so the dying process can still say which one it was.

char g_current[512] = "(no mutant yet)";

void print_current() {
  const char head[] = "\n*** mutation_test died while loading mutant: ";
  (void)!write(2, head, sizeof head - 1);
  (void)!write(2, g_current, std::strlen(g_current));
  (void)!write(2, "\n", 1);
}

#ifdef CF_MUTATION_ASAN
// ASan owns SIGSEGV; its death callback runs before it aborts.
void install_crash_reporter() { __sanitizer_set_death_callback(print_current); }
#else
extern "C" void on_fatal_signal(int sig) {
  print_current();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
void install_crash_reporter() {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);
}
#endif

// ---- one load, and the judgement of two -------------------------------------------------------

using oracles::LoadObservation;

/// What one side said about one mutant.
struct SideLoad {
  LoadObservation obs;
  bool fell_back = false;  ///< fast side: base not mappable, automatic was used
};

/// Loads `bytes` on one side (LoadPath::fast or LoadPath::slow). Tests feed fakes.
using Loader = std::function<SideLoad(std::span<const uint8_t> bytes, LoadPath side)>;

/// The finding for one mutant, or "" when both sides behaved and agreed: each side's
/// validate-then-walk (accepted: validated and walked; rejected: typed, named, placed), then
/// the path differential. The judges are the catalogue's (oracles/judges.h), nothing of its own.
std::string judge_mutant(const SideLoad& fast, const SideLoad& slow) {
  for (const oracles::Verdict& v :
       {oracles::judge_walk(fast.obs), oracles::judge_walk(slow.obs), oracles::judge_paths(fast.obs, slow.obs)})
    if (v.outcome == oracles::Outcome::finding) return oracles::describe(v);
  return "";
}

SideLoad load_side(const std::string& name, std::span<const uint8_t> bytes, LoadPath path) {
  const oracles::FileUnit unit{{name}, {Bytes(bytes.begin(), bytes.end())}};
  oracles::LoadSettings s;
  s.path = path;
  return {oracles::observe_load(unit, s)};
}

// The real loader. The fast side asks for the fast path and, when the (possibly mutated) base
// cannot be mapped, falls back to automatic: the verdict is still compared, just not at base.
Loader region_loader(const std::string& name) {
  return [name](std::span<const uint8_t> bytes, LoadPath side) {
    SideLoad l = load_side(name, bytes, side);
    if (side != LoadPath::fast || l.obs.accepted || l.obs.error->code != ErrorCode::path_unavailable) return l;
    l = load_side(name, bytes, LoadPath::automatic);
    l.fell_back = true;
    return l;
  };
}

Result<Region> load_once(const std::string& name, std::span<const uint8_t> bytes, LoadPath path) {
  LoadOptions o;
  o.path = path;
  o.header.flags = FlagsPolicy::declared;
  return Region::load_bytes(name, bytes, {}, o);
}

// ---- enumeration -----------------------------------------------------------------------------

struct Flip {
  uint64_t offset;
  uint8_t bit;
};

std::string flips_text(std::span<const Flip> flips) {
  std::string s;
  for (const Flip& f : flips) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%sbyte 0x%llx bit %u", s.empty() ? "" : " + ", static_cast<unsigned long long>(f.offset),
                  f.bit);
    s += buf;
  }
  return s;
}

/// Counters of one seed (and of the whole run).
struct Tally {
  uint64_t singles = 0, pairs = 0, accepted = 0, fell_back = 0, findings = 0;
  std::map<ErrorCode, uint64_t> rejected;
  std::vector<std::string> finding_texts;

  void add(const Tally& t) {
    singles += t.singles;
    pairs += t.pairs;
    accepted += t.accepted;
    fell_back += t.fell_back;
    findings += t.findings;
    for (const auto& [c, n] : t.rejected) rejected[c] += n;
  }
};

void print_tally(const std::string& title, const Tally& t) {
  std::printf("%s: %llu mutants (%llu single flips, %llu pairs), %llu accepted, %llu fast-side fallbacks, %llu findings\n",
              title.c_str(), static_cast<unsigned long long>(t.singles + t.pairs), static_cast<unsigned long long>(t.singles),
              static_cast<unsigned long long>(t.pairs), static_cast<unsigned long long>(t.accepted),
              static_cast<unsigned long long>(t.fell_back), static_cast<unsigned long long>(t.findings));
  for (const auto& [c, n] : t.rejected)
    std::printf("  rejected %-26s %llu\n", std::string(error_name(c)).c_str(), static_cast<unsigned long long>(n));
  std::fflush(stdout);
}

/// One seed file and the bytes to mutate.
struct Seed {
  std::string name;
  Bytes bytes;
  std::vector<uint64_t> structural;  ///< byte offsets for single flips
  std::vector<uint64_t> windows;     ///< start offsets of 16-byte pair windows
};

// Loads one mutant on both sides and records the outcome.
void run_mutant(const Seed& seed, Bytes& work, std::span<const Flip> flips, const Loader& load, Tally& t) {
  std::snprintf(g_current, sizeof g_current, "seed %s: %s", seed.name.c_str(), flips_text(flips).c_str());
  for (const Flip& f : flips) work[f.offset] ^= static_cast<uint8_t>(1u << f.bit);
  const SideLoad fast = load(work, LoadPath::fast);
  const SideLoad slow = load(work, LoadPath::slow);
  for (const Flip& f : flips) work[f.offset] ^= static_cast<uint8_t>(1u << f.bit);
  (flips.size() == 1 ? t.singles : t.pairs)++;
  t.fell_back += fast.fell_back;
  if (slow.obs.accepted)
    ++t.accepted;
  else if (slow.obs.error)
    ++t.rejected[slow.obs.error->code];
  const std::string finding = judge_mutant(fast, slow);
  if (finding.empty()) return;
  ++t.findings;
  if (t.finding_texts.size() < k_findings_printed) t.finding_texts.push_back(std::string(g_current) + ": " + finding);
}

bool short_run() {
  const char* v = std::getenv("CF_MUTATION_SHORT");
  return v != nullptr && std::strcmp(v, "0") != 0 && *v != '\0';
}

/// Every single flip of the structural bytes, then every pair (every 4th when short) in each
/// window.
Tally run_seed(const Seed& seed, const Loader& load, bool short_pairs) {
  Tally t;
  Bytes work = seed.bytes;
  for (const uint64_t off : seed.structural)
    for (uint8_t b = 0; b < 8; ++b) {
      const Flip f[] = {{off, b}};
      run_mutant(seed, work, f, load, t);
    }
  uint64_t index = 0;
  for (const uint64_t w : seed.windows)
    for (size_t i = 0; i < k_window_bits; ++i)
      for (size_t j = i + 1; j < k_window_bits; ++j) {
        if (short_pairs && index++ % 4 != 0) continue;
        const Flip f[] = {{w + i / 8, static_cast<uint8_t>(i % 8)}, {w + j / 8, static_cast<uint8_t>(j % 8)}};
        run_mutant(seed, work, f, load, t);
      }
  return t;
}

// ---- structural bytes of a seed -----------------------------------------------------------

// Where an object's opaque payload starts (FORMAT.md §2.7): ctor scalars, string bytes,
// scalar-array data and mpz limbs are payload; everything before is structure. Array
// elements are pointer slots, so an array is structural to its end.
uint64_t payload_start(const ObjectRecord& o, bool gmp) {
  switch (o.kind) {
    case Kind::ctor: return o.slot_first + 8ull * o.slot_count;
    case Kind::string: return 32;
    case Kind::sarray: return 24;
    case Kind::mpz: return gmp ? 24 : 32;  // includes the limb (digit) pointer
    default: return o.size;
  }
}

// Header (v3: with data_size), trailer, root slot, and every object's structural words:
// headers, size fields, mpz limb pointers, closure m_fun and every pointer slot.
std::vector<uint64_t> structural_bytes(const Region& r) {
  std::vector<bool> mark(r.size(), false);
  auto set = [&](uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to && i < r.size(); ++i) mark[i] = true;
  };
  const FileHeader& h = r.header();
  const uint64_t d = h.data_start();
  set(0, d + 8);
  set(d + h.data_size, r.size());
  for (const ObjectRecord& o : r.objects().records) set(o.offset, o.offset + payload_start(o, h.gmp()));
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < mark.size(); ++i)
    if (mark[i]) out.push_back(i);
  return out;
}

// Pair windows. The two: v2 the root slot + the first object header (v3: data_size +
// the root slot), and the header + first field of the root object (the last object), or of
// the last object that has pointer slots. Then, because the budget allows it, the header +
// first fixed field of the first object of every non-ctor kind (its size fields: where a
// two-bit change can keep a size consistent), the mpz size word + limb pointer, and the v3
// trailer's closure count + first offset.
std::vector<uint64_t> pair_windows(const Region& r) {
  const FileHeader& h = r.header();
  const uint64_t data_end = h.data_start() + h.data_size;
  std::vector<uint64_t> w = {h.format == Format::v3 ? h.data_start() - 8 : h.data_start()};
  const auto& objs = r.objects().records;
  for (auto it = objs.rbegin(); it != objs.rend(); ++it)
    if (it->slot_count > 0 && it->offset + 16 <= data_end) {
      w.push_back(it->offset);
      break;
    }
  std::vector<bool> seen(k_num_kinds, false);
  for (const ObjectRecord& o : objs) {
    if (o.kind == Kind::ctor || seen[static_cast<size_t>(o.kind)] || o.offset + 16 > data_end) continue;
    seen[static_cast<size_t>(o.kind)] = true;
    w.push_back(o.offset);
    if (o.kind == Kind::mpz && o.offset + 24 <= data_end) w.push_back(o.offset + 8);
  }
  if (h.format == Format::v3 && data_end + 16 <= r.size()) w.push_back(data_end);
  std::sort(w.begin(), w.end());
  w.erase(std::unique(w.begin(), w.end()), w.end());
  return w;
}

Seed make_seed(const std::string& name, Bytes bytes) {
  Seed s{name, std::move(bytes), {}, {}};
  auto r = load_once(name, s.bytes, LoadPath::slow);
  if (!r.ok()) throw std::runtime_error("seed " + name + " does not load: " + r.error().describe());
  s.structural = structural_bytes(r.value());
  s.windows = pair_windows(r.value());
  return s;
}

// ---- the seeds ---------------------------------------------------------------------------------

struct GenSeedSpec {
  const char* name;
  uint64_t seed;
  uint32_t objects;
  Format format;
  bool gmp;
};

// Small graphs of every kind the generator makes; the v3 one carries closures. Chosen so the
// files stay between a few hundred bytes and ~2 KB (GeneratedSeedsAreSmall checks it).
constexpr GenSeedSpec k_gen_seeds[] = {
    {"gen_v2_small", 11, 8, Format::v2, true},
    {"gen_v2_mixed", 24, 30, Format::v2, true},
    {"gen_v2_nongmp", 37, 20, Format::v2, false},
    {"gen_v3_closure", 7, 20, Format::v3, true},
};

Bytes compact_generated(const GenSeedSpec& g) {
  Heap heap(g.gmp);
  oracles::GenSpec spec;
  spec.seed = g.seed;
  spec.objects = g.objects;
  spec.max_fanout = 4;
  spec.max_depth = 12;
  if (g.format == Format::v3) spec.kind_weights[static_cast<size_t>(Kind::closure)] = 12;
  const oracles::GenGraph graph = oracles::generate(heap, spec);
  CompactorOptions o;
  o.format = g.format;
  o.flags = g.gmp ? k_flag_gmp : 0;
  o.base_addr = k_base;
  o.name = g.name;
  if (g.format == Format::v3) o.libraries = {{k_lib_base, ""}};  // the main program: loaded here too
  auto bytes = compact(graph.roots[0], o);
  if (!bytes.ok()) throw std::runtime_error(std::string(g.name) + ": " + bytes.error().describe());
  return std::move(bytes).value();
}

// The smallest real files that load alone (later chain parts need their predecessors), by
// MANIFEST size.
std::vector<testsupport::ManifestRow> smallest_real_files(size_t n) {
  auto rows = testsupport::load_manifest();
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::stoull(a["size_bytes"]) < std::stoull(b["size_bytes"]);
  });
  std::vector<testsupport::ManifestRow> out;
  for (const auto& row : rows) {
    if (out.size() == n) break;
    const Bytes bytes = testsupport::read_corpus_file(row["file"]);
    if (load_once(row["file"], bytes, LoadPath::slow).ok()) out.push_back(row);
  }
  return out;
}

constexpr size_t k_real_seeds = 3;

Seed real_seed(size_t i) {
  static const std::vector<testsupport::ManifestRow> rows = smallest_real_files(k_real_seeds);
  if (i >= rows.size()) throw std::runtime_error("fewer real files load alone than expected");
  const std::string& file = rows[i]["file"];
  return make_seed(file, testsupport::read_corpus_file(file));
}

Tally& grand_total() {
  static Tally t;
  return t;
}

// The whole binary run (all seeds in one process) also prints the sum.
class TotalPrinter : public ::testing::Environment {
 public:
  void SetUp() override { install_crash_reporter(); }
  void TearDown() override {
    if (grand_total().singles + grand_total().pairs > 0) print_tally("mutation total", grand_total());
  }
};
[[maybe_unused]] const auto* const k_env = ::testing::AddGlobalTestEnvironment(new TotalPrinter);

// The unmutated seed loads on both paths, identically; generated seeds really take the fast
// path (their base is mappable in every build).
void check_unmutated(const Seed& seed, bool expect_fast) {
  if (expect_fast) {
    auto f = load_once(seed.name, seed.bytes, LoadPath::fast);
    ASSERT_TRUE(f.ok()) << f.error().describe();
    EXPECT_EQ(f->path_taken(), LoadPath::fast);
  }
  const Loader load = region_loader(seed.name);
  const SideLoad fast = load(seed.bytes, LoadPath::fast), slow = load(seed.bytes, LoadPath::slow);
  ASSERT_TRUE(fast.obs.accepted && slow.obs.accepted) << judge_mutant(fast, slow);
  ASSERT_EQ(judge_mutant(fast, slow), "");
}

void run_and_report(const Seed& seed) {
  std::printf("seed %s: %zu bytes, %zu structural bytes, pair windows at", seed.name.c_str(), seed.bytes.size(),
              seed.structural.size());
  for (const uint64_t w : seed.windows) std::printf(" 0x%llx", static_cast<unsigned long long>(w));
  std::printf("%s\n", short_run() ? " (CF_MUTATION_SHORT: every 4th pair)" : "");
  const Tally t = run_seed(seed, region_loader(seed.name), short_run());
  std::snprintf(g_current, sizeof g_current, "(between mutants)");
  print_tally("seed " + seed.name, t);
  grand_total().add(t);
  for (const std::string& f : t.finding_texts) std::printf("  FINDING %s\n", f.c_str());
  EXPECT_EQ(t.findings, 0u) << "first: " << (t.finding_texts.empty() ? "" : t.finding_texts[0]);
  EXPECT_GT(t.accepted, 0u) << "no mutant was accepted: opaque bytes of the header should be";
}

// ---- tests -----------------------------------------------------------------------------------

class GeneratedSeed : public ::testing::TestWithParam<size_t> {};

TEST_P(GeneratedSeed, EveryStructuralFlipAndWindowPair) {
  const GenSeedSpec& g = k_gen_seeds[GetParam()];
  const Seed seed = make_seed(g.name, compact_generated(g));
  ASSERT_NO_FATAL_FAILURE(check_unmutated(seed, true));
  run_and_report(seed);
}

INSTANTIATE_TEST_SUITE_P(Mutation, GeneratedSeed, ::testing::Range<size_t>(0, std::size(k_gen_seeds)),
                         [](const auto& info) { return std::string(k_gen_seeds[info.param].name); });

class RealSeed : public ::testing::TestWithParam<size_t> {};

TEST_P(RealSeed, EveryStructuralFlipAndWindowPair) {
  const Seed seed = real_seed(GetParam());
  ASSERT_NO_FATAL_FAILURE(check_unmutated(seed, false));
  run_and_report(seed);
}

INSTANTIATE_TEST_SUITE_P(Mutation, RealSeed, ::testing::Range<size_t>(0, k_real_seeds),
                         [](const auto& info) { return "smallest_" + std::to_string(info.param); });

// The seeds are what the issue asks for: small, and the v3 one has closures to relocate.
TEST(MutationSeeds, GeneratedSeedsAreSmall) {
  for (const GenSeedSpec& g : k_gen_seeds) {
    const Bytes bytes = compact_generated(g);
    auto r = load_once(g.name, bytes, LoadPath::slow);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    std::printf("%s: %zu bytes, %llu objects:", g.name, bytes.size(), static_cast<unsigned long long>(r->summary().objects));
    for (size_t k = 0; k < k_num_file_kinds; ++k)
      if (r->summary().objects_per_kind[k] > 0)
        std::printf(" %s %llu", std::string(kind_name(static_cast<Kind>(k))).c_str(),
                    static_cast<unsigned long long>(r->summary().objects_per_kind[k]));
    std::printf("\n");
    EXPECT_GE(bytes.size(), 200u) << g.name;
    EXPECT_LE(bytes.size(), 2500u) << g.name;
    if (g.format == Format::v3) {
      EXPECT_GT(r->summary().closures, 0u) << g.name;
    }
  }
}

// ---- the oracle can fail ---------------------------------------------------------------------

SideLoad accept_with(nlohmann::json graph) {
  SideLoad l;
  l.obs.accepted = true;
  l.obs.walked = true;
  l.obs.graph = std::move(graph);
  return l;
}

SideLoad reject_with(ErrorCode c, std::string file = "f", uint64_t offset = 0x60) {
  SideLoad l;
  l.obs.error = LoadError{c, offset, "fake", std::move(file)};
  l.obs.bytes = 0x100;
  return l;
}

TEST(MutationOracle, JudgeMutantFlagsEveryDisagreement) {
  const nlohmann::json a = {{"nodes", {1}}, {"parts", {}}}, b = {{"nodes", {2}}, {"parts", {}}};
  EXPECT_EQ(judge_mutant(accept_with(a), accept_with(a)), "");
  EXPECT_EQ(judge_mutant(reject_with(ErrorCode::bad_tag), reject_with(ErrorCode::bad_tag)), "");
  EXPECT_EQ(judge_mutant(accept_with(a), reject_with(ErrorCode::bad_tag)).rfind("path differential: FINDING", 0), 0u);
  EXPECT_EQ(judge_mutant(reject_with(ErrorCode::bad_tag), accept_with(a)).rfind("path differential: FINDING", 0), 0u);
  EXPECT_NE(judge_mutant(reject_with(ErrorCode::bad_tag), reject_with(ErrorCode::truncated)).find("rejections differ"),
            std::string::npos);
  EXPECT_NE(judge_mutant(accept_with(a), accept_with(b)).find("graphs differ"), std::string::npos);
  SideLoad unwalked = accept_with(a);
  unwalked.obs.walked = false;
  EXPECT_EQ(judge_mutant(unwalked, accept_with(a)).rfind("validate-then-walk: FINDING", 0), 0u);
}

// A rejection that does not name its file, or whose offset lies past the end, is a finding.
TEST(MutationOracle, RejectionsMustNameFileAndOffset) {
  EXPECT_EQ(judge_mutant(reject_with(ErrorCode::bad_tag), reject_with(ErrorCode::bad_tag)), "");
  EXPECT_NE(judge_mutant(reject_with(ErrorCode::bad_tag, ""), reject_with(ErrorCode::bad_tag, "")).find("names no file"),
            std::string::npos);
  EXPECT_NE(judge_mutant(reject_with(ErrorCode::bad_tag, "f", 0x200), reject_with(ErrorCode::bad_tag, "f", 0x200))
                .find("past the input"),
            std::string::npos);
}

// The whole pipeline reports a planted disagreement at exactly the flip that triggers it, and
// nothing else: a loader whose fast side accepts one mutant the slow side rejects.
TEST(MutationOracle, RunSeedReportsAPlantedDisagreement) {
  const Seed seed = make_seed("gen_v2_small", compact_generated(k_gen_seeds[0]));
  const uint64_t target = seed.windows[0] + 1;  // inside the first pair window and structural
  const Bytes original = seed.bytes;
  const Loader fake = [&](std::span<const uint8_t> bytes, LoadPath side) {
    const bool planted = bytes[target] == (original[target] ^ 0x04) && std::equal(bytes.begin(), bytes.begin() + target,
                                                                                   original.begin());
    if (planted && side == LoadPath::fast) return accept_with(nlohmann::json::object());
    return reject_with(ErrorCode::bad_tag);
  };
  const Tally t = run_seed(seed, fake, /*short_pairs=*/false);
  // The single flip, plus every pair that flips that bit with a later bit of the window.
  // (A pair with an earlier bit, or a later bit of the same byte, changes the bytes the fake
  // compares, so only pairs with a bit of the 14 later bytes count.)
  const uint64_t later_bits = k_window_bits - 8 * 2;
  EXPECT_EQ(t.findings, 1 + later_bits);
  ASSERT_FALSE(t.finding_texts.empty());
  char want[64];
  std::snprintf(want, sizeof want, "byte 0x%llx bit 2: path differential: FINDING",
                static_cast<unsigned long long>(target));
  EXPECT_NE(t.finding_texts[0].find(want), std::string::npos) << t.finding_texts[0];
}

}  // namespace
}  // namespace cf
