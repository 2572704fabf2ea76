// The canonical dump of a loaded graph (docs/graph-model.md): objects in post-order from each
// root (children in ascending slot order), numbered at first encounter, so two loads of the
// same graph give identical dumps whatever path or address they took, and sharing shows as
// repeated ids. Objects in dep regions appear as references (dep index, offset).
#pragma once

#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "core/region.h"

namespace cf::oracles {

/// Dumps the graph reachable from the roots of `parts` (one save chain, in order). `deps` are
/// regions the parts may point into that are not dumped themselves. Iterative: any depth.
nlohmann::json dump_graph(std::span<const Region* const> parts, std::span<const Region* const> deps);

/// Dumps a graph held in memory (a Heap, or loaded regions read as plain memory) from raw root
/// words, one per part: every object address outside `deps` is dumped, mpz in the GMP layout
/// when `gmp`. An object inside a dep's bytes [begin, begin + size) becomes a dep node whose
/// offset is measured from `begin`, as dump_graph measures them from a dep Region's begin(). Spare capacity is ignored and mpz limbs are read through the limb pointer.
/// `max_share`: a node of a shareable kind (FORMAT.md §4.4) equal to an earlier node, child ids
/// included, takes that node's id: the graph a max-sharing compactor must produce. The
/// "nodes" and part roots compare with dump_graph's; the part metadata holds only the roots.
/// This is the suite's own model of sharing, deliberately independent of the compactor's
/// byte-level max-sharing table: the round-trip oracle holds the one against the other.
nlohmann::json dump_memory_graph(std::span<const uint64_t> roots, std::span<const RegionView> deps, bool gmp,
                                 bool max_share);

}  // namespace cf::oracles
