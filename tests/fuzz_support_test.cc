// The fuzz targets' support code (harness/): the chain container of fuzz_chain and the
// structure-aware mutator of fuzz_load and fuzz_chain. The mutator's map must agree with the
// validating walk on every real file, never read out of bounds on any bytes, and its
// object-level mutations must reach the loader's deep checks, not just its magic check.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/compactor.h"
#include "core/heap.h"
#include "core/placement.h"
#include "core/region.h"
#include "harness/region_mutator.h"
#include "harness/snapshot_mutator.h"
#include "oracles/chain_input.h"
#include "oracles/generator.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_input.h"
#include "oracles/target_inputs.h"
#include "testsupport/corpus.h"
#include "testsupport/region_forger.h"

namespace cf {
namespace {

using oracles::ChainInput;
using fuzz::Mutation;

std::vector<std::vector<uint8_t>> corpus_files() {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& row : testsupport::load_manifest()) out.push_back(testsupport::read_corpus_file(row["file"]));
  return out;
}

TEST(ChainInput, RoundTripsEveryRegionCount) {
  for (size_t n = 1; n <= oracles::k_max_chain_regions; ++n) {
    ChainInput in;
    for (size_t k = 0; k < n; ++k) in.regions.push_back(std::vector<uint8_t>(k * 7, static_cast<uint8_t>(k + 1)));
    in.lenient = n % 2 == 0;
    in.order_seed = static_cast<uint8_t>(3 * n);
    const auto bytes = oracles::encode_chain(in);
    const ChainInput back = oracles::decode_chain(bytes);
    EXPECT_EQ(back.regions, in.regions) << n << " regions";
    EXPECT_EQ(back.lenient, in.lenient);
    EXPECT_EQ(back.order_seed, in.order_seed);
    EXPECT_EQ(oracles::encode_chain(back), bytes);
  }
}

TEST(ChainInput, AnyBytesDecodeWithinTheInput) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    const ChainInput c = oracles::decode_chain(bytes);
    ASSERT_EQ(c.regions.size(), bytes.empty() ? 1u : 1u + (bytes[0] & 3));
    size_t total = 0;
    for (const auto& r : c.regions) total += r.size();
    ASSERT_LE(total, bytes.size());
  }
}

// On a file the loader accepts, the tolerant map finds exactly the walker's objects.
TEST(RegionMutator, MapAgreesWithTheValidatingWalkOnEveryRealFile) {
  size_t files = 0;
  for (const auto& row : testsupport::load_manifest()) {
    const auto bytes = testsupport::read_corpus_file(row["file"]);
    auto header = parse_file_layout(bytes, {});
    ASSERT_TRUE(header) << row["file"];
    WalkOptions w;
    w.keep_objects = true;
    auto walk = walk_region(bytes, header.value(), w);
    ASSERT_TRUE(walk) << row["file"] << ": " << walk.error().describe();
    const fuzz::RegionMap map = fuzz::map_region(bytes);
    ASSERT_TRUE(map.header_ok) << row["file"];
    EXPECT_EQ(map.base_addr, header->base_addr) << row["file"];
    EXPECT_EQ(map.data_start, header->data_start()) << row["file"];
    ASSERT_EQ(map.objects.size(), walk->table.records.size()) << row["file"];
    for (size_t i = 0; i < map.objects.size(); ++i) {
      ASSERT_EQ(map.objects[i].offset, walk->table.records[i].offset) << row["file"] << " object " << i;
      ASSERT_EQ(map.objects[i].slot_count, walk->table.records[i].slot_count) << row["file"] << " object " << i;
    }
    ++files;
  }
  EXPECT_EQ(files, 36u);
}

// Any bytes, including every cut of a real file: the map stays inside the input (ASan).
TEST(RegionMutator, MapNeverLeavesTheInput) {
  const auto files = corpus_files();
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i) {
    const auto& f = files[rng() % files.size()];
    std::vector<uint8_t> cut(f.begin(), f.begin() + static_cast<ptrdiff_t>(rng() % (f.size() + 1)));
    for (int k = 0; k < 4 && !cut.empty(); ++k) cut[rng() % cut.size()] = static_cast<uint8_t>(rng());
    const fuzz::RegionMap m = fuzz::map_region(cut);
    for (const auto& o : m.objects) ASSERT_LT(o.offset, cut.size());
  }
}

// A dep region for pointer_into_dep: one String, at file offset 96, of a v2 file saved at
// placement::k_generated_dep.
std::vector<uint8_t> one_object_dep() {
  testsupport::RegionForger b(Format::v2, placement::k_generated_dep);
  b.set_root(b.string("dep"));
  return b.bytes();
}

TEST(RegionMutator, EveryMutationAppliesToARealFileAndChangesIt) {
  // A generated v3 file: closures, strings, arrays, mpz; real files have no v3 closures.
  Heap heap;
  oracles::GenSpec spec;
  spec.seed = 77;
  spec.objects = 120;
  spec.kind_weights[static_cast<size_t>(Kind::closure)] = 6;
  const auto g = oracles::generate(heap, spec);
  CompactorOptions co;
  co.format = Format::v3;
  co.base_addr = placement::k_generated;
  co.libraries = {{spec.closure_fun_base, ""}};  // the main program: loaded here too
  auto image = compact(g.roots[0], co);
  ASSERT_TRUE(image) << image.error().describe();
  const std::vector<uint8_t> v3 = image.value();
  ASSERT_TRUE(Region::load_bytes("v3", v3, {}, {})) << "the generated v3 file must be valid";
  const std::vector<uint8_t> dep = one_object_dep();
  const std::vector<RegionView> deps = {fuzz::view_of(dep)};
  for (size_t k = 0; k + 1 < fuzz::k_num_mutations; ++k) {
    const auto m = static_cast<Mutation>(k);
    bool applied = false;
    std::mt19937_64 rng(k);
    for (int attempt = 0; attempt < 50 && !applied; ++attempt) {
      std::vector<uint8_t> copy = v3;
      if (fuzz::apply_mutation(copy, m, deps, rng)) {
        applied = true;
        EXPECT_NE(copy, v3) << fuzz::mutation_name(m);
      }
    }
    EXPECT_TRUE(applied) << fuzz::mutation_name(m) << " never applied to a real v3 file";
  }
  // Without deps there is nothing to aim into.
  std::mt19937_64 rng(1);
  std::vector<uint8_t> copy = v3;
  EXPECT_FALSE(fuzz::apply_mutation(copy, Mutation::pointer_into_dep, {}, rng));
  EXPECT_EQ(copy, v3);
}

TEST(RegionMutator, PointerIntoDepAimsAtADepObject) {
  const auto f = corpus_files().front();
  const std::vector<uint8_t> dep = one_object_dep();
  const std::vector<RegionView> deps = {fuzz::view_of(dep)};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 40; ++i) {
    std::vector<uint8_t> copy = f;
    ASSERT_TRUE(fuzz::apply_mutation(copy, Mutation::pointer_into_dep, deps, rng));
    size_t changed = 0;
    for (size_t b = 0; b < f.size(); b += 8) {
      if (std::memcmp(&f[b], &copy[b], 8) == 0) continue;
      uint64_t v = 0;
      std::memcpy(&v, &copy[b], 8);
      const uint64_t at = placement::k_generated_dep + 96;
      EXPECT_TRUE(v == at || v == at + 8 || v == at - 8) << v;
      ++changed;
    }
    EXPECT_LE(changed, 1u);
  }
}

// The point of structure-awareness: object-level mutants of valid files are rejected by the
// deep checks (many classes), where random byte flips mostly die early or pass unnoticed.
TEST(RegionMutator, MutantsReachManyErrorClasses) {
  const auto files = corpus_files();
  std::map<std::string, size_t> classes;
  std::set<Mutation> used;
  std::mt19937_64 rng(2024);
  size_t accepted = 0;
  for (int i = 0; i < 1500; ++i) {
    std::vector<uint8_t> f = files[rng() % files.size()];
    if (f.size() > 40000) continue;
    const Mutation m = fuzz::mutate_region(f, f.size(), {}, rng);
    used.insert(m);
    LoadOptions o;
    o.path = LoadPath::slow;
    auto r = Region::load_bytes("mutant", f, {}, o);
    if (r) ++accepted;
    else classes[std::string(error_name(r.error().code))] += 1;
  }
  std::string seen;
  for (const auto& [c, n] : classes) seen += c + "=" + std::to_string(n) + " ";
  EXPECT_GE(classes.size(), 10u) << seen;
  // Everything but pointer_into_dep, which needs deps (fuzz_chain gives them).
  EXPECT_EQ(used.size(), fuzz::k_num_mutations - 1) << "some mutation kinds are never chosen";
  EXPECT_EQ(used.count(Mutation::pointer_into_dep), 0u);
  EXPECT_GT(accepted, 0u) << "no mutant was accepted: " << seen;
}

TEST(RegionMutator, CustomMutatorsRespectMaxSize) {
  const auto f = corpus_files().front();
  std::mt19937_64 rng(9);
  for (unsigned seed = 0; seed < 300; ++seed) {
    std::vector<uint8_t> buf(f.size() + 64);
    std::copy(f.begin(), f.end(), buf.begin());
    const size_t n = fuzz::mutate_file(buf.data(), f.size(), buf.size(), seed);
    ASSERT_LE(n, buf.size());

    ChainInput c;
    c.regions = {f, f};
    auto bytes = oracles::encode_chain(c);
    const size_t cap = bytes.size() + 16;
    bytes.resize(cap);
    const size_t m = fuzz::mutate_chain(bytes.data(), cap - 16, cap, seed);
    ASSERT_LE(m, cap);
    ASSERT_GE(m, 1u);
  }
}

// The seeds of fuzz_snapshot (corpus/fuzz_snapshot), by name.
std::map<std::string, std::vector<uint8_t>> snapshot_seeds() {
  std::map<std::string, std::vector<uint8_t>> out;
  const auto dir = std::filesystem::path(testsupport::corpus_dir()).parent_path() / "fuzz_snapshot";
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out[e.path().filename().string()] = testsupport::read_file(e.path().string());
  return out;
}

// Every seed is judged without a finding, and between them the seeds give every snapshot oracle
// something to hold on: a target whose oracles all say not_applicable would fuzz nothing.
TEST(SnapshotSeeds, EveryOracleHoldsOnSomeSeedAndNoneFinds) {
  std::map<oracles::OracleId, size_t> held;
  for (const auto& [name, bytes] : snapshot_seeds())
    for (const oracles::Verdict& v : oracles::check_snapshot_input(bytes)) {
      EXPECT_NE(v.outcome, oracles::Outcome::finding) << name << ": " << oracles::describe(v);
      if (v.outcome == oracles::Outcome::holds) ++held[v.oracle];
    }
  for (oracles::OracleId id : {oracles::OracleId::path_differential, oracles::OracleId::validate_then_walk,
                               oracles::OracleId::worker_determinism, oracles::OracleId::overlap_hazard,
                               oracles::OracleId::snapshot_round_trip})
    EXPECT_GT(held[id], 0u) << oracles::oracle_name(id) << " never holds on a seed";
}

// The sidecar mutator's edits reach every way a sidecar goes wrong (each a bad_deps_json with its
// own message) and still leave most documents well-formed enough to load modules from.
TEST(SnapshotMutator, SidecarEditsReachEveryDefect) {
  const std::string valid = R"([{"ir":"@3","olean":"@0","oleanPrivate":"@2","oleanServer":"@1"},{"olean":"@4"}])";
  std::mt19937_64 rng(77);
  std::map<std::string, size_t> outcomes;
  for (int i = 0; i < 2000; ++i) {
    std::string text = valid;
    for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) text = fuzz::mutate_sidecar(text, 5, rng);
    auto parsed = oracles::parse_deps_json(text, "s.deps");
    if (parsed) {
      ++outcomes["parses"];
      continue;
    }
    const std::string& m = parsed.error().message;
    for (const char* what : {"unknown key", "not a path", "not an object", "not an array", "parse error"})
      if (m.find(what) != std::string::npos) ++outcomes[what];
  }
  std::string seen;
  for (const auto& [o, n] : outcomes) seen += o + "=" + std::to_string(n) + " ";
  for (const char* what : {"parses", "unknown key", "not a path", "not an object", "not an array"})
    EXPECT_GT(outcomes[what], 0u) << what << ": " << seen;
  EXPECT_GT(outcomes["parses"], 600u) << seen;
  // Text that is no JSON gets byte-level mutations and stays a string.
  EXPECT_NO_THROW(fuzz::mutate_sidecar("[{\"olean", 5, rng));
}

TEST(SnapshotMutator, RespectsMaxSizeAndKeepsTheContainer) {
  const auto seeds = snapshot_seeds();
  const std::vector<uint8_t>& seed = seeds.at("gen-3-modules");
  size_t changed = 0;
  for (unsigned s = 0; s < 400; ++s) {
    std::vector<uint8_t> buf(seed.size() + 256);
    std::copy(seed.begin(), seed.end(), buf.begin());
    const size_t n = fuzz::mutate_snapshot(buf.data(), seed.size(), buf.size(), s);
    ASSERT_LE(n, buf.size());
    buf.resize(n);
    if (buf != seed) ++changed;
    const oracles::SnapshotInput in = oracles::decode_snapshot_input(buf);
    EXPECT_LE(in.files.size(), oracles::k_max_snapshot_files);
  }
  EXPECT_GT(changed, 300u);
}

}  // namespace
}  // namespace cf
