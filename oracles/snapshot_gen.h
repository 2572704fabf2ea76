// Generated libraries: modules shaped like a real Lean library's (docs/generators.md), each an
// `.olean` chain (olean, server, private) and an IR chain (irSig, ir) at its key's bases, with
// graphs drawn from the real-file profile; and their snapshots (FORMAT.md §6.1). The snapshot
// tests, the fuzz_snapshot seeds and the scale benchmark all build their libraries here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/module_parts.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace cf::oracles {

struct LibraryShape {
  size_t modules = 4;
  uint64_t seed = 1;
  /// Objects per module, over all its parts, on average. Module sizes are drawn from a
  /// log-normal distribution (sigma 1, a real library's long tail) around this mean; the olean
  /// chain gets 80 % (olean 60 / server 10 / private 30), the IR chain 20 % (sig 10 / ir 90).
  uint32_t mean_objects = 300;
  std::string prefix = "Gen";  ///< module names: <prefix>.M<i>
  /// Every n-th module (index % n == n - 1) has no .ir.sig; 0: every module has one.
  uint32_t no_sig_every = 0;
};

struct GeneratedFile {
  ModulePart part = ModulePart::olean;
  uint64_t base_addr = 0;
  std::vector<uint8_t> bytes;
};

struct GeneratedModule {
  std::string name;                  ///< the module's name, whose key gives its bases (§3.3)
  std::vector<GeneratedFile> files;  ///< in chain order: olean, server, private, then irSig, ir
};

/// The library's modules in order, deterministic for a shape. Module i is `<prefix>.M<i>`, or,
/// when a file of it would overlap a file of an earlier module, `<prefix>.M<i>_<k>` for the
/// first k with no overlap: a snapshot of any prefix of the library loads (§6.4).
std::vector<GeneratedModule> generate_library(const LibraryShape& shape);

/// A module's file name: its name and the part's suffix.
std::string file_name(const GeneratedModule& m, const GeneratedFile& f);

/// The module's sidecar entry, `paths[k]` naming `m.files[k]`.
ModuleArtifacts artifacts_of(const GeneratedModule& m, const std::vector<std::string>& paths);

/// Loads every module's files from memory, each chain with its own earlier parts as deps
/// (§6.3), and saves the snapshot of them all (save_snapshot_of: the regions in module order).
Result<std::vector<uint8_t>> snapshot_of_library(std::span<const GeneratedModule> modules,
                                                 const SnapshotSaveOptions& options);

}  // namespace cf::oracles
