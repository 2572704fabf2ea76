// cf_seedgen: writes the seed corpora corpus/<target>/ (scripts/compactfuzz gen; zstd's
// `fuzz.py gen`). Seeds are valid inputs of every shape the format has - generated graphs
// compacted by the reference compactor (v2, v3 with closures, non-GMP, deep, string- and
// mpz-heavy, empty parts, chains with a dep region, snapshots of generated and real modules)
// plus the real files where they fit - so the engines start from deep coverage rather than
// from the magic check.
//
//   cf_seedgen --real corpus/real --out corpus [--max-size BYTES]
//
// --max-size (default 65536, the max_len of corpus/fuzz_load.options) caps a single-file seed;
// a chain seed may be four times that. Larger real files stay in corpus/real, which ctest
// replays through every target: small seeds keep the engines fast.
//
// Deterministic: the same build writes the same bytes. File names say what a seed is.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/heap.h"
#include "core/io.h"
#include "core/module_parts.h"
#include "core/placement.h"
#include "core/region.h"
#include "oracles/chain_input.h"
#include "oracles/generator.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_gen.h"
#include "oracles/snapshot_input.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr uint64_t k_lib_base = 0x400000;

struct Seed {
  std::string name;
  Bytes bytes;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "cf_seedgen: %s\n", what.c_str());
  std::exit(1);
}

Bytes read_file(const fs::path& p) {
  auto bytes = cf::read_file(p.string());
  if (!bytes) die(bytes.error().describe());
  return std::move(bytes).value();
}

void write_file(const fs::path& p, const Bytes& b) {
  if (auto st = cf::write_file_atomic(p.string(), b); !st) die(st.error().describe());
}

// One generated graph shape: the knobs and the file options.
struct Shape {
  std::string name;
  uint32_t objects;
  bool gmp = true;
  bool v3 = false;
  uint32_t parts = 1;
  uint32_t string_weight = 10, mpz_weight = 6;
  uint32_t chain_pct = 10;
  uint32_t max_depth = 64;
  bool real_profile = false;
};

// Compacts a generated graph as one chain (one image per part); `dep` adds a dep region the
// graph points into. Returns the images, dep first when there is one.
std::vector<Bytes> generate_chain(const Shape& s, uint64_t seed, bool with_dep) {
  std::vector<Bytes> images;
  std::optional<cf::Region> dep;
  std::vector<uint64_t> dep_objects;
  if (with_dep) {
    cf::Heap heap;
    cf::oracles::GenSpec d = cf::oracles::real_file_profile(seed ^ 0xde9, 30);
    const auto g = cf::oracles::generate(heap, d);
    cf::CompactorOptions o;
    o.base_addr = cf::placement::k_generated_dep;
    o.name = "dep";
    auto bytes = cf::compact(g.roots[0], o);
    if (!bytes) die("dep: " + bytes.error().describe());
    images.push_back(bytes.value());
    cf::LoadOptions lo;
    lo.path = cf::LoadPath::slow;
    auto r = cf::Region::load_bytes("dep", images.back(), {}, lo);
    if (!r) die("dep does not load: " + r.error().describe());
    dep.emplace(std::move(r).value());
    for (const cf::ObjectRecord& rec : dep->objects().records)
      dep_objects.push_back(reinterpret_cast<uint64_t>(dep->begin()) + rec.offset);
  }
  cf::Heap heap(s.gmp);
  cf::oracles::GenSpec spec = s.real_profile ? cf::oracles::real_file_profile(seed, s.objects) : cf::oracles::GenSpec{};
  spec.seed = seed;
  spec.objects = s.objects;
  spec.parts = s.parts;
  if (!s.real_profile) {
    spec.chain_pct = s.chain_pct;
    spec.max_depth = s.max_depth;
    spec.kind_weights[static_cast<size_t>(cf::Kind::string)] = s.string_weight;
    spec.kind_weights[static_cast<size_t>(cf::Kind::mpz)] = s.mpz_weight;
  }
  spec.closure_fun_base = k_lib_base;
  spec.kind_weights[static_cast<size_t>(cf::Kind::closure)] = s.v3 ? 6 : 0;
  if (with_dep) {
    spec.dep_objects = dep_objects;
    spec.dep_pct = 20;
  }
  const auto g = cf::oracles::generate(heap, spec);
  cf::CompactorOptions o;
  o.base_addr = cf::placement::k_generated;
  o.flags = s.gmp ? cf::k_flag_gmp : 0;
  o.format = s.v3 ? cf::Format::v3 : cf::Format::v2;
  o.libraries = {{k_lib_base, ""}};  // "": the main program, loaded in every process
  if (dep) o.deps = {dep->view()};
  cf::Compactor c(o);
  for (uint64_t root : g.roots) {
    auto part = c.save(root);
    if (!part) die(s.name + ": " + part.error().describe());
    images.push_back(std::move(part).value());
  }
  return images;
}

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> all = {
      {"tiny", 3},
      {"small", 20},
      {"medium", 120},
      {"real-profile", 200, true, false, 1, 10, 6, 10, 64, true},
      {"nongmp", 40, false, false, 1, 4, 20},
      {"strings", 40, true, false, 1, 60, 0},
      {"mpz", 40, true, false, 1, 2, 60},
      {"v3-closures", 60, true, true},
      {"deep", 400, true, false, 1, 2, 0, 95, 100000},
  };
  return all;
}

// The save chains among the real files (a module's .olean with its .olean.server/.private,
// core/module_parts.h), in path order; a module with one part is no chain.
std::vector<std::vector<fs::path>> real_chains(const fs::path& real) {
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(real))
    if (e.is_regular_file() && e.path().parent_path() != real) paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<std::vector<fs::path>> chains;
  for (const cf::ModuleArtifacts& m : cf::group_module_parts(paths))
    for (const auto& chain : cf::module_chains(m))
      if (chain.size() > 1) chains.emplace_back(chain.begin(), chain.end());
  return chains;
}

std::string stem(const fs::path& p) {
  std::string s = p.filename().string();
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

// A fuzz_snapshot container of `modules`: their files in order, the sidecar naming them `@K`,
// and the snapshot of them all.
Seed snapshot_seed(const std::string& name, const std::vector<cf::oracles::GeneratedModule>& modules, uint8_t flags) {
  cf::oracles::SnapshotInput in;
  in.flags = flags;
  std::vector<cf::ModuleArtifacts> sidecar;
  for (const auto& m : modules) {
    std::vector<std::string> refs;
    for (const auto& f : m.files) {
      refs.push_back("@" + std::to_string(in.files.size()));
      in.files.push_back(f.bytes);
    }
    sidecar.push_back(cf::oracles::artifacts_of(m, refs));
  }
  in.sidecar = cf::oracles::deps_json(sidecar);
  cf::SnapshotSaveOptions o;
  o.name = name;
  auto snapshot = cf::oracles::snapshot_of_library(modules, o);
  if (!snapshot) die(name + ": " + snapshot.error().describe());
  in.snapshot = std::move(snapshot.value());
  return {name, cf::oracles::encode_snapshot_input(in)};
}

// The modules of one real project directory that fit in `budget` bytes, whole, in path order.
std::vector<cf::oracles::GeneratedModule> real_modules(const fs::path& dir, uint64_t budget) {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<cf::oracles::GeneratedModule> out;
  uint64_t used = 0;
  for (const cf::ModuleArtifacts& a : cf::group_module_parts(paths)) {
    cf::oracles::GeneratedModule m;
    m.name = stem(a.base);
    for (const auto& chain : cf::module_chain_files(a))
      for (const cf::ModuleFile& f : chain) m.files.push_back({f.part, 0, read_file(f.path)});
    uint64_t bytes = 0;
    for (const auto& f : m.files) bytes += f.bytes.size();
    if (used + bytes > budget) continue;
    used += bytes;
    out.push_back(std::move(m));
  }
  return out;
}

// fuzz_snapshot: generated libraries of 1-3 modules with every worker count, the overlap hazard
// (two modules saved under one key), the real modules of each project that fit, a snapshot with
// no modules, and sidecars a reader must reject (the old flat list of paths, a cut document).
std::vector<Seed> snapshot_seeds(const fs::path& real, uint64_t max_size) {
  std::vector<Seed> out;
  for (size_t modules = 1; modules <= 3; ++modules) {
    cf::oracles::LibraryShape shape;
    shape.modules = modules;
    shape.seed = modules;
    shape.mean_objects = 40;
    shape.no_sig_every = 2;
    out.push_back(snapshot_seed("gen-" + std::to_string(modules) + "-modules", cf::oracles::generate_library(shape),
                                static_cast<uint8_t>(modules)));
  }
  out.push_back(snapshot_seed("gen-no-modules", {}, 0));
  cf::oracles::LibraryShape same;  // the same module name twice: one key, one base (§6.4)
  same.modules = 1;
  same.mean_objects = 30;
  same.prefix = "Hazard";
  std::vector<cf::oracles::GeneratedModule> hazard = cf::oracles::generate_library(same);
  same.seed = 2;
  hazard.push_back(cf::oracles::generate_library(same)[0]);
  out.push_back(snapshot_seed("gen-overlap-hazard", hazard, 1));
  for (const auto& e : fs::directory_iterator(real)) {
    if (!e.is_directory()) continue;
    auto modules = real_modules(e.path(), 4 * max_size);
    if (!modules.empty()) out.push_back(snapshot_seed("real-" + stem(e.path().filename()), modules, 3));
  }
  std::sort(out.begin(), out.end(), [](const Seed& a, const Seed& b) { return a.name < b.name; });
  for (const auto& [name, text] : {std::pair<const char*, const char*>{"flat-path-list", R"(["@0","@1"])"},
                                   {"cut-document", R"([{"olean":"@0","oleanSer)"}}) {
    cf::oracles::SnapshotInput in = cf::oracles::decode_snapshot_input(out.front().bytes);
    in.sidecar = text;
    out.push_back({std::string("sidecar-") + name, cf::oracles::encode_snapshot_input(in)});
  }
  return out;
}

}  // namespace

// --library DIR: a build tree shaped like a large Lean project's (docs/conform.md): `modules`
// generated modules (oracles/snapshot_gen.h: each an .olean chain and an IR chain, sizes from the
// real-file profile), 100 to a directory, and a snapshot with its sidecar over the first 64.
int write_library(const fs::path& dir, size_t modules, uint32_t mean_objects, uint64_t seed) {
  cf::oracles::LibraryShape shape;
  shape.modules = modules;
  shape.mean_objects = mean_objects;
  shape.seed = seed;
  shape.prefix = "Tree";
  shape.no_sig_every = 15;
  const std::vector<cf::oracles::GeneratedModule> lib = cf::oracles::generate_library(shape);
  uint64_t bytes = 0, files = 0;
  std::vector<cf::ModuleArtifacts> snapshot_modules;
  for (size_t m = 0; m < lib.size(); ++m) {
    const fs::path sub = dir / ("part" + std::to_string(m / 100));
    fs::create_directories(sub);
    std::vector<std::string> paths;
    for (const cf::oracles::GeneratedFile& f : lib[m].files) {
      paths.push_back((sub / cf::oracles::file_name(lib[m], f)).string());
      write_file(paths.back(), f.bytes);
      bytes += f.bytes.size();
      ++files;
    }
    if (m < 64) snapshot_modules.push_back(cf::oracles::artifacts_of(lib[m], paths));
  }
  const size_t n = std::min<size_t>(64, lib.size());
  auto snap = cf::oracles::snapshot_of_library(std::span(lib).first(n), {});
  if (!snap) die("snapshot: " + snap.error().describe());
  const fs::path snap_path = dir / "snapshot" / "first64.snap";
  fs::create_directories(snap_path.parent_path());
  write_file(snap_path, snap.value());
  const std::string sidecar = cf::oracles::deps_json(snapshot_modules);
  write_file(cf::oracles::deps_path_of(snap_path.string()), Bytes(sidecar.begin(), sidecar.end()));
  std::printf("cf_seedgen: %zu modules, %llu files, %llu bytes, and a snapshot of %zu modules in %s\n", lib.size(),
              static_cast<unsigned long long>(files), static_cast<unsigned long long>(bytes), n, dir.c_str());
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--library") {
    size_t modules = 5000;
    uint32_t mean = 4000;
    uint64_t seed = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string a = argv[i];
      if (a == "--modules") modules = std::stoull(argv[i + 1]);
      else if (a == "--mean-objects") mean = static_cast<uint32_t>(std::stoul(argv[i + 1]));
      else if (a == "--seed") seed = std::stoull(argv[i + 1]);
      else die("usage: cf_seedgen --library DIR [--modules N] [--mean-objects M] [--seed S]");
    }
    return write_library(argv[2], modules, mean, seed);
  }
  fs::path real, out;
  uint64_t max_size = 65536;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--real" && i + 1 < argc) real = argv[++i];
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--max-size" && i + 1 < argc) max_size = std::stoull(argv[++i]);
    else die("usage: cf_seedgen --real DIR --out DIR [--max-size BYTES]");
  }
  if (real.empty() || out.empty()) die("usage: cf_seedgen --real DIR --out DIR [--max-size BYTES]");

  std::map<std::string, std::vector<Seed>> seeds;
  // Generated single files and chains.
  std::vector<Seed> files;
  for (const Shape& s : shapes())
    for (uint64_t seed = 1; seed <= 2; ++seed)
      files.push_back({"gen-" + s.name + "-" + std::to_string(seed), generate_chain(s, seed, false)[0]});
  {
    cf::Compactor c({});
    auto part = c.save(1);  // a boxed scalar root: a part with no objects
    if (!part) die("empty part: " + part.error().describe());
    files.push_back({"gen-empty-part", part.value()});
  }
  // Real files, each alone (later chain parts alone are rejected with missing_dep: useful too).
  std::vector<Seed> real_files;
  for (const auto& e : fs::recursive_directory_iterator(real)) {
    if (!e.is_regular_file() || e.path().parent_path() == real || e.file_size() > max_size) continue;
    real_files.push_back({"real-" + stem(e.path().parent_path().filename()) + "-" + stem(e.path()), read_file(e.path())});
  }
  std::sort(real_files.begin(), real_files.end(), [](const Seed& a, const Seed& b) { return a.name < b.name; });

  for (const char* t : {"fuzz_load", "fuzz_inspect"}) {
    seeds[t] = files;
    seeds[t].insert(seeds[t].end(), real_files.begin(), real_files.end());
  }

  // fuzz_chain: generated chains (with and without a dep region), real chains, single files.
  auto& chain = seeds["fuzz_chain"];
  for (const Shape& s : shapes()) {
    Shape three = s;
    three.parts = 3;
    for (bool dep : {false, true}) {
      cf::oracles::ChainInput in;
      in.regions = generate_chain(three, 7, dep);
      in.order_seed = static_cast<uint8_t>(chain.size() % 32);
      chain.push_back({"gen-" + s.name + (dep ? "-dep+3parts" : "-3parts"), cf::oracles::encode_chain(in)});
    }
  }
  size_t real_chain_no = 0;
  for (const auto& parts : real_chains(real)) {
    cf::oracles::ChainInput in;
    uint64_t total = 0;
    for (const fs::path& p : parts) {
      in.regions.push_back(read_file(p));
      total += in.regions.back().size();
    }
    if (total > 4 * max_size) continue;
    chain.push_back({"real-chain-" + std::to_string(real_chain_no++) + "-" + stem(parts[0]), cf::oracles::encode_chain(in)});
  }
  for (const Seed& f : files) chain.push_back({f.name + "-alone", cf::oracles::encode_chain({{f.bytes}, false, 0})});

  // fuzz_io: every schedule kind at a few call numbers, over small generated and real files.
  auto& io = seeds["fuzz_io"];
  std::vector<const Seed*> small;
  for (const Seed& f : files)
    if (f.bytes.size() <= 4096) small.push_back(&f);
  std::vector<const Seed*> real_small;
  for (const Seed& f : real_files) real_small.push_back(&f);
  std::sort(real_small.begin(), real_small.end(), [](const Seed* a, const Seed* b) { return a->bytes.size() < b->bytes.size(); });
  if (real_small.size() > 3) real_small.resize(3);
  small.insert(small.end(), real_small.begin(), real_small.end());
  static const char* kinds[] = {"eintr", "short", "nomem", "mmapmiss", "eio"};
  for (uint8_t kind = 0; kind < 5; ++kind)
    for (uint8_t n : {1, 2, 5}) {
      const Seed& f = *small[(kind * 3 + n) % small.size()];
      Bytes b = {kind, n};
      b.insert(b.end(), f.bytes.begin(), f.bytes.end());
      io.push_back({std::string(kinds[kind]) + "-" + std::to_string(n) + "-" + f.name, b});
    }

  // fuzz_roundtrip: payload bytes seed the generator, the tail sets the knobs (objects,
  // shape: parts/v3/non-GMP/edge cases, share %, structural-copy %).
  auto& rt = seeds["fuzz_roundtrip"];
  for (uint32_t i = 0; i < 48; ++i) {
    Bytes b;
    for (uint32_t k = 0; k < 8 + i % 24; ++k) b.push_back(static_cast<uint8_t>((i * 131 + k * 29) & 0xFF));
    const uint8_t dup = static_cast<uint8_t>(i * 7 % 30), share = static_cast<uint8_t>(i * 13 % 60);
    const uint8_t shape = static_cast<uint8_t>(i % 64), objects = static_cast<uint8_t>(i < 16 ? i * 4 : i * 5 % 256);
    b.insert(b.end(), {dup, share, shape, objects});
    rt.push_back({"knobs-" + std::to_string(i), b});
  }

  seeds["fuzz_snapshot"] = snapshot_seeds(real, max_size);

  for (auto& [target, list] : seeds) {
    const fs::path dir = out / target;
    fs::create_directories(dir);
    for (const Seed& s : list) write_file(dir / s.name, s.bytes);
    uint64_t bytes = 0;
    for (const Seed& s : list) bytes += s.bytes.size();
    std::printf("%-15s %4zu seeds, %8llu bytes -> %s\n", target.c_str(), list.size(),
                static_cast<unsigned long long>(bytes), dir.c_str());
  }
  return 0;
}
