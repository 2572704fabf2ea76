// fuzz_snapshot: a snapshot, its `.deps` sidecar and the module files the sidecar names, in one
// input (oracles/snapshot_input.h); the files are read from anonymous memory files, as a
// snapshot load reads them from disk (FORMAT.md §6). Oracles (oracles/target_inputs.h,
// docs/oracles.md): path differential and validate-then-walk of the snapshot read, worker
// determinism, overlap hazard, snapshot round trip; a sidecar that does not parse must be
// bad_deps_json at a byte of it.
// The custom mutator (harness/snapshot_mutator.h) edits the sidecar as JSON, the set and order
// of files, and the files and the snapshot at the object level.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "harness/snapshot_mutator.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_snapshot_input({data, size}));
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return cf::fuzz::mutate_snapshot(data, size, max_size, seed);
}
