// See snapshot_oracles.h.
#include "oracles/snapshot_oracles.h"

#include <algorithm>
#include <filesystem>

#include "core/closures.h"
#include "core/io.h"
#include "oracles/graph_dump.h"
#include "oracles/judges.h"
#include "oracles/snapshot_deps.h"

namespace cf::oracles {
namespace {

LoadOptions load_options(const SnapshotSettings& s) {
  LoadOptions o;
  o.path = s.path;
  o.libraries = s.libraries;
  return o;
}

// The module regions of a loaded snapshot, in name order.
std::vector<const Region*> deps_by_name(const LoadedSnapshot& s) {
  std::vector<const Region*> deps;
  for (const SnapshotRegion& r : s.regions) deps.push_back(r.region.get());
  std::stable_sort(deps.begin(), deps.end(), [](const Region* a, const Region* b) { return a->name() < b->name(); });
  return deps;
}

// A rejection of some file of the snapshot: its offset is judged against that file's size.
LoadObservation rejected(LoadError e) {
  LoadObservation o;
  std::error_code ec;
  const auto size = std::filesystem::file_size(e.file, ec);
  o.bytes = ec ? 0 : static_cast<uint64_t>(size);
  o.error = std::move(e);
  return o;
}

// What a load of the snapshot region itself gave, with the module regions as deps.
LoadObservation observation_of(const Region& snapshot, const std::vector<const Region*>& deps) {
  LoadObservation o;
  o.accepted = true;
  o.bytes = snapshot.size();
  o.parts.push_back({snapshot.name(), snapshot.size(), snapshot.work()});
  o.fast_taken = snapshot.path_taken() == LoadPath::fast;
  o.walked = snapshot.validated();
  const Region* part[] = {&snapshot};
  o.graph = dump_graph(part, deps);
  return o;
}

SnapshotUnit reorder(const SnapshotUnit& u, bool reverse) {
  SnapshotUnit v = u;
  if (reverse) std::reverse(v.modules.begin(), v.modules.end());
  else if (!v.modules.empty()) std::rotate(v.modules.begin(), v.modules.begin() + v.modules.size() / 2, v.modules.end());
  return v;
}

// The bytes of every file a module lists, in chain order, as a unit.
FileUnit chain_unit(const std::vector<std::string>& chain) {
  FileUnit u;
  for (const std::string& f : chain) {
    auto bytes = read_file(f);
    u.names.push_back(f);
    u.bytes.push_back(bytes ? std::move(bytes.value()) : std::vector<uint8_t>{});
  }
  return u;
}

// Why a read of the file fails before its deps are looked at (§8.2 steps 1-3 and the library
// resolution of §5.5, which come before the dep checks of §5.7), if it does.
std::optional<std::string> fails_before_its_deps(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error().describe();
  auto layout = parse_file_layout(bytes.value(), {});
  if (!layout) return layout.error().describe();
  if (!layout->trailer.closure_offsets.empty())
    if (auto libs = resolve_libraries(layout.value(), loaded_libraries()); !libs) return libs.error().describe();
  return std::nullopt;
}

}  // namespace

Result<SnapshotUnit> read_snapshot_unit(const std::string& snapshot_path) {
  auto modules = read_deps_file(snapshot_path);
  if (!modules) return modules.take_error();
  return SnapshotUnit{snapshot_path, std::move(modules.value())};
}

LoadObservation observe_snapshot(const SnapshotUnit& unit, const SnapshotSettings& settings) {
  SnapshotLoadOptions o;
  o.workers = settings.workers;
  o.load = load_options(settings);
  auto loaded = load_snapshot(unit.path, unit.modules, o);
  if (!loaded) return rejected(loaded.take_error());
  return observation_of(*loaded->snapshot, deps_by_name(loaded.value()));
}

std::vector<LoadObservation> observe_modules(const SnapshotUnit& unit) {
  std::vector<LoadObservation> out;
  LoadSettings s;
  s.from_disk = true;
  s.flags = FlagsPolicy::expected;  // as the snapshot loader reads them
  for (const ModuleArtifacts& m : unit.modules)
    for (const std::vector<std::string>& chain : module_chains(m)) out.push_back(observe_load(chain_unit(chain), s));
  return out;
}

bool modules_overlap(const SnapshotUnit& unit) {
  struct Range {
    uint64_t lo, hi;
    size_t module;
  };
  std::vector<Range> ranges;
  HeaderOptions any;
  any.flags = FlagsPolicy::declared;
  for (size_t m = 0; m < unit.modules.size(); ++m)
    for (const auto& chain : module_chains(unit.modules[m]))
      for (const std::string& f : chain) {
        auto bytes = read_file(f);
        if (!bytes) continue;
        auto h = parse_header(bytes.value(), bytes.value().size(), any);
        if (h) ranges.push_back({h->base_addr, h->base_addr + bytes.value().size(), m});
      }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i - 1].hi > ranges[i].lo && ranges[i - 1].module != ranges[i].module) return true;
  return false;
}

Verdict worker_determinism(const SnapshotUnit& unit) {
  WorkerLoads loads, reordered;
  for (unsigned w : {1u, 2u, 4u, 32u}) {
    SnapshotSettings s;
    s.workers = w;
    loads.emplace_back(std::to_string(w) + (w == 1 ? " worker" : " workers"), observe_snapshot(unit, s));
  }
  for (bool reverse : {true, false}) {
    SnapshotSettings s;
    s.workers = 2;
    reordered.emplace_back(std::string("2 workers, modules ") + (reverse ? "reversed" : "rotated"),
                           observe_snapshot(reorder(unit, reverse), s));
  }
  return judge_workers(loads, reordered, unit.path);
}

Verdict overlap_hazard(const SnapshotUnit& unit) {
  if (!modules_overlap(unit)) return not_applicable(OracleId::overlap_hazard, "no two modules' saved ranges overlap");
  if (auto early = fails_before_its_deps(unit.path))
    return not_applicable(OracleId::overlap_hazard, "the snapshot fails before its deps are looked at: " + *early);
  std::vector<LoadObservation> snapshot;
  for (unsigned w : {1u, 4u})
    for (LoadPath p : {LoadPath::automatic, LoadPath::slow}) {
      SnapshotSettings s;
      s.workers = w;
      s.path = p;
      snapshot.push_back(observe_snapshot(unit, s));
    }
  return judge_overlap_hazard(observe_modules(unit), snapshot);
}

Verdict snapshot_round_trip(const SnapshotUnit& unit) {
  SnapshotSettings as_saved;  // the saving process: closures stay where they were saved
  if (auto bytes = read_file(unit.path)) as_saved.libraries = saved_libraries(std::span(&bytes.value(), 1));
  SnapshotLoadOptions o;
  o.load = load_options(as_saved);
  auto loaded = load_snapshot(unit.path, unit.modules, o);
  if (!loaded) return judge_snapshot_round_trip(rejected(loaded.take_error()), {}, {});
  const std::vector<const Region*> deps = deps_by_name(loaded.value());
  const LoadObservation first = observation_of(*loaded->snapshot, deps);
  std::vector<const Region*> all;  // the deps as the snapshot was read with them
  for (const SnapshotRegion& r : loaded->regions) all.push_back(r.region.get());
  SnapshotSaveOptions save;
  save.libraries = as_saved.libraries;
  save.name = unit.path + " (saved again)";
  Compaction again;
  auto bytes = save_snapshot(loaded->snapshot->root(), all, save);
  if (!bytes) again.error = bytes.take_error();
  else again.images.push_back(std::move(bytes.value()));
  loaded->snapshot.reset();  // release its base, so the reload can take the fast path
  std::vector<std::pair<std::string, LoadObservation>> reloaded;
  if (again.ok())
    for (LoadPath p : {LoadPath::automatic, LoadPath::slow}) {
      LoadOptions lo = load_options(as_saved);
      lo.path = p;
      auto r = Region::load_bytes(save.name, again.images[0], all, lo);
      reloaded.emplace_back(std::string(load_path_name(p)) + " path",
                            r ? observation_of(r.value(), deps) : rejected(r.take_error()));
    }
  return judge_snapshot_round_trip(first, again, reloaded);
}

std::vector<Verdict> check_snapshot(const SnapshotUnit& unit, unsigned workers) {
  SnapshotSettings automatic, slow;
  automatic.workers = slow.workers = std::max(1u, workers);
  slow.path = LoadPath::slow;
  const LoadObservation a = observe_snapshot(unit, automatic), s = observe_snapshot(unit, slow);
  return {judge_paths(a, s), judge_walk(s), worker_determinism(unit), overlap_hazard(unit), snapshot_round_trip(unit)};
}

std::vector<Verdict> check_snapshot_with_sidecar(const std::string& snapshot_path, std::string_view sidecar,
                                                 const std::string& deps_path, unsigned workers) {
  auto modules = parse_deps_json(sidecar, deps_path);
  if (!modules) {
    LoadObservation rejected;
    rejected.bytes = sidecar.size();
    rejected.error = modules.take_error();
    return {judge_walk(rejected)};
  }
  return check_snapshot({snapshot_path, std::move(modules.value())}, workers);
}

}  // namespace cf::oracles
