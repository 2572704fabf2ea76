// fuzz_inspect: the input is a region file; `regiontool inspect`'s header parse and structural
// walk must not crash, hang or read out of bounds on it. Oracles (oracles/target_inputs.h):
// lenient superset (lenient validation accepts whatever canonical validation accepts, with
// equal counts; a rejection is typed), work bound.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_inspect_input({data, size}));
  return 0;
}
