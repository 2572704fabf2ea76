// The structure-aware mutator of fuzz_snapshot (LLVMFuzzerCustomMutator; docs/fuzzing.md). It
// decodes the container (oracles/snapshot_input.h) and changes one thing: the flags; the
// sidecar's JSON as a document (a module dropped, duplicated, moved or added; a field renamed to
// another key, known, ignored or unknown; a field pointed at another file or at none; a value of
// the wrong type; the document wrapped) or as bytes; the set and order of module files; one
// module file or the snapshot at the object level (harness/region_mutator.h, the other files as
// the deps a pointer may aim into); or the whole container as bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace cf::fuzz {

/// One structural edit of a sidecar's JSON text referring to `files` module files; text that does
/// not parse gets a byte-level mutation instead. Returns the edited text.
std::string mutate_sidecar(const std::string& text, size_t files, std::mt19937_64& rng);

/// The LLVMFuzzerCustomMutator body of fuzz_snapshot.
size_t mutate_snapshot(uint8_t* data, size_t size, size_t max_size, unsigned seed);

}  // namespace cf::fuzz
