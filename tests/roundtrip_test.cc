// Real-file reproduction (FORMAT.md §9.3) and the graph-model reader behind `compact`:
// every corpus file and save chain re-compacts byte for byte with both strategies, through
// the functions regiontool's `roundtrip` runs; the CLI's exit codes 0/1/2 for `roundtrip`
// and `compact`; dump -> compact gives the original bytes back; every malformed graph
// document is a BuildError that names its JSON path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compactor.h"
#include "core/placement.h"
#include "core/region.h"
#include "oracles/graph_build.h"
#include "oracles/graph_dump.h"
#include "testsupport/corpus.h"
#include "testsupport/tool_run.h"
#include "tools/compact_cmds.h"

namespace cf {

// Readable parameters and enums in gtest's failure messages.
namespace testsupport {
void PrintTo(const ManifestRow& r, std::ostream* os) { *os << r.col.at("file"); }
}  // namespace testsupport
void PrintTo(ChildOrder c, std::ostream* os) { *os << (c == ChildOrder::ascending ? "ascending" : "descending"); }
void PrintTo(Strategy s, std::ostream* os) { *os << strategy_name(s); }

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testsupport::ManifestRow;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string corpus_path(const ManifestRow& r) { return testsupport::corpus_dir() + "/" + r["file"]; }

// Parts 1 and 2 of a chain point into part 0, so they load only within their chain.
bool loads_alone(const ManifestRow& r) {
  return !ends_with(r["original_path"], ".olean.server") && !ends_with(r["original_path"], ".olean.private");
}

// FORMAT.md §9.3: the May 2022 and Feb 2023 v0 files predate #2286's ascending order.
bool legacy_descending(const ManifestRow& r) {
  return r["header_version"].rfind("0", 0) == 0 && (r["lean_toolchain"].find("2022-") != std::string::npos ||
                                        r["lean_toolchain"].find("2023-02") != std::string::npos);
}

std::string test_name(const std::string& file, size_t index) {
  std::string s = std::to_string(index) + "_";
  const std::string stem = file.substr(file.rfind("__") == std::string::npos ? 0 : file.rfind("__") + 2);
  for (char c : stem) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

// ---- every single file and every chain, in process ------------------------------------

void expect_reproduced(const tool::GroupReport& g, ChildOrder expected_order) {
  ASSERT_FALSE(g.load_error) << g.load_error->describe();
  ASSERT_EQ(g.results.size(), 2u);
  EXPECT_EQ(g.results[0].strategy, Strategy::worklist);
  EXPECT_EQ(g.results[1].strategy, Strategy::recursive);
  for (const tool::StrategyReport& r : g.results) {
    ASSERT_FALSE(r.compact_error) << r.compact_error->describe();
    EXPECT_EQ(r.order, expected_order) << strategy_name(r.strategy);
    ASSERT_EQ(r.parts.size(), g.files.size());
    for (const tool::PartReport& p : r.parts)
      EXPECT_TRUE(p.identical()) << p.file << " (" << strategy_name(r.strategy) << "): first difference at "
                                 << *p.first_difference << ", output " << p.output_size << " bytes, input "
                                 << p.input_size;
  }
  EXPECT_EQ(g.exit_code(), 0);
}

class RoundtripSingleFile : public ::testing::TestWithParam<ManifestRow> {};

TEST_P(RoundtripSingleFile, ReproducesWithBothStrategies) {
  const ManifestRow& row = GetParam();
  const tool::GroupReport g = tool::roundtrip_group({corpus_path(row)}, tool::RoundtripOptions{});
  expect_reproduced(g, legacy_descending(row) ? ChildOrder::descending : ChildOrder::ascending);
}

std::vector<ManifestRow> single_files() {
  std::vector<ManifestRow> out;
  for (const ManifestRow& r : testsupport::load_manifest())
    if (loads_alone(r)) out.push_back(r);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Reproduction, RoundtripSingleFile, ::testing::ValuesIn(single_files()),
                         [](const ::testing::TestParamInfo<ManifestRow>& i) {
                           return test_name(i.param["file"], i.index);
                         });

class RoundtripChain : public ::testing::TestWithParam<std::vector<ManifestRow>> {};

TEST_P(RoundtripChain, ReproducesThroughOneCompactor) {
  std::vector<std::string> files;
  for (const ManifestRow& r : GetParam()) files.push_back(corpus_path(r));
  expect_reproduced(tool::roundtrip_group(files, tool::RoundtripOptions{}), ChildOrder::ascending);
}

INSTANTIATE_TEST_SUITE_P(Reproduction, RoundtripChain,
                         ::testing::ValuesIn(testsupport::manifest_chains(testsupport::load_manifest())),
                         [](const ::testing::TestParamInfo<std::vector<ManifestRow>>& i) {
                           return test_name(i.param[0]["file"], i.index);
                         });

TEST(RoundtripCorpus, CoversEveryFileAndFourChains) {
  const auto rows = testsupport::load_manifest();
  size_t in_chains = 0;
  const auto chains = testsupport::manifest_chains(rows);
  for (const auto& c : chains) in_chains += c.size();
  EXPECT_EQ(rows.size(), 36u);
  EXPECT_EQ(chains.size(), 4u);
  // Every row is exercised alone or as a later part of a chain.
  EXPECT_EQ(single_files().size() + in_chains - chains.size(), rows.size());
}

const ManifestRow& row_ending(const std::string& suffix) {
  static const std::vector<ManifestRow> rows = testsupport::load_manifest();
  for (const ManifestRow& r : rows)
    if (ends_with(r["file"], suffix)) return r;
  throw std::runtime_error("no corpus file ends with " + suffix);
}

const std::string k_normal_forms = "SSC__NormalForms.olean";
const std::string k_char = "Batteries__Data__Char.olean";

TEST(RoundtripOrders, WrongOrderDiffersWithTheObjectLocated) {
  tool::RoundtripOptions o;
  o.order = oracles::OrderChoice::descending;
  o.strategies = {Strategy::worklist};
  const tool::GroupReport g = tool::roundtrip_group({corpus_path(row_ending(k_normal_forms))}, o);
  ASSERT_EQ(g.exit_code(), 1);
  const tool::PartReport& p = g.results[0].parts[0];
  ASSERT_TRUE(p.first_difference);
  ASSERT_TRUE(p.object);  // the first object's bytes already differ: "Init" comes later now
  EXPECT_LE(p.object->offset, *p.first_difference);
  EXPECT_LT(*p.first_difference, p.object->offset + p.object->size);
  EXPECT_EQ(p.input_size, 1168u);
}

TEST(RoundtripOrders, LegacyFileForcedAscendingDiffers) {
  tool::RoundtripOptions o;
  o.order = oracles::OrderChoice::ascending;
  const tool::GroupReport g = tool::roundtrip_group({corpus_path(row_ending("signatures/build__lib__Main.olean"))}, o);
  EXPECT_EQ(g.exit_code(), 1);
  for (const auto& r : g.results) EXPECT_EQ(r.order, ChildOrder::ascending);
}

// The slow path relocates every pointer, the mpz limb pointers included: the re-compacted bytes
// must not depend on where the input was loaded (MT.olean.private and pgraph-Main hold mpz).
TEST(RoundtripOrders, SlowPathLoadsReproduceToo) {
  tool::RoundtripOptions o;
  o.load.path = LoadPath::slow;
  const std::string mt = corpus_path(row_ending("MersenneTwister.olean"));
  expect_reproduced(tool::roundtrip_group({mt, mt + ".server", mt + ".private"}, o), ChildOrder::ascending);
  expect_reproduced(tool::roundtrip_group({corpus_path(row_ending("pgraph/.lake__build__lib__Main.olean"))}, o),
                    ChildOrder::ascending);
}

TEST(RoundtripOrders, ChainPartAloneIsALoadError) {
  const std::string f = corpus_path(row_ending(k_char + ".server"));
  const tool::GroupReport g = tool::roundtrip_group({f}, tool::RoundtripOptions{});
  ASSERT_TRUE(g.load_error);
  EXPECT_EQ(g.load_error->code, ErrorCode::missing_dep);
  EXPECT_EQ(g.exit_code(), 2);
}

// ---- the CLI ------------------------------------------------------------------------------

using testsupport::ToolRun;

ToolRun regiontool(const std::vector<std::string>& args) { return testsupport::run_regiontool(CF_REGIONTOOL, args); }

class RoundtripCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("roundtrip_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(tmp(name), std::ios::binary) << text;
    return tmp(name);
  }
  fs::path dir_;
};

TEST_F(RoundtripCli, IdenticalFilesAndChain) {
  const std::string nf = corpus_path(row_ending(k_normal_forms));
  ToolRun r = regiontool({"roundtrip", nf, corpus_path(row_ending("MersenneTwister.ir"))});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find(nf + ": identical (worklist, ascending child order)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(nf + ": identical (recursive, ascending child order)"), std::string::npos) << r.output;
  const std::string c = corpus_path(row_ending(k_char));
  r = regiontool({"roundtrip", "--chain", c, c + ".server", c + ".private", "--strategy", "recursive"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find(c + ".private: identical (recursive"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("worklist"), std::string::npos) << r.output;
}

TEST_F(RoundtripCli, LegacyFileReportsDescendingOrder) {
  const ToolRun r = regiontool({"roundtrip", corpus_path(row_ending("lean-rsa-project/build__lib__Main.olean"))});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("identical (worklist, descending child order)"), std::string::npos) << r.output;
}

// Flipping string bytes alone would still reproduce (the loaded graph carries the new text), so
// the copy's "Init" is turned into "Lean", an equal String that appears later: max sharing
// now merges the later one and the re-compacted file is 40 bytes shorter.
TEST_F(RoundtripCli, ModifiedCopyDiffers) {
  std::vector<uint8_t> bytes = testsupport::read_file(corpus_path(row_ending(k_normal_forms)));
  ASSERT_EQ(std::string(reinterpret_cast<const char*>(&bytes[0x80]), 4), "Init");
  std::memcpy(&bytes[0x80], "Lean", 4);
  const std::string copy = tmp("modified.olean");
  std::ofstream(copy, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(regiontool({"validate", copy}).code, 0);  // still a valid file
  const ToolRun r = regiontool({"roundtrip", copy, "--strategy", "worklist"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(copy + ": differs (worklist, ascending child order): first difference at offset "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("output 1128 bytes, input 1168 bytes"), std::string::npos) << r.output;
}

TEST_F(RoundtripCli, MissingFileAndUsage) {
  ToolRun r = regiontool({"roundtrip", tmp("no-such-file.olean")});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("io_error"), std::string::npos) << r.output;
  EXPECT_EQ(regiontool({"roundtrip"}).code, 2);
  EXPECT_EQ(regiontool({"roundtrip", "x", "--child-order", "sideways"}).code, 2);
}

TEST_F(RoundtripCli, DumpThenCompactGivesTheOriginalBytes) {
  const std::string nf = corpus_path(row_ending(k_normal_forms));
  const std::string g = tmp("nf.json");
  ASSERT_EQ(regiontool({"dump", nf, "-o", g}).code, 0);
  const auto original = testsupport::read_file(nf);
  for (const char* strategy : {"worklist", "recursive"}) {
    const std::string out = tmp(std::string("nf.") + strategy + ".olean");
    const ToolRun r = regiontool({"compact", g, "-o", out, "--base", row_ending(k_normal_forms)["base_addr_hex"],
                              "--strategy", strategy});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(testsupport::read_file(out), original) << strategy;
  }
  const std::string by_key = tmp("nf.key.olean");
  ASSERT_EQ(regiontool({"compact", g, "-o", by_key, "--key", "SSC.NormalForms", "--format", "2"}).code, 0);
  EXPECT_EQ(testsupport::read_file(by_key), original);
}

TEST_F(RoundtripCli, DumpThenCompactChainNamesTheParts) {
  const std::string c = corpus_path(row_ending("Batteries__Classes__Cast.olean"));
  const std::string g = tmp("cast.json");
  ASSERT_EQ(regiontool({"dump", "--chain", c, c + ".server", c + ".private", "-o", g}).code, 0);
  const std::string out = tmp("Cast.olean");
  const ToolRun r = regiontool({"compact", g, "-o", out});  // base from the graph's parts[0]
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(testsupport::read_file(out), testsupport::read_file(c));
  EXPECT_EQ(testsupport::read_file(out + ".server"), testsupport::read_file(c + ".server"));
  EXPECT_EQ(testsupport::read_file(out + ".private"), testsupport::read_file(c + ".private"));
}

const std::string k_schema = R"("schema": "compactfuzz-graph/1")";

TEST_F(RoundtripCli, CompactWithADepRegion) {
  const std::string nf = corpus_path(row_ending(k_normal_forms));
  const std::string g = write("dep.json", "{" + k_schema + R"(,
      "parts": [{"base_addr": "0x100000000", "root": {"ref": 2}}],
      "deps": [{"file": "nf", "base_addr": "0x4fb6fe40000"}],
      "nodes": [{"kind": "dep", "dep": 0, "offset": 96}, {"kind": "string", "value": "x"},
                {"kind": "ctor", "tag": 3, "fields": [{"ref": 0}, {"ref": 1}, {"box": 5}], "scalars": "01"}]})");
  const std::string out = tmp("dep.olean");
  ToolRun r = regiontool({"compact", g, "-o", out, "--dep", nf});
  ASSERT_EQ(r.code, 0) << r.output;
  r = regiontool({"validate", "--chain", nf, out});
  EXPECT_EQ(r.code, 0) << r.output;
  r = regiontool({"compact", g, "-o", tmp("nodep.olean")});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("deps: the graph names 1 dep region(s) but 0 were supplied"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp("nodep.olean")));
}

TEST_F(RoundtripCli, CompactRejectionIsExitOneAndClosuresNeedLibraries) {
  const std::string ext = write("ext.json", "{" + k_schema + R"(, "parts": [{"root": {"ref": 1}}],
      "nodes": [{"kind": "external"}, {"kind": "array", "elems": [{"ref": 0}]}]})");
  ToolRun r = regiontool({"compact", ext, "-o", tmp("ext.olean"), "--key", "X"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("external_object"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp("ext.olean")));
  const std::string clo = write("clo.json", "{" + k_schema + R"(, "parts": [{"root": {"ref": 0}}],
      "nodes": [{"kind": "closure", "fun": "0x401000", "arity": 2, "args": [{"box": 1}]}]})");
  r = regiontool({"compact", clo, "-o", tmp("clo.olean"), "--key", "X", "--format", "2"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("closure_not_allowed"), std::string::npos) << r.output;
  // Without --format the closure selects v3, which needs the library holding m_fun.
  r = regiontool({"compact", clo, "-o", tmp("clo.olean"), "--key", "X"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("missing_library"), std::string::npos) << r.output;
  // With the graph's library table it is a v3 file with one closure offset.
  const std::string lib = write("lib.json", "{" + k_schema + R"(, "parts": [{"root": {"ref": 0}}],
      "libraries": [{"base": "0x400000", "identity": ""}],
      "nodes": [{"kind": "closure", "fun": "0x401000", "arity": 2, "args": [{"box": 1}]}]})");
  r = regiontool({"compact", lib, "-o", tmp("lib.olean"), "--key", "X"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("164 bytes, v3"), std::string::npos) << r.output;
  // Deeply nested JSON is just another malformed document.
  const std::string deep = write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(regiontool({"compact", deep, "-o", tmp("deep.olean")}).code, 2);
}

TEST_F(RoundtripCli, CompactMalformedInputIsExitTwo) {
  struct Case {
    std::string json, expect;
  };
  const std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {"{" + k_schema + R"(, "parts": [{"root": {"ref": 0}}], "nodes": [{"kind": "ctor", "tag": 244, "fields": []}]})",
       "nodes[0].tag: 244 is out of range"},
      {"{" + k_schema + R"(, "parts": [{"root": {"ref": 1}}], "nodes": [{"kind": "array", "elems": []},
         {"kind": "array", "elems": [{"ref": 1}]}]})",
       "nodes[1].elems[0].ref: ref 1 is not an earlier node"},
      {"{" + k_schema + R"(, "parts": [{"root": {"box": 1}}], "nodes": []})", "parts[0] has no base_addr"},
  };
  for (const Case& c : cases) {
    const std::string g = write("bad.json", c.json);
    const ToolRun r = regiontool({"compact", g, "-o", tmp("bad.olean")});
    EXPECT_EQ(r.code, 2) << c.json << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.json << "\n" << r.output;
    EXPECT_NE(r.output.find(g), std::string::npos) << "the message names the file: " << r.output;
    EXPECT_FALSE(fs::exists(tmp("bad.olean")));
  }
  EXPECT_EQ(regiontool({"compact", tmp("missing.json"), "-o", tmp("x")}).code, 2);
  EXPECT_EQ(regiontool({"compact", write("ok.json", "{}"), "-o", tmp("x"), "--key", "A", "--base", "0x10000"}).code,
            2);
  EXPECT_EQ(regiontool({"compact", write("ok2.json", "{}"), "-o", tmp("x"), "--base", "12abc"}).code, 2);
}

// ---- the graph-model reader ------------------------------------------------------------

std::string build_error(const json& doc, std::span<const Region* const> deps = {}) {
  oracles::BuildResult r = oracles::build_graph(doc, deps);
  if (auto* e = std::get_if<oracles::BuildError>(&r)) return e->message;
  return "<built>";
}

json minimal() {
  return json::parse(R"({"schema": "compactfuzz-graph/1", "parts": [{"root": {"ref": 0}}],
                         "nodes": [{"kind": "ctor", "tag": 0, "fields": [{"box": 0}], "scalars": ""}]})");
}

TEST(GraphBuild, EveryMalformedDocumentNamesItsPath) {
  ASSERT_EQ(build_error(minimal()), "<built>");
  struct Case {
    const char* pointer;  // JSON pointer to replace (or remove, with a null value)
    json value;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"/schema", nullptr, "document: missing field \"schema\""},
      {"/schema", "compactfuzz-graph/2", "schema: expected \"compactfuzz-graph/1\""},
      {"/parts", json::array(), "parts: a graph needs at least one part"},
      {"/parts", json::object(), "parts: expected an array, got object"},
      {"/nodes", nullptr, "document: missing field \"nodes\""},
      {"/nodes/0/kind", nullptr, "nodes[0]: missing field \"kind\""},
      {"/nodes/0/kind", "tree", "nodes[0].kind: unknown kind \"tree\""},
      {"/nodes/0/kind", 3, "nodes[0].kind: expected a string"},
      {"/nodes/0/tag", 244, "nodes[0].tag: 244 is out of range (at most 243)"},
      {"/nodes/0/tag", -1, "nodes[0].tag: expected a non-negative integer, got -1"},
      {"/nodes/0/tag", 1.5, "nodes[0].tag: expected a non-negative integer, got 1.5"},
      {"/nodes/0/scalars", "zz", "nodes[0].scalars: bad hex digit at position 0"},
      {"/nodes/0/scalars", "abc", "nodes[0].scalars: hex string has an odd number of digits (3)"},
      {"/nodes/0/scalars", std::string(2050, '0'), "nodes[0].scalars: 1025 bytes of hex, at most 1024 allowed"},
      {"/nodes/0/fields/0", json{{"ref", 0}},
       "nodes[0].fields[0].ref: ref 0 is not an earlier node (no node precedes it)"},
      {"/nodes/0/fields/0", json{{"box", 1ULL << 63}}, "nodes[0].fields[0].box: 9223372036854775808 is out of range"},
      {"/nodes/0/fields/0", json{{"box", 1}, {"ref", 0}}, "nodes[0].fields[0]: a value is exactly one of"},
      {"/nodes/0/fields/0", json::object(), "nodes[0].fields[0]: a value is exactly one of"},
      {"/nodes/0/fields/0", 5, "nodes[0].fields[0]: expected an object, got number"},
      {"/nodes/0/fields", json(std::vector<json>(256, json{{"box", 0}})),
       "nodes[0].fields: 256 entries, at most 255 allowed"},
      {"/parts/0/root", json{{"ref", 1}}, "parts[0].root.ref: ref 1 is not an earlier node (only 0..0 exist here)"},
      {"/parts/0/root", nullptr, "parts[0]: missing field \"root\""},
      {"/parts/0/format", "v9", "parts[0].format: unknown format \"v9\""},
      {"/parts/0/flags", 256, "parts[0].flags: 256 is out of range"},
      {"/parts/0/base_addr", "0x12g", "parts[0].base_addr: bad hex digit in \"0x12g\""},
      {"/parts/0/base_addr", "12", "parts[0].base_addr: expected \"0x\" and 1-16 hex digits"},
      {"/parts/0/version_string", std::string(68, '0'), "parts[0].version_string: 34 bytes of hex, at most 33"},
      {"/parts/0/githash", std::string(86, '0'), "parts[0].githash: 43 bytes of hex, at most 42"},
      {"/deps", json::array({json{{"file", "d"}}}), "deps: the graph names 1 dep region(s) but 0 were supplied"},
      {"/nodes/0", json{{"kind", "dep"}, {"dep", 0}, {"offset", 96}}, "nodes[0].dep: dep 0 out of range (0 dep"},
      {"/nodes/0", json{{"kind", "sarray"}, {"elem_size", 0}, {"data", ""}}, "nodes[0].elem_size: element size"},
      {"/nodes/0", json{{"kind", "sarray"}, {"elem_size", 128}, {"data", ""}}, "nodes[0].elem_size: 128 is out"},
      {"/nodes/0", json{{"kind", "sarray"}, {"elem_size", 4}, {"data", "010203"}},
       "nodes[0].data: 3 bytes is not a whole number of 4-byte elements"},
      {"/nodes/0", json{{"kind", "string"}, {"value", std::string("\xff")}}, "nodes[0].value: invalid UTF-8 at byte 0"},
      {"/nodes/0", json{{"kind", "string"}, {"value", 7}}, "nodes[0].value: expected a string"},
      {"/nodes/0", json{{"kind", "mpz"}, {"negative", false}}, "nodes[0]: an mpz has exactly one of"},
      {"/nodes/0", json{{"kind", "mpz"}, {"negative", 0}, {"limbs", json::array()}},
       "nodes[0].negative: expected true"},
      {"/nodes/0", json{{"kind", "mpz"}, {"negative", false}, {"limbs", {"0x"}}}, "nodes[0].limbs[0]: expected \"0x\""},
      {"/nodes/0", json{{"kind", "mpz"}, {"negative", false}, {"digits", {1ULL << 32}}},
       "nodes[0].digits[0]: 4294967296"},
      {"/nodes/0", json{{"kind", "thunk"}}, "nodes[0]: missing field \"value\""},
      {"/nodes/0", json{{"kind", "closure"}, {"fun", "0x1"}, {"arity", 70000}, {"args", json::array()}},
       "nodes[0].arity: 70000 is out of range (at most 65535)"},
      {"/libraries", json::array({json{{"base", "0x0"}}}), "libraries[0]: missing field \"identity\""},
  };
  for (const Case& c : cases) {
    json doc = minimal();
    const json::json_pointer p(c.pointer);
    if (c.value.is_null()) doc[p.parent_pointer()].erase(p.back());
    else doc[p] = c.value;
    const std::string got = build_error(doc);
    EXPECT_EQ(got.rfind(c.expect, 0), 0u) << c.pointer << " = " << c.value.dump() << "\n got: " << got;
  }
  EXPECT_EQ(build_error(json::array()), "document: expected an object, got array");
  oracles::BuildResult r = oracles::build_graph_text("{\"schema\": ", {});
  ASSERT_TRUE(std::holds_alternative<oracles::BuildError>(r));
  EXPECT_EQ(std::get<oracles::BuildError>(r).message.rfind("not valid JSON: ", 0), 0u);
}

// Every kind a file may hold (closures aside, which need a loaded library), built, compacted,
// loaded and dumped again: the same nodes come back. (An interior NUL is legal, §8 O10.)
TEST(GraphBuild, EveryKindSurvivesCompactLoadDump) {
  // In canonical order (post-order from the root, ascending slots), as dump_graph numbers them.
  const json nodes = json::parse(R"([
      {"kind": "string", "value": "héllo\u0000x"},
      {"kind": "thunk", "value": {"ref": 0}},
      {"kind": "task", "value": {"box": 4}},
      {"kind": "sarray", "elem_size": 2, "data": "01020304"},
      {"kind": "ref", "value": {"ref": 3}},
      {"kind": "mpz", "negative": true, "limbs": ["0x1", "0xffffffffffffffff"]},
      {"kind": "promise", "value": {"ref": 5}},
      {"kind": "array", "elems": [{"ref": 1}, {"ref": 2}, {"ref": 4}, {"ref": 6}, {"box": 9}]},
      {"kind": "ctor", "tag": 7, "fields": [{"ref": 7}, {"ref": 0}], "scalars": "0102030405060708"}])");
  json doc = {{"schema", "compactfuzz-graph/1"},
              {"parts", {{{"format", "v2"}, {"flags", 1}, {"base_addr", "0x7e1230000000"}, {"root", {{"ref", 8}}}}}},
              {"nodes", nodes}};
  oracles::BuildResult built = oracles::build_graph(doc, {});
  ASSERT_TRUE(std::holds_alternative<oracles::BuiltGraph>(built)) << std::get<oracles::BuildError>(built).message;
  const auto& g = std::get<oracles::BuiltGraph>(built);
  EXPECT_EQ(g.nodes, 9u);
  CompactorOptions o;
  o.base_addr = placement::test_base(7);
  auto bytes = compact(g.parts[0].root, o);
  ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
  auto region = Region::load_bytes("built", bytes.value(), {}, LoadOptions{});
  ASSERT_TRUE(region.ok()) << region.error().describe();
  const Region* parts[] = {&region.value()};
  const json dumped = oracles::dump_graph(parts, {});
  EXPECT_EQ(dumped["nodes"], doc["nodes"]);
  EXPECT_EQ(dumped["parts"][0]["root"], doc["parts"][0]["root"]);
}

TEST(GraphBuild, DigitsAndLimbsConvertBetweenLayouts) {
  // A GMP heap pairs u32 digits into limbs; a non-GMP heap (flags 0) splits limbs into digits.
  json doc = json::parse(R"({"schema": "compactfuzz-graph/1", "parts": [{"flags": 1, "root": {"ref": 0}}],
                             "nodes": [{"kind": "mpz", "negative": false, "digits": [2, 1]}]})");
  oracles::BuildResult gmp = oracles::build_graph(doc, {});
  ASSERT_TRUE(std::holds_alternative<oracles::BuiltGraph>(gmp));
  EXPECT_TRUE(std::get<oracles::BuiltGraph>(gmp).heap.gmp());
  CompactorOptions o;
  o.base_addr = 0x10000;
  auto a = compact(std::get<oracles::BuiltGraph>(gmp).parts[0].root, o);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(load_u64(a.value().data() + 96 + 24), 0x100000002ULL);  // one limb: digit 1 << 32 | digit 0

  doc["parts"][0]["flags"] = 0;
  doc["nodes"][0] = json::parse(R"({"kind": "mpz", "negative": true, "limbs": ["0x100000002"]})");
  oracles::BuildResult plain = oracles::build_graph(doc, {});
  ASSERT_TRUE(std::holds_alternative<oracles::BuiltGraph>(plain));
  EXPECT_FALSE(std::get<oracles::BuiltGraph>(plain).heap.gmp());
  o.flags = 0;
  auto b = compact(std::get<oracles::BuiltGraph>(plain).parts[0].root, o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(load_u64(b.value().data() + 96 + 16), 2u);  // two digits
}

TEST(GraphBuild, DepNodesMustBeObjectStarts) {
  auto nf = Region::load_file(corpus_path(row_ending(k_normal_forms)), {}, LoadOptions{});
  ASSERT_TRUE(nf.ok()) << nf.error().describe();
  const Region* deps[] = {&nf.value()};
  json doc = json::parse(R"({"schema": "compactfuzz-graph/1", "parts": [{"root": {"ref": 0}}],
                             "deps": [{"file": "nf", "base_addr": "0x4fb6fe40000"}],
                             "nodes": [{"kind": "dep", "dep": 0, "offset": 96}]})");
  oracles::BuildResult ok = oracles::build_graph(doc, deps);
  ASSERT_TRUE(std::holds_alternative<oracles::BuiltGraph>(ok));
  EXPECT_EQ(std::get<oracles::BuiltGraph>(ok).parts[0].root, reinterpret_cast<uint64_t>(nf->begin()) + 96);
  doc["nodes"][0]["offset"] = 100;
  EXPECT_EQ(build_error(doc, deps).rfind("nodes[0].offset: offset 100 is not an object start in ", 0), 0u);
  doc["nodes"][0]["offset"] = 96;
  doc["deps"][0]["base_addr"] = "0x10000";
  EXPECT_EQ(build_error(doc, deps).rfind("deps[0].base_addr: graph records \"0x10000\"", 0), 0u);
}

}  // namespace
}  // namespace cf
