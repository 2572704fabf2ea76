// The differential modules (docs/differential-modules.md) loaded into this process, which links
// the reference core statically under the same C++ names: libcf_module_ref.so answers every real
// and negative file as the in-process reference does, reproduces a real file and a real chain
// from their dumps, and reports its ABI version and name; libcf_module_canary_ctor_extent.so,
// loaded beside it, accepts a file the reference rejects. That last test is the proof of symbol
// isolation: were the canary's calls bound to this process's core (or the reference module's to
// the canary's), the two modules would answer alike.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/region.h"
#include "harness/diff_modules.h"
#include "modules/cf_module.h"
#include "oracles/conform.h"
#include "oracles/graph_dump.h"
#include "testsupport/corpus.h"
#include "testsupport/files.h"

namespace cf {
namespace {

namespace fs = std::filesystem;
using oracles::Answer;
using oracles::Outcome;

// One load request: a file, or a chain's files in order.
struct Unit {
  std::string label;
  std::vector<std::string> paths;
  std::vector<std::vector<uint8_t>> bytes;
};

Unit unit_of(std::string label, std::vector<std::string> paths) {
  Unit u{std::move(label), std::move(paths), {}};
  for (const std::string& p : u.paths) u.bytes.push_back(testsupport::read_file(p));
  return u;
}

std::vector<modules::InputFile> inputs(const Unit& u) {
  std::vector<modules::InputFile> out;
  for (size_t k = 0; k < u.paths.size(); ++k) out.push_back({u.paths[k], u.bytes[k]});
  return out;
}

// The in-process reference, written here from core and oracles directly rather than through
// modules/reference_ops.h, so the module is held against an independent reading of the
// protocol: default LoadOptions are the runtime's validation (canonical, flags byte 0x01).
Answer in_process_load(const Unit& u, LoadPath path) {
  LoadOptions options;
  options.path = path;
  std::vector<Region> regions;
  regions.reserve(u.bytes.size());
  std::vector<const Region*> loaded;
  Answer a;
  for (size_t k = 0; k < u.bytes.size(); ++k) {
    auto region_or = Region::load_bytes(u.paths[k], u.bytes[k], loaded, options);
    if (!region_or) {
      a.status = Answer::Status::rejected;
      a.error_class = std::string(error_name(region_or.error().code));
      a.offset = region_or.error().offset;
      return a;
    }
    regions.push_back(std::move(region_or.value()));
    loaded.push_back(&regions.back());
  }
  a.status = Answer::Status::graph;
  a.graph = oracles::dump_graph(loaded, {});
  return a;
}

oracles::ConformCase load_case(const std::string& name) { return {name, "load", true, {}}; }

// Every real file alone, then every save chain of the manifest.
std::vector<Unit> real_units() {
  std::vector<Unit> out;
  const auto rows = testsupport::load_manifest();
  for (const auto& row : rows) out.push_back(unit_of(row["file"], {testsupport::corpus_dir() + "/" + row["file"]}));
  for (const auto& chain : testsupport::manifest_chains(rows)) {
    std::vector<std::string> paths;
    for (const auto& row : chain) paths.push_back(testsupport::corpus_dir() + "/" + row["file"]);
    out.push_back(unit_of("chain " + chain.front()["file"], paths));
  }
  return out;
}

// corpus/negative/<class>/: each file (annotated .txt dumps aside) alone, each directory as a
// chain of its files in name order; `expected` is the class directory's name.
struct NegativeUnit {
  Unit unit;
  std::string expected;
};

std::vector<NegativeUnit> negative_units() {
  const fs::path root = fs::path(CF_SOURCE_DIR) / "corpus" / "negative";
  const auto sorted = [](const fs::path& dir) {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() != ".txt" && e.path().extension() != ".md") v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
  };
  std::vector<NegativeUnit> out;
  for (const fs::path& class_dir : sorted(root)) {
    if (!fs::is_directory(class_dir)) continue;
    for (const fs::path& p : sorted(class_dir)) {
      const std::string label = class_dir.filename().string() + "/" + p.filename().string();
      std::vector<std::string> paths;
      if (fs::is_directory(p)) {
        for (const fs::path& part : sorted(p)) paths.push_back(part.string());
      } else {
        paths.push_back(p.string());
      }
      out.push_back({unit_of(label, paths), class_dir.filename().string()});
    }
  }
  return out;
}

std::optional<fuzz::DiffModule> open_or_fail(const char* path) {
  std::string why;
  std::optional<fuzz::DiffModule> m = fuzz::open_module(path, &why);
  EXPECT_TRUE(m.has_value()) << path << ": " << why;
  return m;
}

TEST(DiffModules, ReportAbiVersionAndName) {
  for (const char* path : {CF_MODULE_REF, CF_MODULE_CANARY_CTOR_EXTENT}) {
    void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle, nullptr) << ::dlerror();
    auto version = reinterpret_cast<cf_module_abi_version_fn>(::dlsym(handle, "cf_module_abi_version"));
    ASSERT_NE(version, nullptr);
    EXPECT_EQ(version(), CF_MODULE_ABI_VERSION) << path;
  }
  const auto ref = open_or_fail(CF_MODULE_REF);
  const auto canary = open_or_fail(CF_MODULE_CANARY_CTOR_EXTENT);
  ASSERT_TRUE(ref && canary);
  EXPECT_EQ(ref->name, "reference");
  EXPECT_EQ(canary->name, "canary-ctor_extent");
  EXPECT_TRUE(ref->error_classes && canary->error_classes);
  std::string why;
  EXPECT_FALSE(fuzz::open_module("/nonexistent/libcf_module_none.so", &why));
  EXPECT_NE(why.find("libcf_module_none.so"), std::string::npos) << why;
}

TEST(DiffModules, ReferenceModuleAgreesOnEveryRealFileAndChain) {
  const auto ref = open_or_fail(CF_MODULE_REF);
  ASSERT_TRUE(ref);
  size_t graphs = 0, units = 0;
  for (const Unit& u : real_units()) {
    ++units;
    for (const LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
      SCOPED_TRACE(u.label + " (" + std::string(load_path_name(path)) + ")");
      const Answer expected = in_process_load(u, path);
      const Answer got = fuzz::module_load(*ref, inputs(u), {}, path, true);
      const oracles::Verdict v = oracles::judge_conformance(load_case(u.label), expected, got);
      EXPECT_EQ(v.outcome, Outcome::holds) << v.reason;
      graphs += expected.status == Answer::Status::graph;
    }
  }
  // Every .olean and .ir alone and every chain is a graph on both paths; only a .server or
  // .private part alone is rejected (it points into the parts before it).
  EXPECT_GE(graphs, 2 * (units - 8)) << "of " << units << " units";
}

TEST(DiffModules, ReferenceModuleAgreesOnEveryNegativeFile) {
  const auto ref = open_or_fail(CF_MODULE_REF);
  ASSERT_TRUE(ref);
  size_t units = 0, as_listed = 0;
  for (const NegativeUnit& n : negative_units()) {
    ++units;
    for (const LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
      SCOPED_TRACE(n.unit.label + " (" + std::string(load_path_name(path)) + ")");
      const Answer expected = in_process_load(n.unit, path);
      const Answer got = fuzz::module_load(*ref, inputs(n.unit), {}, path, expected.status == Answer::Status::graph);
      const oracles::Verdict v = oracles::judge_conformance(load_case(n.unit.label), expected, got);
      EXPECT_EQ(v.outcome, Outcome::holds) << v.reason;
      // The slow path checks most (the negative table's own path): each file's class there.
      if (path == LoadPath::slow && expected.status == Answer::Status::rejected && expected.error_class == n.expected)
        ++as_listed;
    }
  }
  EXPECT_GE(units, 130u);
  EXPECT_EQ(as_listed, units) << "negative files rejected on the slow path with their directory's class";
}

TEST(DiffModules, CompactReproducesRealFilesFromTheirDumps) {
  const auto ref = open_or_fail(CF_MODULE_REF);
  ASSERT_TRUE(ref);
  const std::string dir = testsupport::corpus_dir() + "/";
  const std::vector<Unit> units = {
      unit_of("NormalForms", {dir + "cicixgliamici__a-weak-Silly-substitution-Calculus/"
                                    ".lake__build__lib__lean__SSC__NormalForms.olean"}),
      real_units().back(),  // a chain: .olean, .olean.server, .olean.private
  };
  for (const Unit& u : units) {
    const Answer loaded = in_process_load(u, LoadPath::slow);
    ASSERT_EQ(loaded.status, Answer::Status::graph) << u.label;
    EXPECT_EQ(loaded.graph["parts"][0]["format"], "v2") << u.label;
    const std::string document = loaded.graph.dump();
    for (const Strategy strategy : {Strategy::worklist, Strategy::recursive}) {
      SCOPED_TRACE(u.label + " (" + std::string(strategy_name(strategy)) + ")");
      const Answer got = fuzz::module_compact(*ref, document, {}, std::nullopt, strategy, std::nullopt);
      ASSERT_EQ(got.status, Answer::Status::bytes) << got.error_class << " " << got.detail;
      ASSERT_EQ(got.images.size(), u.bytes.size());
      for (size_t k = 0; k < u.bytes.size(); ++k) EXPECT_TRUE(got.images[k] == u.bytes[k]) << "part " << k;
      // The same through the judge, against the files on disk.
      const oracles::ConformCase c{u.label, "compact", true, u.paths};
      Answer on_disk;
      on_disk.status = Answer::Status::files;
      on_disk.files = u.paths;
      EXPECT_EQ(oracles::judge_conformance(c, on_disk, got).outcome, Outcome::holds);
    }
  }
}

TEST(DiffModules, AbiAnswersRequestsItCannotServe) {
  const auto ref = open_or_fail(CF_MODULE_REF);
  ASSERT_TRUE(ref);
  // Not a graph document: FAILED, read as an answer that breaks the protocol.
  Answer a = fuzz::module_compact(*ref, "{\"schema\": 1", {}, std::nullopt, Strategy::worklist, std::nullopt);
  EXPECT_EQ(a.status, Answer::Status::garbage);
  EXPECT_NE(a.detail.find("module failed"), std::string::npos) << a.detail;
  // A strategy or format the reference does not have: UNSUPPORTED; a bad path: FAILED.
  cf_module_result r{};
  EXPECT_EQ(ref->compact("{}", 2, nullptr, 0, 0, 7, 0, &r), CF_MODULE_UNSUPPORTED);
  ref->free_result(&r);
  EXPECT_EQ(ref->compact("{}", 2, nullptr, 0, 0, CF_MODULE_WORKLIST, 1, &r), CF_MODULE_UNSUPPORTED);
  ref->free_result(&r);
  EXPECT_EQ(ref->load(nullptr, 0, nullptr, 0, 5, 0, &r), CF_MODULE_FAILED);
  EXPECT_NE(r.message, nullptr);
  ref->free_result(&r);
  EXPECT_EQ(r.message, nullptr);  // freed and zeroed
  // An empty chain is an empty graph (the protocol's load.empty).
  a = fuzz::module_load(*ref, {}, {}, LoadPath::automatic, true);
  ASSERT_EQ(a.status, Answer::Status::graph);
  EXPECT_TRUE(a.graph["nodes"].empty()) << a.graph.dump();
}

TEST(DiffModules, CtorExtentCanaryModuleDisagreesInTheSameProcess) {
  const auto ref = open_or_fail(CF_MODULE_REF);
  const auto canary = open_or_fail(CF_MODULE_CANARY_CTOR_EXTENT);
  ASSERT_TRUE(ref && canary);
  std::vector<std::string> accepted_by_canary;
  for (const NegativeUnit& n : negative_units()) {
    const Answer expected = in_process_load(n.unit, LoadPath::slow);
    // Only the verdict matters where the reference rejects: no graph is asked for, so the
    // canary never dumps the object it should have rejected.
    const bool want_graph = expected.status == Answer::Status::graph;
    const Answer by_canary = fuzz::module_load(*canary, inputs(n.unit), {}, LoadPath::slow, want_graph);
    if (expected.status == Answer::Status::rejected && by_canary.status == Answer::Status::graph)
      accepted_by_canary.push_back(n.unit.label);
    // The reference module, loaded beside the canary, still answers as the reference.
    const Answer by_ref = fuzz::module_load(*ref, inputs(n.unit), {}, LoadPath::slow, want_graph);
    EXPECT_EQ(oracles::judge_conformance(load_case(n.unit.label), expected, by_ref).outcome, Outcome::holds)
        << n.unit.label;
  }
  EXPECT_NE(std::find(accepted_by_canary.begin(), accepted_by_canary.end(), "truncated/ctor_past_data_end.bin"),
            accepted_by_canary.end())
      << accepted_by_canary.size() << " file(s) accepted by the canary";
}

}  // namespace
}  // namespace cf
