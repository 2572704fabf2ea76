// The input of fuzz_roundtrip (docs/fuzzing.md): knobs from the tail of the input, the
// generator's seed from all of it, so every byte string is a valid graph:
//   tail[0]  objects 1..256          tail[1]  parts 1..3, v3 (bit 2), non-GMP (bit 3), edge cases (bits 4+5)
//   tail[2]  share %                 tail[3]  structural-copy %
// Shared by the fuzz target (through target_inputs.h), the seed generator and the tests.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/heap.h"
#include "oracles/catalogue.h"

namespace cf::oracles {

struct RoundTripCase {
  std::unique_ptr<Heap> heap;  ///< owns the graph's objects
  GraphInput graph;   ///< the roots and the compactor options to save them with
};

/// Builds the graph `input` describes (deterministic).
RoundTripCase roundtrip_case(std::span<const uint8_t> input);

}  // namespace cf::oracles
