// The canonical dump of a loaded graph (docs/graph-model.md): objects in post-order from each
// root (children in ascending slot order), numbered at first encounter, so two loads of the
// same graph give identical dumps whatever path or address they took, and sharing shows as
// repeated ids. Objects in dep regions appear as references (dep index, offset).
#pragma once

#include <span>

#include <nlohmann/json.hpp>

#include "core/region.h"

namespace cf::oracles {

/// Dumps the graph reachable from the roots of `parts` (one save chain, in order). `deps` are
/// regions the parts may point into that are not dumped themselves. Iterative: any depth.
nlohmann::json dump_graph(std::span<const Region* const> parts, std::span<const Region* const> deps);

}  // namespace cf::oracles
