// fuzz_roundtrip: the input drives the graph generator (oracles/roundtrip_input.h: knobs from
// the tail, the seed from all of it), so every input is a valid graph. Oracles
// (oracles/target_inputs.h): strategy differential, round trip (both load paths, against the
// max-shared model dump) and idempotence.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_roundtrip_input({data, size}));
  return 0;
}
