// Seeded random object graphs on a cf::Heap, for the compactor's property tests and fuzzers.
// Graphs are built bottom-up (a node's children always exist before it), so they are acyclic
// by construction; nothing recurses on depth. The same spec gives the same graph shape and
// payloads on every run (addresses aside).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/heap.h"
#include "core/layout.h"

namespace cf::oracles {

struct GenSpec {
  uint64_t seed = 1;
  /// New objects to build, approximately (structural copies count; a part root may add one).
  uint32_t objects = 50;
  /// Children per ctor / array / closure: 0..max_fanout.
  uint32_t max_fanout = 6;
  /// Height cap: a node whose child would make it taller takes a boxed scalar instead.
  uint32_t max_depth = 64;
  /// Percent of child slots that reuse a node already used elsewhere (identity sharing).
  uint32_t share_pct = 20;
  /// Percent of child slots that are boxed scalars.
  uint32_t scalar_pct = 15;
  /// Percent of new nodes whose first child is the previous node: long chains, deep graphs.
  uint32_t chain_pct = 10;
  /// Percent of new nodes that are a structurally identical copy of an existing subtree, built
  /// as new objects (max sharing must merge what it can of it).
  uint32_t dup_pct = 5;
  /// Largest subtree (counted as a tree) a structural copy may duplicate.
  uint32_t dup_max = 64;
  /// Percent of child slots that point at one of `dep_objects` (when it is not empty).
  uint32_t dep_pct = 0;
  /// Chain parts: roots 1..3. A later part builds new nodes over earlier ones; its root may
  /// also be an earlier node, a copy of an earlier root, or a scalar.
  uint32_t parts = 1;
  /// Percent of `objects` each part gets; all zero (the default): an even split.
  std::array<uint32_t, 3> part_pct = {0, 0, 0};
  /// Relative weight of each file kind (ctor .. closure, Kind order). Closures need v3.
  std::array<uint32_t, k_num_file_kinds> kind_weights = {30, 12, 6, 10, 6, 3, 3, 4, 3, 0};
  /// Closure m_fun values are closure_fun_base + 8 * [0, 4096).
  uint64_t closure_fun_base = 0x400000;
  /// Addresses of objects in a loaded dep region (m_rc == 0) a child slot may reference.
  std::vector<uint64_t> dep_objects;
  /// Percent of arrays, strings and sarrays built with spare capacity.
  uint32_t spare_pct = 30;
  /// Draw ctor field counts, scalar areas, tags, string and array lengths from the distributions
  /// measured on corpus/real (docs/generators.md) instead of the uniform edge-case mix.
  bool real_shapes = false;
  /// Percent of new nodes that are one of FORMAT.md's size edge cases: a 255-field ctor (the
  /// 8-bit m_other caps a file at 255; 256 is not representable), a ctor with a 1,024-byte
  /// scalar area, an mpz of 8,189-8,200 limbs (m_cs_sz wraps), an array of 4,096-8,191
  /// elements, a 0-field ctor with no scalars.
  uint32_t edge_pct = 0;
};

/// The real-file profile (docs/generators.md): kind mix, field counts, scalar areas, string
/// and array lengths and the share of boxed scalars as measured on corpus/real's 37,081 objects.
GenSpec real_file_profile(uint64_t seed, uint32_t objects);

struct GenGraph {
  std::vector<uint64_t> roots;  ///< one per part: a boxed scalar or an object address
  uint64_t objects = 0;         ///< heap objects built (each mpz counts once)
  uint64_t copies = 0;          ///< objects built by structural copying
  uint64_t dep_refs = 0;        ///< child slots pointing into the dep
};

/// Builds a graph as `spec` says into `heap` (whose gmp() selects the mpz layout).
GenGraph generate(Heap& heap, const GenSpec& spec);

/// A cons list of n cells (ctor tag 1: head box(i), tail), ending in box(0): depth n.
uint64_t deep_list(Heap& heap, uint64_t n);

}  // namespace cf::oracles
