// fuzz_io: a fault schedule plus a region file. The first two bytes choose the schedule, the
// rest is the file, written to an anonymous memory file and loaded from its /proc path:
//   byte 0 % 5: 0 EINTR at read n, 1 short reads of n bytes at every call, 2 malloc fails at
//               call n, 3 mmap misses its hint at call n, 4 read fails with EIO at call n
//   byte 1:     n (1-based; short lengths 1..255)
// Oracle (oracles/target_inputs.h, docs/oracles.md): I/O schedule - the faulted load equals
// the clean load, or is a clean io_error / out_of_memory.
#include <cstddef>
#include <cstdint>

#include "harness/fuzz_check.h"
#include "oracles/target_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CF_REQUIRE_NO_FINDING(cf::oracles::check_io_input({data, size}));
  return 0;
}
