// Property tests of the compactor on seeded random graphs (oracles/generator.h): both
// strategies write the same bytes; a compacted chain loads, on the fast and the slow path, to
// exactly the graph the graph-level max-sharing model predicts (oracles::dump_memory_graph);
// recompacting a loaded chain reproduces its bytes; and the model does notice missing sharing
// and a changed payload byte. Every failure names its seed: make_case(seed) rebuilds the case.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/placement.h"
#include "core/heap.h"
#include "core/region.h"
#include "oracles/generator.h"
#include "oracles/graph_dump.h"

namespace cf {
namespace {

using nlohmann::json;
using Bytes = std::vector<uint8_t>;

// Both inside every sanitizer's application range: TSan's high range starts at 0x7e8000000000,
// and a base below it cannot be mapped there (fast-path loads would fail under tsan).
constexpr uint64_t k_base = placement::test_base(2);
constexpr uint64_t k_dep_base = placement::test_base(3);
constexpr uint64_t k_lib_base = 0x400000;  // the one "loaded library" of v3 cases
constexpr int k_max_failures = 5;          // per test: enough to see a pattern, not a flood


std::vector<uint64_t> object_addresses(const Region& r) {
  std::vector<uint64_t> out;
  for (const ObjectRecord& o : r.objects().records) out.push_back(reinterpret_cast<uint64_t>(r.begin()) + o.offset);
  return out;
}

Result<Region> load(const std::string& name, const Bytes& bytes, std::span<const Region* const> deps, LoadPath path,
                    uint8_t flags) {
  LoadOptions o;
  o.path = path;
  o.header.expected_flags = flags;
  o.libraries = {{{k_lib_base, "libx"}}};  // loaded "in the saving process": closures stay put
  return Region::load_bytes(name, bytes, deps, o);
}

// The dep cases may point into: one small compacted graph, loaded twice: at its base (so the
// parts using it can still take the fast path) and elsewhere (so the compactor's translation
// begin -> base_addr and the slow path's relocation into a moved dep both matter).
struct Dep {
  Bytes bytes;
  std::optional<Region> at_base, moved;
  std::vector<uint64_t> objects_at_base, objects_moved;
};

Dep make_dep() {
  Heap heap;
  oracles::GenSpec spec;
  spec.seed = 4242;
  spec.objects = 40;
  const oracles::GenGraph g = oracles::generate(heap, spec);
  CompactorOptions o;
  o.base_addr = k_dep_base;
  o.name = "dep";
  auto bytes = compact(g.roots[0], o);
  if (!bytes) throw std::runtime_error("dep: " + bytes.error().describe());
  Dep d;
  d.bytes = std::move(bytes).value();
  auto fast = load("dep", d.bytes, {}, LoadPath::fast, k_flag_gmp);
  auto slow = load("dep", d.bytes, {}, LoadPath::slow, k_flag_gmp);
  if (!fast || !slow) throw std::runtime_error("dep does not load on both paths");
  d.at_base.emplace(std::move(fast).value());
  d.moved.emplace(std::move(slow).value());
  d.objects_at_base = object_addresses(*d.at_base);
  d.objects_moved = object_addresses(*d.moved);
  if (d.objects_at_base.empty() || d.objects_at_base.size() != d.objects_moved.size())
    throw std::runtime_error("dep object lists missing");
  return d;
}

const Dep& dep() {
  static const Dep d = make_dep();
  return d;
}

// One generated case: the knobs come from their own stream, so a seed names the whole case.
struct Case {
  uint64_t seed = 0;
  oracles::GenSpec spec;
  bool gmp = true;
  Format format = Format::v2;
  const Region* dep = nullptr;  // the dep region whose objects the graph points at
};

Case make_case(uint64_t seed) {
  std::mt19937_64 r(seed * 0x9e3779b97f4a7c15ULL);
  auto below = [&](uint64_t n) { return static_cast<uint32_t>(r() % n); };
  Case c;
  c.seed = seed;
  oracles::GenSpec& s = c.spec;
  s.seed = seed;
  const uint32_t size_roll = below(100);
  s.objects = size_roll < 60 ? 1 + below(40) : size_roll < 98 ? 1 + below(200) : 200 + below(800);
  s.max_fanout = 1 + below(8);
  s.max_depth = below(10) == 0 ? 2000 : 4 + below(60);
  s.chain_pct = s.max_depth > 1000 ? 70 : below(30);
  s.share_pct = below(70);
  s.dup_pct = below(35);
  s.scalar_pct = below(30);
  s.spare_pct = below(60);
  s.parts = 1 + below(3);
  if (below(3) == 0)
    for (uint32_t& w : s.kind_weights) w = below(10);
  s.kind_weights[static_cast<size_t>(Kind::closure)] = 0;
  c.gmp = below(5) != 0;
  if (below(5) == 0) {
    c.format = Format::v3;
    s.kind_weights[static_cast<size_t>(Kind::closure)] = 2 + below(8);
    s.closure_fun_base = k_lib_base + 8 * below(1000);
  }
  if (below(10) < 3) {
    const bool moved = below(2) == 0;
    c.dep = moved ? &*dep().moved : &*dep().at_base;
    s.dep_objects = moved ? dep().objects_moved : dep().objects_at_base;
    s.dep_pct = 5 + below(30);
  }
  return c;
}

std::string describe(const Case& c) {
  std::ostringstream o;
  o << "seed " << c.seed << " (objects " << c.spec.objects << ", parts " << c.spec.parts << ", "
    << (c.gmp ? "gmp" : "non-gmp") << ", " << format_name(c.format) << (c.dep ? ", dep" : "") << ")";
  return o.str();
}

CompactorOptions options_for(const Case& c, Strategy strategy) {
  CompactorOptions o;
  o.strategy = strategy;
  o.format = c.format;
  o.flags = c.gmp ? k_flag_gmp : 0;
  o.base_addr = k_base;
  if (c.dep != nullptr) o.deps = {c.dep->view()};
  if (c.format == Format::v3) o.libraries = {{k_lib_base, "libx"}};
  return o;
}

struct Chain {
  std::vector<Bytes> parts;
  CompactStats stats;
  std::string error;  // empty on success
};

// One Compactor, one save() per root: a save chain.
Chain compact_chain(std::span<const uint64_t> roots, const CompactorOptions& options) {
  Chain out;
  Compactor compactor(options);
  for (const uint64_t root : roots) {
    auto r = compactor.save(root);
    if (!r) {
      out.error = r.error().describe();
      return out;
    }
    out.parts.push_back(std::move(r).value());
  }
  out.stats = compactor.stats();
  return out;
}

struct Loaded {
  std::vector<Region> parts;
  std::string error;  // empty on success

  std::vector<const Region*> ptrs() const {
    std::vector<const Region*> p;
    for (const Region& r : parts) p.push_back(&r);
    return p;
  }
};

// readModuleDataParts with an extra dep: part k with `dep` and parts 0..k-1 as deps.
Loaded load_chain(const std::vector<Bytes>& files, const Region* dep, LoadPath path, uint8_t flags) {
  Loaded out;
  out.parts.reserve(files.size());  // deps point at earlier elements
  for (size_t k = 0; k < files.size(); ++k) {
    std::vector<const Region*> deps = out.ptrs();
    if (dep != nullptr) deps.push_back(dep);
    auto r = load("part" + std::to_string(k), files[k], deps, path, flags);
    if (!r) {
      out.error = "part " + std::to_string(k) + ": " + r.error().describe();
      return out;
    }
    out.parts.push_back(std::move(r).value());
  }
  return out;
}

// The first difference between two chains' files, or "".
std::string parts_diff(const std::vector<Bytes>& a, const std::vector<Bytes>& b) {
  if (a.size() != b.size()) return "part counts " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    const size_t n = std::min(a[k].size(), b[k].size());
    const auto at = std::mismatch(a[k].begin(), a[k].begin() + static_cast<std::ptrdiff_t>(n), b[k].begin()).first;
    const auto off = static_cast<size_t>(at - a[k].begin());
    if (off < n || a[k].size() != b[k].size())
      return "part " + std::to_string(k) + ": first difference at offset " + std::to_string(off) + " (sizes " +
             std::to_string(a[k].size()) + ", " + std::to_string(b[k].size()) + ")";
  }
  return "";
}

std::string clip(const json& j) {
  std::string s = j.dump();
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

// The structural difference of two graph dumps (nodes, then part roots), or "": part
// metadata is not compared, because a memory dump has none.
std::string graph_diff(const json& want, const json& got) {
  const json &wn = want.at("nodes"), &gn = got.at("nodes");
  for (size_t i = 0; i < std::min(wn.size(), gn.size()); ++i)
    if (wn[i] != gn[i]) return "node " + std::to_string(i) + ": want " + clip(wn[i]) + ", got " + clip(gn[i]);
  if (wn.size() != gn.size()) return "node counts: want " + std::to_string(wn.size()) + ", got " + std::to_string(gn.size());
  const json &wp = want.at("parts"), &gp = got.at("parts");
  if (wp.size() != gp.size()) return "part counts: want " + std::to_string(wp.size()) + ", got " + std::to_string(gp.size());
  for (size_t k = 0; k < wp.size(); ++k)
    if (wp[k].at("root") != gp[k].at("root"))
      return "part " + std::to_string(k) + " root: want " + clip(wp[k]["root"]) + ", got " + clip(gp[k]["root"]);
  return "";
}

json model_of(const Case& c, std::span<const uint64_t> roots, bool max_share) {
  std::vector<RegionView> deps;
  if (c.dep != nullptr) deps.push_back(c.dep->view());
  return oracles::dump_memory_graph(roots, deps, c.gmp, max_share);
}

json dump_of(const Loaded& l, const Region* dep) {
  const std::vector<const Region*> parts = l.ptrs();
  std::vector<const Region*> deps;
  if (dep != nullptr) deps.push_back(dep);
  return oracles::dump_graph(parts, deps);
}

// The dep region a chain is loaded against: the fast path needs it at its base; the slow path
// gets the moved copy, whichever copy the graph pointed into (same bytes, same offsets).
const Region* load_dep(const Case& c, LoadPath path) {
  if (c.dep == nullptr) return nullptr;
  return path == LoadPath::fast ? &*dep().at_base : &*dep().moved;
}

struct Totals {
  uint64_t graphs = 0, parts = 0, objects = 0, copies = 0, emitted = 0, shared = 0, dep_refs = 0, bytes = 0;
  uint64_t v3 = 0, non_gmp = 0, with_dep = 0, max_depth = 0;
  std::map<std::string, uint64_t> kinds;  // node kinds of the models checked
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void add(const Case& c, const oracles::GenGraph& g, const Chain& chain) {
    ++graphs;
    parts += chain.parts.size();
    objects += g.objects;
    copies += g.copies;
    emitted += chain.stats.emitted;
    shared += chain.stats.shared;
    dep_refs += chain.stats.dep_refs;
    for (const Bytes& p : chain.parts) bytes += p.size();
    v3 += c.format == Format::v3;
    non_gmp += !c.gmp;
    with_dep += c.dep != nullptr;
    max_depth = std::max(max_depth, chain.stats.max_depth);
  }

  void print(const char* test) const {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[%s] graphs %llu (v3 %llu, non-gmp %llu, with dep %llu), parts %llu, heap objects %llu "
                "(%llu by copying), emitted %llu, merged by max sharing %llu, dep refs %llu, bytes %llu, "
                "max depth %llu, %.1f s\n",
                test, ull(graphs), ull(v3), ull(non_gmp), ull(with_dep), ull(parts), ull(objects), ull(copies),
                ull(emitted), ull(shared), ull(dep_refs), ull(bytes), ull(max_depth), s);
    if (kinds.empty()) return;
    std::printf("[%s] model nodes by kind:", test);
    for (const auto& [kind, n] : kinds) std::printf(" %s %llu", kind.c_str(), ull(n));
    std::printf("\n");
  }

  void count_kinds(const json& model) {
    for (const json& n : model.at("nodes")) ++kinds[n.at("kind").get<std::string>()];
  }

  static unsigned long long ull(uint64_t v) { return v; }
};

TEST(CompactorProperty, StrategyDifferential) {
  Totals t;
  int failures = 0;
  for (uint64_t seed = 1; seed <= 10'000 && failures < k_max_failures; ++seed) {
    const Case c = make_case(seed);
    Heap heap(c.gmp);
    const oracles::GenGraph g = oracles::generate(heap, c.spec);
    const Chain w = compact_chain(g.roots, options_for(c, Strategy::worklist));
    const Chain r = compact_chain(g.roots, options_for(c, Strategy::recursive));
    std::string problem;
    if (!w.error.empty() || !r.error.empty())
      problem = "worklist: '" + w.error + "', recursive: '" + r.error + "'";
    else
      problem = parts_diff(w.parts, r.parts);
    if (!problem.empty()) {
      ADD_FAILURE() << describe(c) << ": " << problem;
      ++failures;
      continue;
    }
    t.add(c, g, w);
  }
  t.print("StrategyDifferential");
}

// Compacts a case's graph and checks the loaded chain against the model on both paths.
// Returns the first problem, or "".
std::string round_trip(const Case& c, Totals* t) {
  Heap heap(c.gmp);
  const oracles::GenGraph g = oracles::generate(heap, c.spec);
  const Chain chain = compact_chain(g.roots, options_for(c, Strategy::worklist));
  if (!chain.error.empty()) return "compaction failed: " + chain.error;
  t->add(c, g, chain);
  const json model = model_of(c, g.roots, true);
  t->count_kinds(model);
  for (const LoadPath path : {LoadPath::fast, LoadPath::slow}) {
    const Region* d = load_dep(c, path);
    const Loaded l = load_chain(chain.parts, d, path, c.gmp ? k_flag_gmp : 0);
    if (!l.error.empty()) return std::string(load_path_name(path)) + " load failed: " + l.error;
    if (auto diff = graph_diff(model, dump_of(l, d)); !diff.empty())
      return std::string(load_path_name(path)) + " path, loaded graph differs from the model: " + diff;
  }
  return "";
}

TEST(CompactorProperty, RoundTrip) {
  Totals t;
  int failures = 0;
  for (uint64_t seed = 100'001; seed <= 102'000 && failures < k_max_failures; ++seed) {
    const Case c = make_case(seed);
    if (const std::string problem = round_trip(c, &t); !problem.empty()) {
      ADD_FAILURE() << describe(c) << ": " << problem;
      ++failures;
    }
  }
  t.print("RoundTrip");
}

// Recompacts the loaded chain (both paths, both strategies by seed parity) with the same
// options, the dep given as the loaded copy it was read against. Returns the first problem.
std::string idempotence(const Case& c, Totals* t) {
  Heap heap(c.gmp);
  const oracles::GenGraph g = oracles::generate(heap, c.spec);
  const Chain chain = compact_chain(g.roots, options_for(c, Strategy::worklist));
  if (!chain.error.empty()) return "compaction failed: " + chain.error;
  t->add(c, g, chain);
  for (const LoadPath path : {LoadPath::fast, LoadPath::slow}) {
    const Region* d = load_dep(c, path);
    const Loaded l = load_chain(chain.parts, d, path, c.gmp ? k_flag_gmp : 0);
    if (!l.error.empty()) return std::string(load_path_name(path)) + " load failed: " + l.error;
    std::vector<uint64_t> roots;
    for (const Region& r : l.parts) roots.push_back(r.root());
    CompactorOptions o = options_for(c, c.seed % 2 == 0 ? Strategy::worklist : Strategy::recursive);
    if (d != nullptr) o.deps = {d->view()};
    const Chain again = compact_chain(roots, o);
    if (!again.error.empty()) return std::string(load_path_name(path)) + " recompaction failed: " + again.error;
    if (auto diff = parts_diff(chain.parts, again.parts); !diff.empty())
      return std::string(load_path_name(path)) + " path, recompaction differs: " + diff;
  }
  return "";
}

TEST(CompactorProperty, Idempotence) {
  Totals t;
  int failures = 0;
  for (uint64_t seed = 200'001; seed <= 202'000 && failures < k_max_failures; ++seed) {
    const Case c = make_case(seed);
    if (const std::string problem = idempotence(c, &t); !problem.empty()) {
      ADD_FAILURE() << describe(c) << ": " << problem;
      ++failures;
    }
  }
  t.print("Idempotence");
}

// The oracle must be able to fail. With max sharing off, the loaded graph is the identity
// model, and differs from the max-sharing model exactly when something was mergeable.
TEST(CompactorProperty, OracleSeesMissingSharing) {
  Totals t;
  uint64_t differing = 0;
  int failures = 0;
  for (uint64_t seed = 300'001; seed <= 300'300 && failures < k_max_failures; ++seed) {
    Case c = make_case(seed);
    c.spec.dup_pct = 40;
    Heap heap(c.gmp);
    const oracles::GenGraph g = oracles::generate(heap, c.spec);
    CompactorOptions o = options_for(c, Strategy::worklist);
    o.max_sharing = false;
    const Chain chain = compact_chain(g.roots, o);
    const Loaded l = chain.error.empty() ? load_chain(chain.parts, c.dep, LoadPath::slow, o.flags) : Loaded{};
    if (!chain.error.empty() || !l.error.empty()) {
      ADD_FAILURE() << describe(c) << ": " << chain.error << l.error;
      ++failures;
      continue;
    }
    t.add(c, g, chain);
    const json loaded = dump_of(l, c.dep);
    if (auto diff = graph_diff(model_of(c, g.roots, false), loaded); !diff.empty()) {
      ADD_FAILURE() << describe(c) << ": without max sharing, loaded graph differs from the identity model: " << diff;
      ++failures;
    }
    const bool mergeable = model_of(c, g.roots, true)["nodes"].size() < loaded["nodes"].size();
    EXPECT_EQ(mergeable, !graph_diff(model_of(c, g.roots, true), loaded).empty()) << describe(c);
    differing += mergeable;
  }
  t.print("OracleSeesMissingSharing");
  std::printf("[OracleSeesMissingSharing] %llu of %llu graphs differ from the max-sharing model\n",
              Totals::ull(differing), Totals::ull(t.graphs));
  EXPECT_GT(differing, t.graphs / 4);

  Heap heap;
  const uint64_t root = heap.array(std::vector<uint64_t>{heap.string("twin"), heap.string("twin")});
  CompactorOptions o;
  o.base_addr = k_base;
  o.max_sharing = false;
  const Chain chain = compact_chain(std::vector<uint64_t>{root}, o);
  ASSERT_TRUE(chain.error.empty()) << chain.error;
  const Loaded l = load_chain(chain.parts, nullptr, LoadPath::slow, k_flag_gmp);
  ASSERT_TRUE(l.error.empty()) << l.error;
  const json model = oracles::dump_memory_graph(std::vector<uint64_t>{root}, {}, true, true);
  EXPECT_EQ(graph_diff(model, dump_of(l, nullptr)), "node 1: want {\"elems\":[{\"ref\":0},{\"ref\":0}],\"kind\":\"array\"}, "
                                                    "got {\"kind\":\"string\",\"value\":\"twin\"}");
}

// Finds `needle` in `file` (exactly once) and returns its offset.
size_t find_once(const Bytes& file, std::span<const uint8_t> needle) {
  const auto at = std::search(file.begin(), file.end(), needle.begin(), needle.end());
  EXPECT_NE(at, file.end());
  EXPECT_EQ(std::search(at + 1, file.end(), needle.begin(), needle.end()), file.end());
  return static_cast<size_t>(at - file.begin());
}

// A payload byte changed after compaction (a string byte, a ctor scalar byte) still loads,
// and the model comparison reports the node.
TEST(CompactorProperty, OracleSeesCorruptPayload) {
  Heap heap;
  const uint8_t scalars[] = {0xc0, 0xff, 0xee, 0x15, 0x90, 0x0d, 0xca, 0xfe};
  const uint64_t root = heap.ctor(3, std::vector<uint64_t>{heap.string("abcdefgh"), box(5)}, scalars);
  const std::vector<uint64_t> roots{root};
  CompactorOptions o;
  o.base_addr = k_base;
  const Chain chain = compact_chain(roots, o);
  ASSERT_TRUE(chain.error.empty()) << chain.error;
  const json model = oracles::dump_memory_graph(roots, {}, true, true);
  const std::string text = "abcdefgh";
  const size_t text_at = find_once(chain.parts[0], {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  const size_t scalar_at = find_once(chain.parts[0], scalars);
  struct Corruption {
    size_t offset;
    const char* want;
  };
  for (const Corruption& bad : {Corruption{text_at + 3, "node 0: want {\"kind\":\"string\",\"value\":\"abcdefgh\"}, "
                                                       "got {\"kind\":\"string\",\"value\":\"abcxefgh\"}"},
                                Corruption{scalar_at + 2, "node 1: want {\"fields\":[{\"ref\":0},{\"box\":5}],"
                                                          "\"kind\":\"ctor\",\"scalars\":\"c0ffee15900dcafe\",\"tag\":3}, "
                                                          "got {\"fields\":[{\"ref\":0},{\"box\":5}],\"kind\":\"ctor\","
                                                          "\"scalars\":\"c0ff7815900dcafe\",\"tag\":3}"}}) {
    for (const LoadPath path : {LoadPath::fast, LoadPath::slow}) {
      std::vector<Bytes> parts = chain.parts;
      parts[0][bad.offset] = 'x';
      const Loaded l = load_chain(parts, nullptr, path, k_flag_gmp);
      ASSERT_TRUE(l.error.empty()) << l.error;
      EXPECT_EQ(graph_diff(model, dump_of(l, nullptr)), bad.want) << load_path_name(path);
    }
  }
  const Loaded intact = load_chain(chain.parts, nullptr, LoadPath::slow, k_flag_gmp);
  ASSERT_TRUE(intact.error.empty()) << intact.error;
  EXPECT_EQ(graph_diff(model, dump_of(intact, nullptr)), "");
}

// The generator is a function of its spec: same seed, same graph.
TEST(CompactorProperty, GeneratorIsDeterministic) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const Case c = make_case(seed);
    Heap a(c.gmp), b(c.gmp);
    const oracles::GenGraph ga = oracles::generate(a, c.spec), gb = oracles::generate(b, c.spec);
    EXPECT_EQ(ga.objects, gb.objects) << describe(c);
    EXPECT_EQ(model_of(c, ga.roots, false), model_of(c, gb.roots, false)) << describe(c);
  }
}

// Depth far beyond the random graphs': both strategies, and the round trip, on a long list.
TEST(CompactorProperty, DeepList) {
  constexpr uint64_t n = 30'000;
  Heap heap;
  const std::vector<uint64_t> roots{oracles::deep_list(heap, n)};
  CompactorOptions o;
  o.base_addr = k_base;
  const Chain w = compact_chain(roots, o);
  o.strategy = Strategy::recursive;
  const Chain r = compact_chain(roots, o);
  ASSERT_TRUE(w.error.empty() && r.error.empty()) << w.error << r.error;
  EXPECT_EQ(parts_diff(w.parts, r.parts), "");
  EXPECT_EQ(w.stats.max_depth, n);
  const Loaded l = load_chain(w.parts, nullptr, LoadPath::slow, k_flag_gmp);
  ASSERT_TRUE(l.error.empty()) << l.error;
  const json model = oracles::dump_memory_graph(roots, {}, true, true);
  EXPECT_EQ(model["nodes"].size(), n);
  EXPECT_EQ(graph_diff(model, dump_of(l, nullptr)), "");
  std::printf("[DeepList] 1 graph, 1 part, %llu objects, depth %llu\n", Totals::ull(n), Totals::ull(w.stats.max_depth));
}

}  // namespace
}  // namespace cf
