// The judges: one function per oracle of the catalogue, the only place each oracle's
// judgement is written. They compare observations (observe.h, reproduction.h, graph_oracles.h)
// and never run the implementation themselves, so the "can fail" tests feed them deliberately
// broken observations, and every front-end (ctest, fuzz targets, `regiontool check`, the
// nightly through regiontool) reports a finding the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oracles/observe.h"
#include "oracles/verdict.h"

namespace cf::oracles {

/// The work bound: validation and relocation of a part cost at most this many units per
/// 8-byte word of it (the one constant; the loader's own, looser budget is
/// core's k_work_budget_per_word, which turns a runaway into work_limit instead).
inline constexpr uint64_t k_work_bound_per_word = 4;

/// path differential: the automatic (fast where possible) and the slow path give the same
/// verdict, the same failing part, class and offset, and equal graphs.
Verdict judge_paths(const LoadObservation& automatic, const LoadObservation& slow);
/// dep order: a load with every part's deps permuted agrees with the load in chain order, as
/// judge_paths compares them.
Verdict judge_dep_order(const LoadObservation& in_order, const LoadObservation& permuted);
/// validate-then-walk: an accepted load was read back byte by byte and dumped field by field;
/// a rejection is typed, names its file, and lies inside the input.
Verdict judge_walk(const LoadObservation& o);
/// work bound: every part's work <= k_work_bound_per_word * (bytes / 8 + 1).
Verdict judge_work(std::span<const PartWork> parts);
/// I/O schedule: every faulted load equals the clean one, or is a clean io_error/out_of_memory.
Verdict judge_io(const LoadObservation& clean, const std::vector<LoadObservation>& faulted);
/// negative table: rejected with the expected class (and offset, when given).
Verdict judge_negative(const LoadObservation& o, const std::string& expected_class,
                       std::optional<uint64_t> expected_offset);
/// lenient superset: whatever the canonical walk accepts, the lenient one accepts with the same
/// object count and depth; a canonical rejection is typed with a message.
Verdict judge_lenient(const WalkObservation& canonical, const WalkObservation& lenient);
/// round trip: a loaded graph's dump (nodes and part roots) equals the source graph's
/// max-shared model dump.
Verdict judge_round_trip(const nlohmann::json& model, const nlohmann::json& loaded, const std::string& how);

/// strategy differential: both strategies give the same images, or the same rejection class.
Verdict judge_strategies(const Compaction& worklist, const Compaction& recursive);
/// idempotence: compacting the loaded result of a compaction gives the same bytes again.
Verdict judge_idempotence(const Compaction& once, const Compaction& twice);
/// real-file reproduction: for each strategy, re-compacting the loaded unit gave `inputs` back
/// (one Reproduction per strategy, as reproduce() left it).
Verdict judge_reproduction(const FileUnit& inputs, std::span<const Reproduction> attempts);

/// Loads of one snapshot, each named (worker count, module order).
using WorkerLoads = std::vector<std::pair<std::string, LoadObservation>>;
/// worker determinism: every load of the snapshot at `snapshot` agrees with the first of `loads`,
/// as judge_paths compares two loads; `loads` read the modules in the sidecar's order, `reordered`
/// in another, where a failure in one module file may become a failure in another (the lowest
/// failing module of that order, §6.3), but never an acceptance or a failure of the snapshot.
Verdict judge_workers(const WorkerLoads& loads, const WorkerLoads& reordered, const std::string& snapshot);
/// overlap hazard (FORMAT.md §6.4): given modules that each read alone (else not applicable),
/// every load of the snapshot is rejected with dep_overlap and upstream's message.
Verdict judge_overlap_hazard(const std::vector<LoadObservation>& modules, const std::vector<LoadObservation>& snapshot);
/// snapshot round trip: the loaded snapshot saved again (`saved_again`) and reloaded on each
/// path gives the loaded graph back (nodes and root).
Verdict judge_snapshot_round_trip(const LoadObservation& loaded, const Compaction& saved_again,
                                  const std::vector<std::pair<std::string, LoadObservation>>& reloaded);

/// Byte comparison shared by the byte-exact oracles: holds when equal, else a finding naming
/// the first differing offset and both sizes.
Verdict compare_bytes(OracleId oracle, const std::string& what, std::span<const uint8_t> expected,
                      std::span<const uint8_t> actual);

}  // namespace cf::oracles
