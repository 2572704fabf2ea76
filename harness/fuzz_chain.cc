// fuzz_chain: a save chain of 1-4 regions in one input (oracles/chain_input.h): region k is
// loaded with regions 0..k-1 as its deps, the way chain parts and dep regions are (FORMAT.md
// §5.7, §6). Oracles (oracles/target_inputs.h, docs/oracles.md): path differential
// chain-wide, dep order (every region loaded with its deps permuted agrees: upstream's eager
// dep sort, §5.7), validate-then-walk, work bound per region.
// The custom mutator (harness/region_mutator.h) mutates one region at the object level.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "harness/region_mutator.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_chain_input({data, size}));
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return cf::fuzz::mutate_chain(data, size, max_size, seed);
}
