// The oracle catalogue (DESIGN.md "The oracles", docs/oracles.md): each oracle returns a
// Verdict, so a finding reads the same whether ctest, a fuzz target or `regiontool check`
// met it. Every oracle is split in two:
//   - an observe step that runs the real implementation (loader, compactor, dump), and
//   - a judge_* function that compares observations and decides.
// The judges are what the "can fail" unit tests feed with deliberately broken observations.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compactor.h"
#include "core/region.h"

namespace cf::oracles {

enum class Outcome : uint8_t { holds, finding, not_applicable };
std::string_view outcome_name(Outcome o);  // "holds", "FINDING", "n/a"

struct Verdict {
  std::string oracle;
  Outcome outcome = Outcome::holds;
  std::string reason;  ///< why it is a finding (or not applicable); a short summary when it holds
};

Verdict holds(std::string oracle, std::string summary = {});
Verdict finding(std::string oracle, std::string reason);
Verdict not_applicable(std::string oracle, std::string reason);

/// One input unit: a single file, or a save chain (part k loads with parts 0..k-1), in memory.
struct FileUnit {
  std::vector<std::string> names;
  std::vector<std::vector<uint8_t>> bytes;
};

// ---- observations ------------------------------------------------------------------------

/// What one load of a unit gave: accepted with a canonical dump, or a typed error.
struct LoadObservation {
  bool accepted = false;
  std::optional<LoadError> error;
  std::string dump;   ///< canonical graph JSON (nodes + roots) when accepted
  uint64_t work = 0;  ///< validation + relocation work units, summed over parts
  uint64_t bytes = 0;
  bool fast_taken = false;
};

LoadObservation observe_load(const FileUnit& unit, LoadPath path, Io& io = real_io());
/// The same, reading each part from disk (unit.names are paths) through `io`: what a fault
/// schedule on open/read/fstat disturbs.
LoadObservation observe_load_files(const FileUnit& unit, LoadPath path, Io& io);

/// Re-compacts a loaded chain with one Compactor, taking the header fields, the child order
/// and part 0's base from the inputs (FORMAT.md §9.3). One image per part.
Result<std::vector<std::vector<uint8_t>>> recompact(const std::vector<const Region*>& parts, Strategy strategy,
                                                    ChildOrder order);

// ---- judges --------------------------------------------------------------------------------

/// Path differential: both paths give the same verdict, class and (accepted) dump.
Verdict judge_paths(const LoadObservation& fast, const LoadObservation& slow);
/// Byte comparison (reproduction, strategy differential, idempotence): first differing offset.
Verdict judge_bytes(const std::string& oracle, const std::string& what, std::span<const uint8_t> expected,
                    std::span<const uint8_t> actual);
/// Work bound: work <= c * (bytes / 8 + 1).
Verdict judge_work(const LoadObservation& o, uint64_t c);
/// Validate-then-walk: an accepted load walked cleanly (its dump exists); a rejection is typed
/// and names its file, at an offset inside the file.
Verdict judge_walk(const LoadObservation& o);
/// I/O schedule: every faulted load equals the clean one, or is a clean io_error/out_of_memory.
Verdict judge_io(const LoadObservation& clean, const std::vector<LoadObservation>& faulted);
/// Round trip: the loaded graph's dump equals the source's (max-shared) model dump.
Verdict judge_dumps(const std::string& oracle, const nlohmann::json& expected, const nlohmann::json& actual);
/// Negative table: rejected with the expected class (and offset, when given).
Verdict judge_negative(const LoadObservation& o, const std::string& expected_class,
                       std::optional<uint64_t> expected_offset);

// ---- the oracles on a file unit --------------------------------------------------------------

Verdict path_differential(const FileUnit& unit);
Verdict validate_then_walk(const FileUnit& unit);
Verdict work_bound(const FileUnit& unit, uint64_t c = 4);
/// EINTR at every n-th read and short reads of 1..16 bytes at every call (files on disk only:
/// FileUnit names must be readable paths).
Verdict io_schedule(const FileUnit& unit);
/// Re-compacting with both strategies gives the input back (legacy v0: descending retried).
Verdict real_file_reproduction(const FileUnit& unit);
/// Both strategies compact the loaded graph to the same bytes.
Verdict strategy_differential(const FileUnit& unit);
/// compact(load(compact(load(x)))) == compact(load(x)), the second load on the slow path.
Verdict idempotence(const FileUnit& unit);
Verdict negative_table(const FileUnit& unit, const std::string& expected_class, std::optional<uint64_t> offset);

/// Every applicable oracle on a file unit, in catalogue order.
std::vector<Verdict> check_file_unit(const FileUnit& unit);

// ---- the oracles on a graph in memory ----------------------------------------------------------

/// A graph to compact: part roots, with the options every part is saved with (base, format...).
struct GraphInput {
  std::vector<uint64_t> roots;
  CompactorOptions options;
  bool gmp = true;
};

Verdict strategy_differential(const GraphInput& g);
/// compact -> load on both paths -> dump equals the source graph's max-shared model dump.
Verdict round_trip(const GraphInput& g);
/// compacting the loaded graph again gives the same bytes (both load paths).
Verdict idempotence(const GraphInput& g);

/// The graph oracles, then the file oracles on the compacted chain.
std::vector<Verdict> check_graph(const GraphInput& g);

}  // namespace cf::oracles
