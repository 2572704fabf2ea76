// Incremental snapshots (FORMAT.md §6; #13965, #14023, #14027): a whole environment saved as one
// single-part v3 region whose deps are every loaded module region, and read back module by
// module in parallel workers, then the snapshot with every region as a dep. This file works on
// the sidecar's parsed form (ModuleArtifacts); its JSON is oracles/snapshot_deps.h's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/module_parts.h"
#include "core/region.h"

namespace cf {

/// The base every snapshot is saved at: base_addr_for_key(`_snap`) (§3.3, §6.1).
uint64_t snapshot_base();

/// `LEAN_IMPORT_WORKERS` semantics (§6.3): the variable's value as a natural number; when unset
/// (null) or not a number, min(hardware threads, 4); then at least 1.
unsigned import_workers(const char* env_value);

struct SnapshotSaveOptions {
  Strategy strategy = Strategy::worklist;
  /// The saving process's libraries (§4.7); unset: loaded_libraries().
  std::optional<std::vector<LibraryEntry>> libraries;
  std::string name = "<snapshot>";  ///< used in error messages
};

/// §6.1: compacts `root` into one v3 part at snapshot_base(), allowClosures, with every region
/// of `deps` (the imported modules' regions) a dep: their objects are referenced, not copied.
Result<std::vector<uint8_t>> save_snapshot(uint64_t root, std::span<const Region* const> deps,
                                           const SnapshotSaveOptions& options);

/// The snapshot `regiontool snapshot save` writes: its root an Array of every region's root, in
/// the order given, every region a dep.
Result<std::vector<uint8_t>> save_snapshot_of(std::span<const Region* const> regions, const SnapshotSaveOptions& options);

struct SnapshotLoadOptions {
  unsigned workers = 1;  ///< N of §6.3 (import_workers() gives upstream's default)
  LoadOptions load;      ///< for every read: the modules' parts and the snapshot
};

/// One region a snapshot load read: a part of a module.
struct SnapshotRegion {
  std::unique_ptr<Region> region;
  size_t module = 0;   ///< index into the module list
  ModulePart part = ModulePart::olean;
  unsigned worker = 0;  ///< which worker read it
};

struct LoadedSnapshot {
  /// Every module region, in the order of §6.3 step 3: worker 0's regions (its modules in
  /// order, each module's parts in chain order), then worker 1's, ...
  std::vector<SnapshotRegion> regions;
  std::unique_ptr<Region> snapshot;  ///< read last, with every region above as a dep
  unsigned workers = 1;
};

/// §6.3: worker w (0 <= w < N) reads modules w, w+N, w+2N, ... in order, each module's chains
/// with only its own earlier parts as deps (olean -> server -> private; irSig -> ir); the
/// results are concatenated in worker order; then `snapshot_path` is read with all of them as
/// deps. A failure is the error of the lowest-numbered module that failed (so the same for any
/// N), else the snapshot's own; nothing read stays mapped.
Result<LoadedSnapshot> load_snapshot(const std::string& snapshot_path, const std::vector<ModuleArtifacts>& modules,
                                     const SnapshotLoadOptions& options);

/// Which worker reads module m (§6.3): m mod N.
constexpr unsigned worker_of(size_t module, unsigned workers) {
  return static_cast<unsigned>(module % (workers == 0 ? 1 : workers));
}

}  // namespace cf
