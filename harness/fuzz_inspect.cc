// fuzz_inspect: the input is a region file; `regiontool inspect`'s parse + walk must not
// crash, hang or read out of bounds, and its verdicts must be consistent:
//   * lenient mode (Tier C off) accepts everything canonical mode accepts, with equal counts;
//   * an accepted file's work stays within its budget.
// The loader, compactor and their oracles join in later targets (fuzz_load, fuzz_roundtrip).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "harness/fuzz_check.h"

#include "tools/inspect.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Exact-size heap copy: a read past the end is an ASan report, not a silent over-read.
  std::vector<uint8_t> file(data, data + size);
  cf::tool::InspectOptions canonical, lenient;
  lenient.walk.canonical = false;
  const auto strict = cf::tool::inspect_bytes("input", file, canonical);
  const auto loose = cf::tool::inspect_bytes("input", file, lenient);
  CF_CHECK(strict.exit_code == 0 || strict.exit_code == 1, "exit code %d", strict.exit_code);
  if (strict.error) CF_CHECK(!strict.error->message.empty(), "empty message for %s", strict.error->describe().c_str());
  if (!strict.error) {
    CF_CHECK(!loose.error, "lenient rejected what canonical accepted: %s", loose.error->describe().c_str());
    CF_CHECK(strict.summary->objects == loose.summary->objects, "object counts differ");
    CF_CHECK(strict.summary->max_depth == loose.summary->max_depth, "depths differ");
    CF_CHECK(strict.summary->work <= 8 * (size / 8 + 1), "work %llu over budget",
             static_cast<unsigned long long>(strict.summary->work));
  }
  return 0;
}
