// The oracle catalogue (oracles/catalogue.h): every judge reports a finding when fed a broken
// observation, the oracles report findings on deliberately broken inputs, and the whole
// catalogue holds on every real file and chain and on 1,000 generated graphs.
#include "oracles/catalogue.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/heap.h"
#include "core/placement.h"
#include "oracles/generator.h"
#include "oracles/graph_dump.h"
#include "testsupport/corpus.h"
#include "testsupport/region_forger.h"
#include "testsupport/tool_run.h"

namespace cf::oracles {
namespace {

constexpr uint64_t k_base = placement::test_base(1);

LoadObservation accepted(const nlohmann::json& graph, uint64_t work = 10, uint64_t bytes = 800) {
  LoadObservation o;
  o.accepted = true;
  o.walked = true;
  o.graph = graph;
  o.bytes = bytes;
  o.parts = {{"f", bytes, work}};
  return o;
}

LoadObservation rejected(ErrorCode code, uint64_t offset = 8, std::string file = "f", size_t part = 0) {
  LoadObservation o;
  LoadError e;
  e.code = code;
  e.offset = offset;
  e.file = std::move(file);
  e.message = "m";
  o.error = e;
  o.failed_part = part;
  o.bytes = 100;
  return o;
}

WalkObservation walked(bool ok, uint64_t objects = 3, uint32_t depth = 2) {
  WalkObservation w;
  w.accepted = ok;
  w.objects = objects;
  w.max_depth = depth;
  w.work = {"f", 100, 10};
  if (!ok) w.error = rejected(ErrorCode::root_not_last).error;
  return w;
}

Compaction images(std::vector<std::vector<uint8_t>> parts) {
  Compaction c;
  c.images = std::move(parts);
  return c;
}

Compaction refused(ErrorCode code) {
  Compaction c;
  c.error = rejected(code).error;
  return c;
}

void expect_finding(const Verdict& v, const std::string& needle) {
  EXPECT_EQ(v.outcome, Outcome::finding) << describe(v);
  EXPECT_NE(v.reason.find(needle), std::string::npos) << v.reason;
}

TEST(CatalogueJudges, PathsAndDepOrderCompareVerdictClassOffsetAndGraph) {
  const nlohmann::json g1 = {{"nodes", {1}}, {"parts", {}}}, g2 = {{"nodes", {2}}, {"parts", {}}};
  for (auto judge : {judge_paths, judge_dep_order}) {
    expect_finding(judge(accepted(g1), rejected(ErrorCode::truncated)), "rejected");
    expect_finding(judge(rejected(ErrorCode::truncated), rejected(ErrorCode::bad_tag)), "rejections differ");
    expect_finding(judge(rejected(ErrorCode::bad_tag, 8), rejected(ErrorCode::bad_tag, 16)), "rejections differ");
    expect_finding(judge(rejected(ErrorCode::bad_tag, 8, "f", 1), rejected(ErrorCode::bad_tag, 8, "f", 2)), "part 1");
    expect_finding(judge(accepted(g1), accepted(g2)), "node 0");
    EXPECT_EQ(judge(accepted(g1), accepted(g1)).outcome, Outcome::holds);
    EXPECT_EQ(judge(rejected(ErrorCode::bad_tag), rejected(ErrorCode::bad_tag)).outcome, Outcome::holds);
  }
  EXPECT_EQ(judge_paths(accepted(g1), accepted(g2)).oracle, OracleId::path_differential);
  EXPECT_EQ(judge_dep_order(accepted(g1), accepted(g2)).oracle, OracleId::dep_order);
}

TEST(CatalogueJudges, EachCanReportAFinding) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {1, 9, 3}, c = {1, 2};
  expect_finding(compare_bytes(OracleId::idempotence, "p", a, b), "offset 1");
  expect_finding(compare_bytes(OracleId::idempotence, "p", a, c), "3 bytes expected, 2 got");
  EXPECT_EQ(compare_bytes(OracleId::idempotence, "p", a, a).outcome, Outcome::holds);

  const std::vector<PartWork> over = {{"f", 800, 500}}, at_bound = {{"f", 800, 404}};  // 4 * (100 + 1)
  expect_finding(judge_work(over), "500 units");
  EXPECT_EQ(judge_work(at_bound).outcome, Outcome::holds);
  const std::vector<PartWork> second_over = {{"p0", 800, 10}, {"p1", 80, 45}};
  expect_finding(judge_work(second_over), "p1");

  LoadObservation unwalked = accepted(nlohmann::json::object());
  unwalked.walked = false;
  expect_finding(judge_walk(unwalked), "not every field was walked");
  expect_finding(judge_walk(rejected(ErrorCode::truncated, 8, "")), "names no file");
  expect_finding(judge_walk(rejected(ErrorCode::truncated, 101)), "past the input");
  EXPECT_EQ(judge_walk(rejected(ErrorCode::truncated, 100)).outcome, Outcome::holds);

  const nlohmann::json g = {{"n", 1}}, other = {{"n", 2}};
  expect_finding(judge_io(accepted(g), {accepted(g), accepted(other)}), "schedule 1");
  expect_finding(judge_io(accepted(g), {rejected(ErrorCode::truncated)}), "truncated");
  EXPECT_EQ(judge_io(accepted(g), {accepted(g), rejected(ErrorCode::io_error)}).outcome, Outcome::holds);

  const nlohmann::json want = {{"parts", {{{"root", {{"ref", 0}}}}}}, {"nodes", {{{"kind", "string"}, {"value", "a"}}}}};
  nlohmann::json got = want;
  got["nodes"][0]["value"] = "b";
  expect_finding(judge_round_trip(want, got, "here"), "node 0");
  got = want;
  got["parts"][0]["root"] = {{"box", 1}};
  expect_finding(judge_round_trip(want, got, "here"), "roots differ");
  EXPECT_EQ(judge_round_trip(want, want, "here").outcome, Outcome::holds);

  expect_finding(judge_negative(accepted(g), "bad_tag", {}), "accepted");
  expect_finding(judge_negative(rejected(ErrorCode::truncated), "bad_tag", {}), "expected bad_tag");
  expect_finding(judge_negative(rejected(ErrorCode::bad_tag, 8), "bad_tag", 16), "expected offset 16");
  EXPECT_EQ(judge_negative(rejected(ErrorCode::bad_tag, 16), "bad_tag", 16).outcome, Outcome::holds);

  expect_finding(judge_lenient(walked(true), walked(false)), "lenient rejected");
  expect_finding(judge_lenient(walked(true, 3), walked(true, 4)), "object counts differ");
  expect_finding(judge_lenient(walked(true, 3, 2), walked(true, 3, 5)), "depths differ");
  WalkObservation silent = walked(false);
  silent.error->message.clear();
  expect_finding(judge_lenient(silent, walked(false)), "without a message");
  EXPECT_EQ(judge_lenient(walked(false), walked(true)).outcome, Outcome::holds);

  expect_finding(judge_strategies(images({a}), images({b})), "offset 1");
  expect_finding(judge_strategies(images({a}), refused(ErrorCode::cycle)), "one strategy rejected");
  expect_finding(judge_strategies(refused(ErrorCode::cycle), refused(ErrorCode::depth_limit)), "different rejections");
  expect_finding(judge_strategies(images({a}), images({a, a})), "1 parts from worklist, 2");
  EXPECT_EQ(judge_strategies(images({a, c}), images({a, c})).outcome, Outcome::holds);

  expect_finding(judge_idempotence(images({a}), images({b})), "offset 1");
  expect_finding(judge_idempotence(images({a}), refused(ErrorCode::cycle)), "failed");
  EXPECT_EQ(judge_idempotence(refused(ErrorCode::cycle), images({a})).outcome, Outcome::not_applicable);
  EXPECT_EQ(judge_idempotence(images({a}), images({a})).outcome, Outcome::holds);

  const FileUnit inputs{{"x.olean"}, {a}};
  const Reproduction same{Strategy::worklist, ChildOrder::ascending, images({a})};
  const Reproduction differs{Strategy::recursive, ChildOrder::ascending, images({b})};
  const Reproduction fails{Strategy::recursive, ChildOrder::ascending, refused(ErrorCode::cycle)};
  expect_finding(judge_reproduction(inputs, std::vector{same, differs}), "x.olean (recursive)");
  expect_finding(judge_reproduction(inputs, std::vector{fails}), "rejected the loaded graph");
  EXPECT_EQ(judge_reproduction(inputs, std::vector{same, same}).outcome, Outcome::holds);
}

TEST(CatalogueJudges, SnapshotJudgesCanReportFindings) {
  const nlohmann::json g1 = {{"nodes", {1}}, {"parts", {{{"root", 1}}}}}, g2 = {{"nodes", {2}}, {"parts", {{{"root", 1}}}}};
  using Runs = std::vector<std::pair<std::string, LoadObservation>>;
  expect_finding(judge_workers(Runs{{"1 worker", accepted(g1)}, {"4 workers", accepted(g2)}}, {}, "s"), "node 0");
  expect_finding(judge_workers(Runs{{"1 worker", accepted(g1)}, {"4 workers", rejected(ErrorCode::missing_dep)}}, {}, "s"),
                 "4 workers rejected");
  EXPECT_EQ(judge_workers(Runs{{"1 worker", accepted(g1)}, {"32 workers", accepted(g1)}}, {}, "s").outcome, Outcome::holds);
  EXPECT_EQ(judge_workers(Runs{{"1 worker", accepted(g1)}}, {}, "s").outcome, Outcome::not_applicable);
  // Reordered modules: another failing module is no finding; anything else that differs is.
  const LoadObservation in_m1 = rejected(ErrorCode::missing_dep, 8, "m1"), in_m2 = rejected(ErrorCode::truncated, 9, "m2");
  EXPECT_EQ(judge_workers(Runs{{"1 worker", in_m1}}, Runs{{"reversed", in_m2}}, "s").outcome, Outcome::holds);
  expect_finding(judge_workers(Runs{{"1 worker", in_m1}}, Runs{{"reversed", accepted(g1)}}, "s"), "reversed");
  expect_finding(judge_workers(Runs{{"1 worker", in_m1}}, Runs{{"reversed", rejected(ErrorCode::truncated, 9, "s")}}, "s"),
                 "reversed");
  expect_finding(judge_workers(Runs{{"1 worker", accepted(g1)}}, Runs{{"rotated", accepted(g2)}}, "s"), "node 0");

  LoadObservation overlap = rejected(ErrorCode::dep_overlap);
  overlap.error->message = "region_reader: dep regions have overlapping `base_addr` ranges";
  EXPECT_EQ(judge_overlap_hazard({accepted(g1), rejected(ErrorCode::truncated)}, {overlap}).outcome, Outcome::not_applicable);
  expect_finding(judge_overlap_hazard({accepted(g1)}, {overlap, accepted(g1)}), "snapshot load 1");
  expect_finding(judge_overlap_hazard({accepted(g1)}, {rejected(ErrorCode::dep_overlap)}), "upstream's message");
  EXPECT_EQ(judge_overlap_hazard({accepted(g1), accepted(g2)}, {overlap, overlap}).outcome, Outcome::holds);

  const Compaction saved = images({{1, 2, 3}});
  expect_finding(judge_snapshot_round_trip(accepted(g1), saved, {{"slow path", accepted(g2)}}), "node 0");
  expect_finding(judge_snapshot_round_trip(accepted(g1), refused(ErrorCode::missing_library), {}), "saving");
  expect_finding(judge_snapshot_round_trip(accepted(g1), saved, {{"auto path", rejected(ErrorCode::dep_overlap)}}),
                 "does not load");
  EXPECT_EQ(judge_snapshot_round_trip(rejected(ErrorCode::bad_deps_json), saved, {}).outcome, Outcome::not_applicable);
  EXPECT_EQ(judge_snapshot_round_trip(accepted(g1), saved, {{"auto path", accepted(g1)}, {"slow path", accepted(g1)}}).outcome,
            Outcome::holds);
}

// The names scripts and reports use are the table's, and the table is the enum's.
TEST(CatalogueJudges, OracleNamesRoundTrip) {
  for (const OracleInfo& o : k_oracles) {
    EXPECT_EQ(oracle_from_name(o.name), o.id);
    EXPECT_EQ(oracle_name(o.id), o.name);
  }
  EXPECT_FALSE(oracle_from_name("no_such_oracle"));
}

// A file no conforming writer produces: two equal strings, which max sharing would merge.
// It is valid, so reproduction is the oracle that must notice.
TEST(CatalogueOracles, ReproductionNoticesAFileThatIsNotMaxShared) {
  testsupport::RegionForger b(Format::v2, k_base);
  const uint64_t s1 = b.string("twin"), s2 = b.string("twin");
  b.set_root(b.array({s1, s2}));
  FileUnit u{{"twins.olean"}, {b.bytes()}};
  EXPECT_EQ(validate_then_walk(u).outcome, Outcome::holds);
  EXPECT_EQ(path_differential(u).outcome, Outcome::holds);
  expect_finding(real_file_reproduction(u), "first difference");
  EXPECT_EQ(idempotence(u).outcome, Outcome::holds);  // compact(load(.)) is max-shared already
}

TEST(CatalogueOracles, RoundTripNoticesACompactorWithoutMaxSharing) {
  Heap h;
  const uint64_t root = h.array(std::vector<uint64_t>{h.string("x"), h.string("x")});
  GraphInput g;
  g.roots = {root};
  g.options.base_addr = k_base;
  EXPECT_EQ(round_trip(g).outcome, Outcome::holds);
  g.options.max_sharing = false;  // a broken compactor: the loaded graph keeps both strings
  expect_finding(round_trip(g), "node 1");  // the second "x" where the array was expected
}

TEST(CatalogueOracles, NegativeTableOnARejectedFile) {
  FileUnit u{{"empty.olean"}, {std::vector<uint8_t>{}}};
  EXPECT_EQ(negative_table(u, "truncated", 0).outcome, Outcome::holds);
  expect_finding(negative_table(u, "bad_magic", {}), "expected bad_magic");
  EXPECT_EQ(real_file_reproduction(u).outcome, Outcome::not_applicable);
}

int tally(const std::vector<Verdict>& vs, std::map<std::string, std::map<std::string, int>>* counts) {
  int findings = 0;
  for (const Verdict& v : vs) {
    ++(*counts)[std::string(oracle_name(v.oracle))][std::string(outcome_name(v.outcome))];
    if (v.outcome == Outcome::not_applicable && std::getenv("CF_CATALOGUE_VERBOSE")) std::printf("n/a: %s\n", v.reason.c_str());
    if (v.outcome == Outcome::finding) {
      ADD_FAILURE() << describe(v);
      ++findings;
    }
  }
  return findings;
}

void print(const char* what, const std::map<std::string, std::map<std::string, int>>& counts) {
  for (const auto& [oracle, by] : counts) {
    std::printf("[%s] %-24s", what, oracle.c_str());
    for (const auto& [outcome, n] : by) std::printf(" %s %d", outcome.c_str(), n);
    std::printf("\n");
  }
}

// `regiontool check` runs exactly check_file_unit: it must hold on every real file and chain.
TEST(CatalogueCorpus, HoldsOnEveryRealFileAndChain) {
  const auto rows = testsupport::load_manifest();
  std::map<std::string, std::map<std::string, int>> counts;
  int units = 0;
  auto run = [&](const std::vector<testsupport::ManifestRow>& chain) {
    FileUnit u;
    for (const auto& r : chain) {
      u.names.push_back(testsupport::corpus_dir() + "/" + r["file"]);
      u.bytes.push_back(testsupport::read_corpus_file(r["file"]));
    }
    SCOPED_TRACE(u.names.back());
    tally(check_file_unit(u), &counts);
    ++units;
  };
  for (const auto& r : rows) {
    const std::string& p = r["original_path"];
    if (!p.ends_with(".olean.server") && !p.ends_with(".olean.private")) run({r});
  }
  for (const auto& chain : testsupport::manifest_chains(rows)) run(chain);
  EXPECT_EQ(units, 32);
  print("corpus", counts);
}

TEST(CatalogueGenerated, HoldsOnAThousandGeneratedGraphs) {
  std::map<std::string, std::map<std::string, int>> counts;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    Heap heap(seed % 5 != 0);
    GenSpec spec;
    spec.seed = seed;
    spec.objects = 10 + static_cast<uint32_t>(seed % 90);
    spec.parts = 1 + static_cast<uint32_t>(seed % 3);
    const bool v3 = seed % 4 == 0;
    if (v3) spec.kind_weights[static_cast<size_t>(Kind::closure)] = 3;
    const GenGraph g = generate(heap, spec);
    GraphInput in;
    in.roots = g.roots;
    in.gmp = heap.gmp();
    in.options.base_addr = k_base;
    in.options.flags = heap.gmp() ? k_flag_gmp : 0;
    in.options.format = v3 ? Format::v3 : Format::v2;
    if (v3) in.options.libraries = {{spec.closure_fun_base, "libgen.so"}};
    SCOPED_TRACE("seed " + std::to_string(seed));
    tally(check_graph(in), &counts);
  }
  print("generated", counts);
}

// The size edge cases of FORMAT.md §1 (GenSpec::edge_pct) go through the whole catalogue.
TEST(CatalogueGenerated, HoldsOnSizeEdgeCases) {
  std::map<std::string, std::map<std::string, int>> counts;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Heap heap;
    GenSpec spec;
    spec.seed = seed;
    spec.objects = 40;
    spec.edge_pct = 25;
    const GenGraph g = generate(heap, spec);
    GraphInput in;
    in.roots = g.roots;
    in.options.base_addr = k_base;
    SCOPED_TRACE("seed " + std::to_string(seed));
    tally(check_graph(in), &counts);
  }
  print("edge cases", counts);
}

// The command line: `regiontool check` prints one verdict per oracle and exits by them.
TEST(CatalogueCli, CheckExitsByItsVerdicts) {
  const auto rows = testsupport::load_manifest();
  const std::string file = testsupport::corpus_dir() + "/" + rows.front()["file"];
  testsupport::ToolRun r = testsupport::run_regiontool(CF_REGIONTOOL, {"check", file});
  EXPECT_EQ(r.code, 0) << r.output;
  for (const char* oracle : {"path differential: holds", "validate-then-walk: holds", "work bound: holds",
                             "I/O schedule: holds", "strategy differential: holds", "idempotence: holds"})
    EXPECT_NE(r.output.find(oracle), std::string::npos) << oracle << "\n" << r.output;
  r = testsupport::run_regiontool(CF_REGIONTOOL, {"check", file, "--expect", "bad_magic@0"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("negative table: FINDING - accepted; expected bad_magic"), std::string::npos) << r.output;
  r = testsupport::run_regiontool(CF_REGIONTOOL, {"check", "/nonexistent/x.olean"});
  EXPECT_EQ(r.code, 2) << r.output;
}

// --json: one JSON object per unit and line, with the stable oracle names; --only filters;
// an unknown oracle or error class is a usage error.
TEST(CatalogueCli, CheckJsonLinesAndOnly) {
  const auto rows = testsupport::load_manifest();
  const std::string file = testsupport::corpus_dir() + "/" + rows.front()["file"];
  testsupport::ToolRun r =
      testsupport::run_regiontool(CF_REGIONTOOL, {"check", file, "--json", "--only", "path_differential,work_bound"});
  ASSERT_EQ(r.code, 0) << r.output;
  const nlohmann::json line = nlohmann::json::parse(r.output);
  EXPECT_EQ(line.at("input"), file);
  EXPECT_EQ(line.at("exit"), 0);
  ASSERT_EQ(line.at("verdicts").size(), 2u) << r.output;
  EXPECT_EQ(line.at("verdicts")[0].at("oracle"), "path_differential");
  EXPECT_EQ(line.at("verdicts")[0].at("outcome"), "holds");
  EXPECT_EQ(line.at("verdicts")[1].at("oracle"), "work_bound");
  r = testsupport::run_regiontool(CF_REGIONTOOL, {"check", file, "--json", "--expect", "bad_magic@0"});
  EXPECT_EQ(r.code, 1) << r.output;
  const nlohmann::json failed = nlohmann::json::parse(r.output);
  EXPECT_EQ(failed.at("exit"), 1);
  EXPECT_EQ(failed.at("verdicts").back().at("oracle"), "negative_table");
  EXPECT_EQ(failed.at("verdicts").back().at("outcome"), "finding");
  EXPECT_EQ(testsupport::run_regiontool(CF_REGIONTOOL, {"check", file, "--only", "no_such_oracle"}).code, 2);
  EXPECT_EQ(testsupport::run_regiontool(CF_REGIONTOOL, {"check", file, "--expect", "no_such_class"}).code, 2);
}

// The generator's real-file profile (docs/generators.md) against corpus/real, measured now
// from EXPECTED.json: each kind's share of objects within 3 percentage points.
TEST(GeneratorProfile, KindProportionsFollowTheRealCorpus) {
  std::map<std::string, double> real, gen;
  double real_total = 0, gen_total = 0;
  for (const auto& [file, e] : testsupport::load_expected())
    for (const auto& [kind, n] : e.at("objects_per_kind").items()) {
      real[kind] += n.get<double>();
      real_total += n.get<double>();
    }
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Heap heap;
    const GenGraph g = generate(heap, real_file_profile(seed, 2000));
    const nlohmann::json dump = dump_memory_graph(g.roots, {}, true, false);
    for (const auto& n : dump.at("nodes")) {
      gen[n.at("kind").get<std::string>()] += 1;
      gen_total += 1;
    }
  }
  for (const std::string kind : {"ctor", "string", "array", "sarray", "mpz", "thunk", "task", "ref", "promise",
                                  "closure"}) {
    const double r = 100 * real[kind] / real_total, g = 100 * gen[kind] / gen_total;
    std::printf("[profile] %-8s real %6.2f %%  generated %6.2f %%\n", kind.c_str(), r, g);
    EXPECT_NEAR(g, r, 3.0) << kind;
  }
  std::printf("[profile] %.0f real objects, %.0f generated in 20 graphs\n", real_total, gen_total);
}

}  // namespace
}  // namespace cf::oracles
