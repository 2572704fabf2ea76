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
#include "core/object.h"
#include "core/result.h"

namespace cf {

/// One object as the walk saw it.
struct ObjectRecord {
  uint64_t offset = 0;  ///< file offset of the object header
  uint64_t size = 0;    ///< step to the next object
  Kind kind = Kind::ctor;
  uint8_t tag = 0;
  uint32_t slot_first = 0;  ///< first pointer slot, from the object start
  uint32_t slot_count = 0;  ///< number of pointer slots (graph edges)
  uint32_t depth = 0;       ///< 1 + deepest own child; children in other regions count 0
};

/// A region whose objects this walk may point into: a dep or an earlier chain part, by its
/// saved logical range. `object_index` (word index over its data -> object number + 1, as a
/// walk with keep_objects returns it) lets pointers into it be checked against its object
/// starts (§8.3 P6); without it they are range-checked only.
struct DepView {
  uint64_t base_addr = 0;
  uint64_t file_size = 0;
  uint64_t data_start = 0;
  uint64_t data_size = 0;
  const std::vector<uint32_t>* object_index = nullptr;
  const std::vector<ObjectRecord>* objects = nullptr;
};

/// Budgets and strictness of a walk (STYLE.md 9).
struct WalkOptions {
  /// Reject Tier C (canonical-form) violations: no conforming writer produces them.
  bool canonical = true;
  /// Treat pointers outside the own file as external references (a structural inspection
  /// given no deps, §5.8). When false they are `missing_dep`.
  bool allow_external = true;
  /// Keep one ObjectRecord per object, and the object-start index, in the summary.
  bool keep_objects = false;
  /// Compute each object's depth (ObjectRecord::depth, RegionSummary::max_depth). A second
  /// dependent random read per edge: the loader, which never reports depths, turns it off.
  bool depths = true;
  /// Regions pointers may leave into (§5.7 translate order: own data first, then these).
  /// With deps given, a pointer outside the own file and every dep is `missing_dep` unless
  /// allow_external is set.
  std::span<const DepView> deps;
  /// Work budget in units per data word. The walk charges about 3 units per word at most,
  /// so 8 leaves room while still turning any accidental super-linear path into `work_limit`.
  uint64_t work_per_word = 8;
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
  uint64_t work = 0;  ///< work units charged; <= work_per_word * (file_size / 8 + 1)
  std::vector<ObjectRecord> object_list;  ///< only with keep_objects
  std::vector<uint32_t> object_index;     ///< only with keep_objects: data word -> object number + 1
};

/// Walks and checks the data section of `file`, whose header was parsed by
/// parse_file_layout. Returns the first failing check (§8.2 order) as an error.
Result<RegionSummary> walk_region(std::span<const uint8_t> file, const FileHeader& header,
                                  const WalkOptions& options);

}  // namespace cf
