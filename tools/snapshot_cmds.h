// `regiontool snapshot save|load|inspect` (docs/snapshots.md): incremental snapshots with
// their `.deps` sidecar (FORMAT.md §6), through core/snapshot.h and oracles/snapshot_deps.h.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/region.h"

namespace cf::tool {

struct SnapshotSaveCmd {
  std::string output;               ///< F; the sidecar is F.deps
  std::vector<std::string> files;   ///< the modules' files, grouped into modules by path (§6.2)
  Strategy strategy = Strategy::worklist;
};

/// Loads every module's chains, saves a snapshot whose root is an Array of every region's root
/// (in sidecar order), then writes F and F.deps, each atomically. Exit 0/1/2.
int run_snapshot_save(const SnapshotSaveCmd& o, std::ostream& out, std::ostream& err);

struct SnapshotLoadCmd {
  std::string snapshot;                 ///< F
  std::optional<unsigned> workers;      ///< --workers; else LEAN_IMPORT_WORKERS semantics
  LoadPath path = LoadPath::automatic;  ///< for every read
  bool json = false;                    ///< inspect: one JSON object
};

/// Loads F as §6.3 says and prints a summary line. Exit 0 loaded, 1 rejected, 2 usage/I/O.
int run_snapshot_load(const SnapshotLoadCmd& o, std::ostream& out, std::ostream& err);
/// Loads F and reports every module, part, the worker that read it, and which path each read
/// took and why. Exit as load.
int run_snapshot_inspect(const SnapshotLoadCmd& o, std::ostream& out, std::ostream& err);

}  // namespace cf::tool
