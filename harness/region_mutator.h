// The structure-aware mutator of fuzz_load and fuzz_chain (LLVMFuzzerCustomMutator;
// docs/fuzzing.md). It maps a region the way a reader would - header, root slot, objects
// and their pointer slots - tolerantly, as far as object sizes make sense, and then changes
// one thing at the object level (Cap'n Proto's structural mutation, FUZZING.md §3): a
// pointer to another object start, just off one, into a dep, a size, a tag, a field count,
// a string length, a header field, or a cut at an object boundary. Inputs it cannot map, and
// one mutation in five, get libFuzzer's own byte-level mutation instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "core/region_view.h"

namespace cf::fuzz {

/// One object as the tolerant map saw it.
struct MappedObject {
  uint64_t offset = 0;      ///< file offset of the header
  uint64_t size = 0;        ///< step to the next object (may run past the data end: the last one)
  uint8_t tag = 0;
  uint64_t slot_first = 0;  ///< pointer slots, from the object start
  uint64_t slot_count = 0;  ///< clamped to the bytes present
};

/// A region as far as it could be read. `header_ok` is false when the magic is unknown.
struct RegionMap {
  bool header_ok = false;
  uint8_t version = 0;       ///< 0 for v0 ("oleanfile!!!!!!!"), else the version byte (1-3)
  uint64_t data_start = 0;   ///< D: the root slot's offset
  uint64_t data_end = 0;     ///< end of the data section (v3: D + data_size, clamped)
  uint64_t base_addr = 0;
  uint64_t base_offset = 0;  ///< file offset of the base_addr field
  std::vector<MappedObject> objects;
};

/// Maps `file` tolerantly; never reads out of bounds, whatever the bytes.
RegionMap map_region(std::span<const uint8_t> file);

enum class Mutation : uint8_t {
  pointer_to_object,   ///< a slot or the root -> another object's start
  pointer_off_object,  ///< ... -> just off one (+-1, +-8, +4, one past its end)
  pointer_into_dep,    ///< ... -> an object of a dep region (or just off one)
  pointer_to_scalar,   ///< ... -> a boxed scalar, null, or a far address
  object_size,         ///< m_cs_sz, m_size, m_capacity, mpz size
  tag,                 ///< m_tag -> another kind, a reserved tag, a large ctor tag
  field_count,         ///< m_other: ctor field count, scalar-array element size
  string_length,       ///< String m_length, m_size, a content byte (NUL, bad UTF-8)
  header_field,        ///< magic, version, flags, base_addr, data_size, version string
  truncate_at_object,  ///< cut at an object boundary (+0, +-1, +8)
  ref_count,           ///< m_rc -> non-zero
  byte_level,          ///< fallback: the engine's (or a simple) byte mutation
};
inline constexpr size_t k_num_mutations = 12;
std::string_view mutation_name(Mutation m);

/// The engine's own byte-level mutation of `bytes` (LLVMFuzzerMutate, with its dictionary),
/// or, without libFuzzer, a few bit flips; never past max_size (an empty input gets one byte).
void byte_mutate(std::vector<uint8_t>& bytes, size_t max_size, std::mt19937_64& rng);

/// A region's bytes as a dep a pointer may be aimed into (its base as the tolerant map reads it).
RegionView view_of(std::span<const uint8_t> region);

/// Applies mutation `m` to `region` (resizing it only to cut). Returns false, unchanged, when
/// `m` does not apply (no objects, no deps, no string...).
bool apply_mutation(std::vector<uint8_t>& region, Mutation m, std::span<const RegionView> deps, std::mt19937_64& rng);

/// Picks and applies one mutation (a structural one when the region maps); returns it.
Mutation mutate_region(std::vector<uint8_t>& region, size_t max_size, std::span<const RegionView> deps,
                       std::mt19937_64& rng);

/// LLVMFuzzerCustomMutator bodies: fuzz_load's input is one region; fuzz_chain's is a
/// chain container (oracles/chain_input.h) whose regions are mutated with the regions
/// before them as deps.
size_t mutate_file(uint8_t* data, size_t size, size_t max_size, unsigned seed);
size_t mutate_chain(uint8_t* data, size_t size, size_t max_size, unsigned seed);

}  // namespace cf::fuzz
