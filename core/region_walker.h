// The structural walk of one region's data section (FORMAT.md §1.5, §8.2 steps 5-6):
// every object from D + 8 to the data end, checked in the order of §8.2, with its pointer
// slots classified. Read-only, one pass in address order, no recursion, work counted.
// `regiontool inspect` uses it directly; the validating loader builds on it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/header.h"
#include "core/layout.h"
#include "core/region_view.h"
#include "core/result.h"

namespace cf {

/// The loader's work budget per 8-byte word of a file (STYLE.md 9). The walk charges about 3
/// units per word at most and relocation 1 more, so 8 leaves room while still turning any
/// accidental super-linear path into a reproducible `work_limit` instead of a hang. (The
/// work-bound *oracle* holds the loader to a tighter bound: oracles/work_bound.h.)
inline constexpr uint64_t k_work_budget_per_word = 8;

/// Budgets and strictness of a walk (STYLE.md 9).
struct WalkOptions {
  /// Reject Tier C (canonical-form) violations: no conforming writer produces them.
  bool canonical = true;
  /// Treat pointers outside the own file as external references (a structural inspection
  /// given no deps, §5.8). When false they are `missing_dep`.
  bool allow_external = true;
  /// Keep the object table (one record per object, and the object starts) in the summary.
  bool keep_objects = false;
  /// Compute each object's depth (ObjectRecord::depth, RegionSummary::max_depth). A second
  /// dependent random read per edge: the loader, which never reports depths, turns it off.
  bool depths = true;
  /// Regions pointers may leave into (§5.7 translate order: own data first, then these).
  /// With deps given, a pointer outside the own file and every dep is `missing_dep` unless
  /// allow_external is set. A dep with an object table has pointers into it checked against
  /// its object starts (§8.3 P6); without one they are range-checked only.
  std::span<const RegionView> deps;
  /// `deps` by ascending base (order_by_base), when the caller has sorted them already; else
  /// the walk sorts them itself, lazily, when the first pointer leaves the own file (§5.10 rule 5).
  std::span<const uint32_t> dep_order;
  /// Work budget in units per file word; past it the walk fails with work_limit.
  uint64_t work_per_word = k_work_budget_per_word;
};

enum class RootClass { scalar, own, external };

struct RootInfo {
  RootClass cls = RootClass::scalar;
  uint64_t word = 0;    ///< the raw root slot
  uint64_t offset = 0;  ///< own or dep: file offset of the root object in its region
  Kind kind = Kind::ctor;
  int64_t dep = -1;     ///< external: index into WalkOptions::deps, or -1 when unresolved
};

/// Pointer-slot words of all objects (not the root slot), by what they point at.
struct PointerWordCounts {
  uint64_t scalar = 0;  ///< boxed scalars
  uint64_t self = 0;    ///< objects of this file
  uint64_t other = 0;   ///< outside this file: a dep or an earlier chain part
};

struct RegionSummary {
  uint64_t objects = 0;
  std::array<uint64_t, k_num_file_kinds> objects_per_kind{};
  std::array<uint64_t, k_num_file_kinds> bytes_per_kind{};
  std::array<uint64_t, k_max_ctor_tag + 1> ctor_tags{};
  RootInfo root;
  uint32_t max_depth = 0;  ///< 0 when the walk ran with depths off (the loader)
  PointerWordCounts pointer_words;
  uint64_t closures = 0;
  uint64_t work = 0;     ///< work units charged; <= work_per_word * (file_size / 8 + 1)
  uint64_t dep_work = 0; ///< deps sorted for lookup: 0, or their number when a pointer left the file
  ObjectTable table;     ///< only with keep_objects
};

/// Walks and checks the data section of `file`, whose header was parsed by parse_header and
/// completed by complete_layout. Returns the first failing check (§8.2 order) as an error.
Result<RegionSummary> walk_region(std::span<const uint8_t> file, const FileHeader& header,
                                  const WalkOptions& options);

}  // namespace cf
