// Observations: what running the real implementation on one input gave, as plain values the
// judges (judges.h) compare. Observing is the only place the loader runs for an oracle, so
// ctest, the fuzz targets and `regiontool check` observe alike; the graph travels as a JSON
// value (never serialised on the way), so observing is cheap enough for every fuzz input.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compactor.h"
#include "core/io.h"
#include "core/region.h"
#include "core/region_walker.h"

namespace cf::oracles {

/// One input unit: a single file, or a save chain (part k loads with parts 0..k-1), in memory.
struct FileUnit {
  std::vector<std::string> names;
  std::vector<std::vector<uint8_t>> bytes;
};

/// How a unit is loaded for one observation.
struct LoadSettings {
  LoadPath path = LoadPath::automatic;
  /// Reject Tier C violations (false: lenient, as `--lenient` and fuzz inputs flagged so).
  bool canonical = true;
  /// Which flags byte is accepted (§8.3 H4). Oracles judge a file under the flags it declares,
  /// so files of every configuration are judged; the negative table asks H4 itself, as a
  /// runtime reads (FlagsPolicy::expected, the GMP flag).
  FlagsPolicy flags = FlagsPolicy::declared;
  /// The libraries v3 closures relocate against (LoadOptions::libraries): unset, this process's.
  /// A graph the suite compacted itself replays the libraries it was saved with (delta 0).
  std::optional<std::vector<LibraryEntry>> libraries;
  /// Read each part from disk (unit.names are paths) through `io`, rather than from unit.bytes.
  bool from_disk = false;
  Io* io = &real_io();
  /// The order part k is given its deps in (a permutation of 0..k-1); identity when empty.
  std::function<std::vector<size_t>(size_t)> dep_order;
};

/// The loaded parts of a unit, in chain order; deps point into it, so it never reallocates.
using LoadedUnit = std::vector<Region>;

/// Loads every part of `unit` as one chain, as `settings` say. On a rejection returns an empty
/// unit and sets *error and *failed_part.
LoadedUnit load_unit(const FileUnit& unit, const LoadSettings& settings, std::optional<LoadError>* error,
                     size_t* failed_part = nullptr);

/// The regions of a loaded unit, as the dump and the compactor take them.
std::vector<const Region*> pointers(const LoadedUnit& parts);

/// Work one part's load (or walk) did, against its size.
struct PartWork {
  std::string name;
  uint64_t bytes = 0;
  uint64_t work = 0;
};

/// What one load of a unit gave.
struct LoadObservation {
  bool accepted = false;
  std::optional<LoadError> error;  ///< rejected: the first error
  size_t failed_part = 0;          ///< rejected: the part that failed
  uint64_t bytes = 0;              ///< input bytes over all parts
  std::vector<PartWork> parts;     ///< every part that loaded
  bool fast_taken = false;         ///< accepted, every part on the fast path
  bool walked = false;             ///< accepted, every part validated, every object byte read back
  nlohmann::json graph;            ///< accepted: the canonical dump (docs/graph-model.md); else null
};

/// Loads `unit` as `settings` say, reads back every byte of every object, dumps the graph.
LoadObservation observe_load(const FileUnit& unit, const LoadSettings& settings = {});

/// What `regiontool inspect`'s structural walk of one file gave (no loading, no deps).
struct WalkObservation {
  bool accepted = false;
  std::optional<LoadError> error;
  PartWork work;
  uint64_t objects = 0;
  uint32_t max_depth = 0;
};

/// Parses the header and walks the data section of `bytes` as inspect does.
WalkObservation observe_walk(const std::string& name, std::span<const uint8_t> bytes, bool canonical);

/// The result of compacting one graph or chain: images, or the compactor's rejection.
struct Compaction {
  std::optional<LoadError> error;
  std::vector<std::vector<uint8_t>> images;
  bool ok() const { return !error; }
};

/// One attempt to reproduce a loaded unit's files: a strategy, the child order it ended with
/// (reproduction.h's policy may retry a legacy file descending), and what it compacted.
struct Reproduction {
  Strategy strategy = Strategy::worklist;
  ChildOrder order = ChildOrder::ascending;
  Compaction result;
};

/// A unit of images in memory, named "<name> part k".
FileUnit unit_of(const std::vector<std::vector<uint8_t>>& images, const std::string& name);

}  // namespace cf::oracles
