// The oracles on incremental snapshots (FORMAT.md §6): worker determinism, the overlap hazard
// of §6.4, the snapshot round trip, and the path differential and validate-then-walk of the
// snapshot's own read. Observations load through core/snapshot.h; judgements are judges.h's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/module_parts.h"
#include "core/snapshot.h"
#include "oracles/observe.h"
#include "oracles/verdict.h"

namespace cf::oracles {

/// A snapshot file and the modules its sidecar lists.
struct SnapshotUnit {
  std::string path;
  std::vector<ModuleArtifacts> modules;
};

/// Reads `F.deps` beside `snapshot_path` (bad_deps_json or io_error when it cannot).
Result<SnapshotUnit> read_snapshot_unit(const std::string& snapshot_path);

/// How one snapshot load runs.
struct SnapshotSettings {
  unsigned workers = 1;
  LoadPath path = LoadPath::automatic;
  /// As LoadSettings::libraries: unset, this process's.
  std::optional<std::vector<LibraryEntry>> libraries;
};

/// Loads the snapshot (its modules by `workers`, then itself) and dumps the snapshot's graph
/// with the module regions as deps in name order, so neither the worker count nor the module
/// order shows in it.
LoadObservation observe_snapshot(const SnapshotUnit& unit, const SnapshotSettings& settings);

/// Each of a snapshot's module chains read alone (§6.3 step 2), one observation per chain.
std::vector<LoadObservation> observe_modules(const SnapshotUnit& unit);

/// Whether two regions of different modules have overlapping saved ranges (§6.4).
bool modules_overlap(const SnapshotUnit& unit);

/// 1, 2, 4 and 32 workers, the sidecar's order and two others (reversed, rotated), on the
/// automatic path: every load agrees.
Verdict worker_determinism(const SnapshotUnit& unit);
/// Applicable when modules overlap (modules_overlap), each reads alone, and the snapshot's own
/// header, trailer and libraries pass (the checks that come before its deps are looked at): the
/// snapshot fails with dep_overlap on every load (1 and 4 workers, both paths).
Verdict overlap_hazard(const SnapshotUnit& unit);
/// Loaded as the saving process (its closures stay put), saved again with the same deps, and
/// read again on the automatic and the slow path: the same graph each time.
Verdict snapshot_round_trip(const SnapshotUnit& unit);

/// Every snapshot oracle: path differential (automatic against slow, with `workers`) and
/// validate-then-walk of the snapshot read, worker determinism, overlap hazard, snapshot round
/// trip.
std::vector<Verdict> check_snapshot(const SnapshotUnit& unit, unsigned workers = 1);

/// The same from a snapshot and its sidecar's text (read from `deps_path`): a sidecar that does
/// not parse must be the typed rejection bad_deps_json naming `deps_path` and a byte of it, and
/// is judged as one (validate-then-walk); one that parses gets check_snapshot.
std::vector<Verdict> check_snapshot_with_sidecar(const std::string& snapshot_path, std::string_view sidecar,
                                                 const std::string& deps_path, unsigned workers = 1);

}  // namespace cf::oracles
