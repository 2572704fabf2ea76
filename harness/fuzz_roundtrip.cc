// fuzz_roundtrip: the input drives the graph generator (harness/roundtrip_input.h: knobs from
// the tail, the seed from all of it), so every input is a valid graph. Oracles
// (docs/oracles.md): strategy differential, round trip (both load paths, against the
// max-shared model dump) and idempotence must hold.
#include <cstdint>
#include <vector>

#include "harness/fuzz_check.h"
#include "harness/roundtrip_input.h"

#include "oracles/catalogue.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> input(data, data + size);  // exact size: over-reads are reported
  const cf::fuzz::RoundTripCase c = cf::fuzz::roundtrip_case(input);
  for (const cf::oracles::Verdict& v : {cf::oracles::strategy_differential(c.graph), cf::oracles::round_trip(c.graph),
                                        cf::oracles::idempotence(c.graph)})
    CF_CHECK(v.outcome != cf::oracles::Outcome::finding, "%s: %s", v.oracle.c_str(), v.reason.c_str());
  return 0;
}
