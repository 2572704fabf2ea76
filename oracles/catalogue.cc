// See catalogue.h. Observe with the real implementation; judge with judges.h.
#include "oracles/catalogue.h"

#include "core/closures.h"

#include <unistd.h>

#include "oracles/graph_dump.h"
#include "oracles/reproduction.h"

namespace cf::oracles {
namespace {

constexpr uint64_t k_max_short_read = 16;  // short reads of every length 1..16
// ... for the first 256 reads of a load: the whole header even 1 byte at a time, and the first
// blocks of the body, so the schedule costs the same for a 1 GB file as for a 1 KB one.
constexpr uint64_t k_short_reads = 256;

LoadSettings on(LoadPath path) {
  LoadSettings s;
  s.path = path;
  return s;
}

std::string describe_error(const std::optional<LoadError>& e) { return e ? e->describe() : "no error"; }

// Compacts graph roots as one chain.
Compaction compact_chain(const GraphInput& g, Strategy s) {
  CompactorOptions o = g.options;
  o.strategy = s;
  Compactor c(o);
  return save_chain(c, g.roots);
}

// The reproduction attempts of both strategies on a loaded unit.
std::vector<Reproduction> reproductions(const LoadedUnit& parts, const FileUnit& unit) {
  std::vector<Reproduction> out;
  for (Strategy s : {Strategy::worklist, Strategy::recursive}) out.push_back(reproduce(pointers(parts), unit, s));
  return out;
}

// Idempotence from a first compaction: reload it on the slow path and compact again.
Compaction compact_again(const Compaction& once, const std::string& name,
                         const std::optional<std::vector<LibraryEntry>>& libraries = std::nullopt) {
  if (!once.ok()) return once;
  std::optional<LoadError> err;
  LoadSettings s = on(LoadPath::slow);
  s.libraries = libraries;
  const LoadedUnit loaded = load_unit(unit_of(once.images, name + " (compacted)"), s, &err);
  if (err) {
    Compaction failed;
    failed.error = *err;
    failed.error->message = "the compacted bytes do not load: " + failed.error->message;
    return failed;
  }
  return recompact(pointers(loaded), Strategy::worklist, ChildOrder::ascending);
}

// The oracles that need the graph loaded and kept (reproduction, strategies, idempotence).
struct LoadedOracles {
  Verdict reproduction, strategies, idempotence;
};

LoadedOracles loaded_oracles(const FileUnit& unit) {
  std::optional<LoadError> err;
  // Loaded as the saving process would: its closures stay where they were saved, so the
  // re-compaction can give the files' bytes back (FORMAT.md §5.5).
  LoadSettings as_saved = on(LoadPath::automatic);
  as_saved.libraries = saved_libraries(unit.bytes);
  const LoadedUnit parts = load_unit(unit, as_saved, &err);
  if (err) {
    const std::string why = "rejected: " + err->describe();
    return {not_applicable(OracleId::real_file_reproduction, why), not_applicable(OracleId::strategy_differential, why),
            not_applicable(OracleId::idempotence, why)};
  }
  const std::vector<Reproduction> attempts = reproductions(parts, unit);
  const Compaction once = recompact(pointers(parts), Strategy::worklist, ChildOrder::ascending);
  const Compaction recursive = recompact(pointers(parts), Strategy::recursive, ChildOrder::ascending);
  return {judge_reproduction(unit, attempts), judge_strategies(once, recursive),
          judge_idempotence(once, compact_again(once, unit.names.empty() ? "unit" : unit.names[0], as_saved.libraries))};
}

}  // namespace

// ---- file units -------------------------------------------------------------------------------

Verdict path_differential(const FileUnit& unit) {
  return judge_paths(observe_load(unit, on(LoadPath::automatic)), observe_load(unit, on(LoadPath::slow)));
}

Verdict validate_then_walk(const FileUnit& unit) { return judge_walk(observe_load(unit, on(LoadPath::slow))); }

Verdict work_bound(const FileUnit& unit) { return judge_work(observe_load(unit, on(LoadPath::slow)).parts); }

Verdict io_schedule(const FileUnit& unit) {
  for (const std::string& n : unit.names)
    if (::access(n.c_str(), R_OK) != 0) return not_applicable(OracleId::io_schedule, "not a file on disk: " + n);
  LoadSettings s = on(LoadPath::slow);
  s.from_disk = true;
  FaultIo counter;
  s.io = &counter;
  const LoadObservation clean = observe_load(unit, s);
  std::vector<LoadObservation> faulted;
  for (uint64_t n = 1; n <= counter.calls(IoCall::read); ++n) {
    FaultIo io({{IoCall::read, n, IoEffect::eintr}});
    s.io = &io;
    faulted.push_back(observe_load(unit, s));
  }
  for (uint64_t len = 1; len <= k_max_short_read; ++len) {
    FaultIo io({}, true, len, k_short_reads);
    s.io = &io;
    faulted.push_back(observe_load(unit, s));
  }
  return judge_io(clean, faulted);
}

Verdict real_file_reproduction(const FileUnit& unit) { return loaded_oracles(unit).reproduction; }
Verdict strategy_differential(const FileUnit& unit) { return loaded_oracles(unit).strategies; }
Verdict idempotence(const FileUnit& unit) { return loaded_oracles(unit).idempotence; }

Verdict negative_table(const FileUnit& unit, const std::string& expected_class, std::optional<uint64_t> offset) {
  LoadSettings s = on(LoadPath::slow);  // the slow path checks the most (dep overlap, §5.7)
  s.flags = FlagsPolicy::expected;      // and H4 is among the table's questions
  return judge_negative(observe_load(unit, s), expected_class, offset);
}

std::vector<Verdict> check_file_unit(const FileUnit& unit) {
  const LoadObservation automatic = observe_load(unit, on(LoadPath::automatic));
  const LoadObservation slow = observe_load(unit, on(LoadPath::slow));
  LoadedOracles loaded = loaded_oracles(unit);
  return {judge_paths(automatic, slow), judge_walk(slow), judge_work(slow.parts), io_schedule(unit),
          std::move(loaded.reproduction), std::move(loaded.strategies), std::move(loaded.idempotence)};
}

// ---- graphs in memory ---------------------------------------------------------------------------

GraphObservation observe_graph(const GraphInput& g) {
  GraphObservation o;
  o.worklist = compact_chain(g, Strategy::worklist);
  o.recursive = compact_chain(g, Strategy::recursive);
  if (!o.worklist.ok()) return o;
  if (g.options.deps.empty()) o.model = dump_memory_graph(g.roots, {}, g.gmp, true);
  const FileUnit unit = unit_of(o.worklist.images, "graph");
  // Loaded "in the saving process": its closures' libraries sit where they were saved.
  auto here = [&](LoadPath path) {
    LoadSettings s = on(path);
    s.libraries = g.options.libraries;
    return s;
  };
  o.automatic = observe_load(unit, here(LoadPath::automatic));
  o.slow = observe_load(unit, here(LoadPath::slow));
  std::optional<LoadError> err;
  const LoadedUnit loaded = load_unit(unit, here(LoadPath::automatic), &err);
  if (err) {
    o.once.error = *err;
    return o;
  }
  o.once = recompact(pointers(loaded), Strategy::worklist, ChildOrder::ascending);
  o.twice = compact_again(o.once, "graph", g.options.libraries);
  return o;
}

std::vector<Verdict> judge_graph(const GraphObservation& o, const GraphInput& g) {
  std::vector<Verdict> out = {judge_strategies(o.worklist, o.recursive)};
  const bool deps = !g.options.deps.empty();
  if (!o.worklist.ok()) {
    const std::string why = "not compactable: " + o.worklist.error->describe();
    out.push_back(not_applicable(OracleId::round_trip, why));
    out.push_back(not_applicable(OracleId::idempotence, why));
    return out;
  }
  if (deps) {
    out.push_back(not_applicable(OracleId::round_trip, "graphs with dep regions: see CompactorProperty.RoundTrip"));
    out.push_back(not_applicable(OracleId::idempotence, "graphs with dep regions: see CompactorProperty.Idempotence"));
    return out;
  }
  Verdict trip = holds(OracleId::round_trip);
  for (const LoadObservation* l : {&o.automatic, &o.slow}) {
    const std::string how = l == &o.automatic ? "automatic path" : "slow path";
    if (!l->accepted) {
      trip = finding(OracleId::round_trip, "the compacted graph does not load on the " + how + ": " + describe_error(l->error));
      break;
    }
    trip = judge_round_trip(o.model, l->graph, "on the " + how);
    if (trip.outcome != Outcome::holds) break;
  }
  if (trip.outcome == Outcome::holds)
    trip.reason = std::to_string(o.model.at("nodes").size()) + " nodes equal the max-shared source on both paths";
  out.push_back(std::move(trip));
  if (!o.automatic.accepted)
    out.push_back(not_applicable(OracleId::idempotence, "the compacted graph does not load (see round trip)"));
  else
    out.push_back(judge_idempotence(o.once, o.twice));
  return out;
}

Verdict strategy_differential(const GraphInput& g) { return judge_graph(observe_graph(g), g)[0]; }
Verdict round_trip(const GraphInput& g) { return judge_graph(observe_graph(g), g)[1]; }
Verdict idempotence(const GraphInput& g) { return judge_graph(observe_graph(g), g)[2]; }

std::vector<Verdict> check_graph(const GraphInput& g) {
  const GraphObservation o = observe_graph(g);
  std::vector<Verdict> out = judge_graph(o, g);
  if (!o.worklist.ok()) return out;
  out.push_back(judge_paths(o.automatic, o.slow));
  out.push_back(judge_walk(o.slow));
  out.push_back(judge_work(o.slow.parts));
  return out;
}

}  // namespace cf::oracles
