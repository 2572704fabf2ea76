// fuzz_load: the input is one region file (the last byte's bit 0 selects lenient validation).
// Oracles (oracles/target_inputs.h, docs/oracles.md): path differential (the automatic and the
// forced slow path agree on verdict, class, offset and graph), validate-then-walk (whatever is
// accepted is read back byte by byte and dumped field by field under ASan/UBSan), work bound.
// The custom mutator (harness/region_mutator.h) mutates at the object level.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "harness/region_mutator.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_load_input({data, size}));
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return cf::fuzz::mutate_file(data, size, max_size, seed);
}
