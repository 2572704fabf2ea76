// The reference compactor (FORMAT.md §4): an object graph in memory (a Heap, or loaded
// Regions) becomes one region file, or a chain of parts sharing one buffer, one identity
// table and one max-sharing table.
//
// Two strategies, one output (§4.3, DESIGN.md "strategy differential"): `worklist` (an
// explicit stack, any depth) and `recursive` (direct recursion, as upstream since #14122,
// run on a thread with a stack sized for `max_depth` levels and failing with depth_limit
// past it). Both place objects in post-order, children in ascending slot order (or
// descending, the pre-#2286 legacy order of early v0 files), each at its first encounter.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/region_view.h"
#include "core/result.h"

namespace cf {

enum class Strategy : uint8_t { worklist, recursive };
enum class ChildOrder : uint8_t { ascending, descending };
std::string_view strategy_name(Strategy s);

struct CompactorOptions {
  Strategy strategy = Strategy::worklist;
  ChildOrder child_order = ChildOrder::ascending;
  /// v2, or v3 (allowClosures). v0/v1 are accepted for real-file reproduction only.
  Format format = Format::v2;
  uint8_t flags = k_flag_gmp;  ///< written to byte 6; bit 0 also selects the mpz layout read
  std::array<uint8_t, k_version_string_size> version_string{};
  std::array<uint8_t, k_githash_size_v1> githash{};
  uint64_t base_addr = 0;  ///< part 0's base (base_addr_for_key(key), or explicit)
  /// Dep regions (§4.5, §5.1): a source object with m_rc == 0 inside one is referenced at its
  /// logical address there, never copied.
  std::vector<RegionView> deps;
  /// The libraries loaded in the "saving process" (v3): each closure's m_fun maps to the
  /// library with the greatest base <= m_fun (§4.7).
  std::vector<LibraryEntry> libraries;
  /// Structurally equal shareable objects collapse to the first (§4.4). Off only in tests.
  bool max_sharing = true;
  /// Recursive strategy: nesting levels allowed before depth_limit.
  uint64_t max_depth = 100'000;
  /// Name used in error messages (the output file, usually).
  std::string name = "<compactor>";
};

/// Counters of one part (and of the compactor so far).
struct CompactStats {
  uint64_t emitted = 0;       ///< objects written
  uint64_t shared = 0;        ///< objects merged into an earlier equal object (max sharing)
  uint64_t dep_refs = 0;      ///< distinct source objects referenced in a dep
  uint64_t max_depth = 0;     ///< deepest nesting met
};

class Compactor {
 public:
  explicit Compactor(CompactorOptions options);
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  /// Compacts the graph under `root` (a boxed scalar or an object address) as the next part
  /// of the chain and returns that part's file bytes. On error nothing of the part remains:
  /// the compactor is as before the call and may save again.
  Result<std::vector<uint8_t>> save(uint64_t root);

  /// Opaque header fields of the next part (a chain's parts normally share them).
  void set_text_fields(const std::array<uint8_t, k_version_string_size>& version_string,
                       const std::array<uint8_t, k_githash_size_v1>& githash);

  /// Base address the next part will get (§3.4).
  uint64_t next_base() const;
  size_t parts() const;
  const CompactStats& stats() const;
  const CompactorOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// Compacts one graph into one file image: Compactor(options).save(root).
Result<std::vector<uint8_t>> compact(uint64_t root, const CompactorOptions& options);

}  // namespace cf
