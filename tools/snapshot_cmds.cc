// See snapshot_cmds.h.
#include "tools/snapshot_cmds.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/io.h"
#include "core/snapshot.h"
#include "oracles/snapshot_deps.h"
#include "tools/exit_codes.h"
#include "tools/text.h"

namespace cf::tool {
namespace {

using nlohmann::json;

int exit_for(const LoadError& e) { return e.code == ErrorCode::io_error ? exit_usage : exit_rejected; }

// Why a read took the path it took (§5.6).
std::string why(const Region& r, bool every_dep_at_base, LoadPath asked) {
  if (r.path_taken() == LoadPath::fast) return "mapped at its saved base, and so is every dep";
  if (asked == LoadPath::slow) return "the slow path was asked for";
  if (!r.at_base()) return "its saved base was taken: read into memory and relocated";
  if (!every_dep_at_base) return "a dep is not at its saved base: relocated";
  return "slow";
}

Result<LoadedSnapshot> load(const SnapshotLoadCmd& o, std::vector<ModuleArtifacts>* modules) {
  auto parsed = oracles::read_deps_file(o.snapshot);
  if (!parsed) return parsed.take_error();
  *modules = std::move(parsed.value());
  SnapshotLoadOptions lo;
  lo.workers = o.workers ? std::max(1u, *o.workers) : import_workers(std::getenv("LEAN_IMPORT_WORKERS"));
  lo.load.path = o.path;
  return load_snapshot(o.snapshot, *modules, lo);
}

json inspect_json(const SnapshotLoadCmd& o, const std::vector<ModuleArtifacts>& modules, const LoadedSnapshot& s) {
  std::map<size_t, bool> module_at_base;  // every part of the module so far at its base
  json mods = json::array();
  for (size_t m = 0; m < modules.size(); ++m)
    mods.push_back({{"index", m}, {"base", modules[m].base}, {"worker", worker_of(m, s.workers)}, {"parts", json::array()}});
  bool all_at_base = true;
  for (const SnapshotRegion& r : s.regions) {
    bool& deps_at_base = module_at_base.try_emplace(r.module, true).first->second;
    mods[r.module]["parts"].push_back({{"part", std::string(part_key(r.part))},
                                       {"file", r.region->name()},
                                       {"base_addr", hex(r.region->base_addr())},
                                       {"path", std::string(load_path_name(r.region->path_taken()))},
                                       {"why", why(*r.region, deps_at_base, o.path)}});
    deps_at_base = deps_at_base && r.region->at_base();
    all_at_base = all_at_base && r.region->at_base();
  }
  const Region& snap = *s.snapshot;
  return {{"snapshot", o.snapshot},
          {"base_addr", hex(snap.base_addr())},
          {"workers", s.workers},
          {"regions", s.regions.size()},
          {"modules", mods},
          {"snapshot_read",
           {{"path", std::string(load_path_name(snap.path_taken()))},
            {"why", why(snap, all_at_base, o.path)},
            {"objects", snap.summary().objects},
            {"dep_work", snap.dep_work()}}}};
}

}  // namespace

int run_snapshot_save(const SnapshotSaveCmd& o, std::ostream& out, std::ostream& err) {
  const std::vector<ModuleArtifacts> modules = group_module_parts(o.files);
  std::vector<std::unique_ptr<Region>> regions;
  std::vector<const Region*> deps;
  for (const ModuleArtifacts& m : modules)
    for (const std::vector<std::string>& chain : module_chains(m)) {
      auto parts = load_parts(chain, {});
      if (!parts) {
        err << "regiontool snapshot save: " << parts.error().describe() << "\n";
        return exit_for(parts.error());
      }
      for (Region& r : parts.value()) {
        regions.push_back(std::make_unique<Region>(std::move(r)));
        deps.push_back(regions.back().get());
      }
    }
  SnapshotSaveOptions so;
  so.strategy = o.strategy;
  so.name = o.output;
  auto bytes = save_snapshot_of(deps, so);
  if (!bytes) {
    err << "regiontool snapshot save: " << bytes.error().describe() << "\n";
    return exit_rejected;
  }
  const std::string sidecar = oracles::deps_json(modules);
  const std::string deps_path = oracles::deps_path_of(o.output);
  if (auto st = write_file_atomic(deps_path, {reinterpret_cast<const uint8_t*>(sidecar.data()), sidecar.size()}); !st) {
    err << "regiontool snapshot save: " << st.error().describe() << "\n";
    return exit_usage;
  }
  if (auto st = write_file_atomic(o.output, bytes.value()); !st) {
    std::remove(deps_path.c_str());  // no sidecar without its snapshot
    err << "regiontool snapshot save: " << st.error().describe() << "\n";
    return exit_usage;
  }
  out << o.output << ": snapshot of " << modules.size() << " modules (" << regions.size() << " regions), "
      << bytes.value().size() << " bytes, v3, base " << hex(snapshot_base()) << "; sidecar " << deps_path << "\n";
  return exit_ok;
}

int run_snapshot_load(const SnapshotLoadCmd& o, std::ostream& out, std::ostream& err) {
  std::vector<ModuleArtifacts> modules;
  auto s = load(o, &modules);
  if (!s) {
    out << o.snapshot << ": rejected: " << error_name(s.error().code) << "\n";
    err << s.error().describe() << "\n";
    return exit_for(s.error());
  }
  out << o.snapshot << ": ok (" << modules.size() << " modules, " << s->regions.size() << " regions, " << s->workers
      << (s->workers == 1 ? " worker" : " workers") << "; the snapshot read took the "
      << load_path_name(s->snapshot->path_taken()) << " path, " << s->snapshot->summary().objects << " objects)\n";
  return exit_ok;
}

int run_snapshot_inspect(const SnapshotLoadCmd& o, std::ostream& out, std::ostream& err) {
  std::vector<ModuleArtifacts> modules;
  auto s = load(o, &modules);
  if (!s) {
    out << o.snapshot << ": rejected: " << error_name(s.error().code) << "\n";
    err << s.error().describe() << "\n";
    return exit_for(s.error());
  }
  const json j = inspect_json(o, modules, s.value());
  if (o.json) {
    out << j.dump(1) << "\n";
    return exit_ok;
  }
  out << o.snapshot << ": snapshot at " << j["base_addr"].get<std::string>() << ", " << modules.size() << " modules, "
      << s->regions.size() << " regions, " << s->workers << (s->workers == 1 ? " worker" : " workers") << "\n";
  for (const json& m : j["modules"]) {
    out << "  module " << m["index"] << " (worker " << m["worker"] << "): " << m["base"].get<std::string>() << "\n";
    for (const json& p : m["parts"])
      out << "    " << p["part"].get<std::string>() << "  " << p["file"].get<std::string>() << "  "
          << p["path"].get<std::string>() << ": " << p["why"].get<std::string>() << "\n";
  }
  const json& r = j["snapshot_read"];
  out << "  snapshot read: " << r["path"].get<std::string>() << ": " << r["why"].get<std::string>() << "; "
      << r["objects"] << " objects, dep work " << r["dep_work"] << "\n";
  return exit_ok;
}

}  // namespace cf::tool
