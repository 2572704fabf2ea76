// The compactor's state, shared by its three sources (internal to core/):
//   compactor.cc           the chain: parts, headers and trailers, checkpoints and rollback
//   compact_strategies.cc  placing a graph: worklist and recursive strategies (and its thread)
//   compact_kinds.cc       compact_<kind>: one object's compacted image, per kind
//
// One buffer for the whole chain; buffer offset x has logical address base0 + x, and the
// header bytes of each part are reserved as zeros so buffer offsets are file offsets
// (FORMAT.md §4.2). Objects are appended in post-order; a shareable object whose bytes equal
// an earlier one's is rolled back and mapped to that one (§4.4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/compactor_tables.h"
#include "core/fail.h"
#include "core/layout.h"

namespace cf {

struct Compactor::State {
  /// Marks a source object whose subgraph is being placed: meeting it again is a cycle.
  /// Logical addresses are 8-aligned, so 2 is never one (and 1 would look like a scalar).
  static constexpr uint64_t k_pending = 2;

  /// Everything a failed placement must undo; see checkpoint() / restore().
  struct Checkpoint {
    uint64_t buffer_size = 0;
    uint64_t emitted = 0, shared = 0;
    size_t closures = 0;
    std::vector<bool> libs_used;
  };

  explicit State(CompactorOptions o);

  CompactorOptions options;
  std::vector<uint8_t> buffer;
  compaction::AddrMap placed;  // source address -> logical address (or k_pending)
  compaction::ShareSet shared;
  std::vector<RegionView> deps;     // sorted by begin (§4.5: binary search)
  std::vector<LibraryEntry> libs;   // sorted by base (§4.7)
  size_t parts = 0;
  CompactStats stats;
  // The part being saved.
  FileOffset part_start;                   // buffer offset of its file byte 0
  std::vector<uint64_t> closure_fields;   // buffer offsets of emitted closures' m_fun
  std::vector<bool> libs_used;

  LogicalAddr base0() const { return LogicalAddr{options.base_addr}; }
  FileOffset data_start() const { return part_start + header_size(options.format); }
  bool gmp() const { return (options.flags & k_flag_gmp) != 0 || options.format <= Format::v1; }
  LoadError named(LoadError e) const {
    e.file = options.name;
    return e;
  }

  // ---- compactor.cc
  Result<std::vector<uint8_t>> save(uint64_t root);
  Result<std::vector<uint8_t>> finish_part(uint64_t root_word);
  Checkpoint checkpoint() const;
  /// Forgets everything placed since `c`: own addresses and pending marks from its buffer
  /// size on, merges into those bytes, closures. Dep references stay valid and are kept.
  void restore(const Checkpoint& c);

  // ---- compact_strategies.cc
  Result<uint64_t> place_root(uint64_t root);
  Result<uint64_t> place_worklist(uint64_t root);
  Result<uint64_t> place_recursive(uint64_t v, uint64_t depth, uint64_t limit);
  Result<uint64_t> place_recursive_on_thread(uint64_t root);
  /// True when the child needs no placement (scalar, placed, or in a dep); cycle if pending.
  Result<bool> ready(uint64_t child);
  /// The logical address of a dep object (m_rc == 0 inside a dep), or 0.
  uint64_t dep_address(uint64_t v) const;
  uint64_t child(uint64_t obj, const SlotRange& s, uint64_t i) const;
  void prefetch_children(uint64_t obj, const SlotRange& s) const;

  // ---- compact_kinds.cc
  /// Appends v's image (its children are all placed), then merges it if an equal one exists.
  Status emit(uint64_t v);
  /// Writes the image of `src` at buffer offset `at` (= the buffer's size); returns its step.
  Result<uint64_t> compact_object(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_ctor(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_array(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_sarray(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_string(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_mpz_gmp(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_mpz_digits(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_boxed_value(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  Result<uint64_t> compact_closure(const uint8_t* src, const ObjectHeader& h, FileOffset at);
  /// Grows the buffer by `step` zero bytes at `at` (so every padding byte is 0, §1.2).
  uint8_t* grow(FileOffset at, uint64_t step) {
    buffer.resize(at.value + step);
    return buffer.data() + at.value;
  }
  /// A source word as the image stores it: scalars as they are, objects by logical address.
  uint64_t image_word(uint64_t w) const { return is_scalar(w) ? w : placed.get(w); }
  /// Copies `count` slot words from src+from to dst+from, as image words.
  void copy_slots(uint8_t* dst, const uint8_t* src, uint64_t from, uint64_t count) const {
    for (uint64_t i = 0; i < count; ++i) store_u64(dst + from + 8 * i, image_word(load_u64(src + from + 8 * i)));
  }
};

}  // namespace cf
