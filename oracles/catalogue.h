// The oracle catalogue (DESIGN.md "The oracles", docs/oracles.md) on whole inputs: each oracle
// observes what it needs (observe.h, reproduction.h) and hands it to its one judge
// (judges.h). Two kinds of input: a file unit (a file or a save chain, as bytes) and a graph
// in memory (heap roots and the options to save them with).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "oracles/judges.h"
#include "oracles/observe.h"
#include "oracles/verdict.h"

namespace cf::oracles {

// ---- file units -------------------------------------------------------------------------------

Verdict path_differential(const FileUnit& unit);
Verdict validate_then_walk(const FileUnit& unit);
Verdict work_bound(const FileUnit& unit);
/// EINTR at every n-th read and short reads of 1..16 bytes at every call. The unit's names
/// must be readable paths (files on disk); else not applicable.
Verdict io_schedule(const FileUnit& unit);
/// Re-compacting with both strategies gives the input back (reproduction.h's order policy).
Verdict real_file_reproduction(const FileUnit& unit);
/// Both strategies compact the loaded graph to the same bytes.
Verdict strategy_differential(const FileUnit& unit);
/// compact(load(compact(load(x)))) == compact(load(x)), the second load on the slow path.
Verdict idempotence(const FileUnit& unit);
/// Rejected (on the slow path, which checks most, with the runtime's flags policy) with the
/// expected class and offset.
Verdict negative_table(const FileUnit& unit, const std::string& expected_class, std::optional<uint64_t> offset);

/// Every applicable oracle on a file unit, in catalogue order; each load is made once and
/// shared by the oracles that judge it.
std::vector<Verdict> check_file_unit(const FileUnit& unit);

// ---- graphs in memory ---------------------------------------------------------------------------

/// A graph to compact: part roots, with the options every part is saved with (base, format...).
struct GraphInput {
  std::vector<uint64_t> roots;
  CompactorOptions options;
  bool gmp = true;
};

/// What the graph oracles observe of one graph, each compaction and load made once.
struct GraphObservation {
  Compaction worklist, recursive;  ///< the graph compacted by each strategy
  nlohmann::json model;            ///< the max-shared source dump (graphs without deps)
  LoadObservation automatic, slow;  ///< the worklist images loaded on each path
  Compaction once, twice;          ///< idempotence: recompact(load(images)), then again off the slow path
};
GraphObservation observe_graph(const GraphInput& g);

Verdict strategy_differential(const GraphInput& g);
/// compact -> load on both paths -> dump equals the source graph's max-shared model dump.
Verdict round_trip(const GraphInput& g);
/// compacting the loaded graph again gives the same bytes (both load paths).
Verdict idempotence(const GraphInput& g);

/// The three graph oracles judged from one observation.
std::vector<Verdict> judge_graph(const GraphObservation& o, const GraphInput& g);
/// The graph oracles, then the file oracles that apply to the compacted chain.
std::vector<Verdict> check_graph(const GraphInput& g);

}  // namespace cf::oracles
