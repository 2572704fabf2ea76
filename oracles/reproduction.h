// Re-compacting loaded regions (FORMAT.md §9.3): the observation behind real-file
// reproduction, strategy differential and idempotence on files, and behind `regiontool
// roundtrip`, which reports the same attempts in detail. The child-order policy for legacy
// files lives here and nowhere else.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "core/compactor.h"
#include "core/region.h"
#include "oracles/observe.h"

namespace cf::oracles {

/// Saves `roots` as the parts of one chain through `compactor`; before part k is saved,
/// `before_part(k)` may set its text fields. Stops at the first rejection (no images then).
Compaction save_chain(Compactor& compactor, std::span<const uint64_t> roots,
                      const std::function<void(size_t)>& before_part = {});

/// Re-compacts a loaded chain with one Compactor, taking the header fields, the libraries and
/// part 0's base from the inputs, never from a key (§9.3: the May 2022 file breaks §3.2).
Compaction recompact(const std::vector<const Region*>& parts, Strategy strategy, ChildOrder order);

/// Which child orders a reproduction tries.
enum class OrderChoice : uint8_t {
  automatic,  ///< ascending; a v0 unit that differs is retried descending (files before #2286)
  ascending,
  descending,
};

/// Re-compacts `parts` (loaded from `inputs`) with `strategy` under the order policy. Only v0
/// files predate #2286's ascending order: retrying any other would hide real bugs.
Reproduction reproduce(const std::vector<const Region*>& parts, const FileUnit& inputs, Strategy strategy,
                       OrderChoice order = OrderChoice::automatic);

/// Whether every image equals its input file.
bool reproduces(const Reproduction& r, const FileUnit& inputs);

}  // namespace cf::oracles
