// The input container of fuzz_chain (docs/fuzzing.md): one fuzz input holding a save chain
// of 1-4 regions, each loaded with the regions before it as its deps (chain parts and dep
// regions alike, FORMAT.md §5.7).
//
//   byte 0      bits 0-1: region count - 1; bit 2: lenient (Tier C off); bits 3-7: seed of
//               the dep-order permutation the harness compares against
//   then, for every region but the last: u32 little-endian length L, then L bytes (fewer if
//               the input ends first); the last region is the rest of the input.
//
// Every byte string decodes (a short or empty input is one empty region), so the engine's
// byte mutations stay meaningful; encode(decode(x)) == x for every x that decode consumed
// exactly (lengths that overrun are clamped).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cf::oracles {

inline constexpr size_t k_max_chain_regions = 4;

struct ChainInput {
  std::vector<std::vector<uint8_t>> regions;  ///< 1..4, in load order
  bool lenient = false;
  uint8_t order_seed = 0;  ///< 5 bits
};

ChainInput decode_chain(std::span<const uint8_t> input);
std::vector<uint8_t> encode_chain(const ChainInput& chain);

}  // namespace cf::oracles
