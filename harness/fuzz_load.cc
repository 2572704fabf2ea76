// fuzz_load: the input is one region file. Oracles (docs/oracles arrive with issue 6):
//   * path differential: the validating load on the automatic (fast where possible) path and
//     on the forced slow path give the same verdict, the same error class, and equal dumps;
//   * validate-then-walk: whatever is accepted is traversed field by field (the canonical dump
//     reads every reachable field; every object's bytes are read too) under ASan/UBSan;
//   * work bound: work <= 4 units per file word (tests/region_test.cc, docs/performance.md).
// Flags byte: the input's last byte bit 0 selects lenient (Tier C off) validation.
// The custom mutator (harness/region_mutator.h) mutates at the object level.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "harness/fuzz_check.h"
#include "harness/region_mutator.h"

#include "core/region.h"
#include "oracles/graph_dump.h"


namespace {

uint64_t touch_every_byte(const cf::Region& r) {
  uint64_t sum = 0;
  for (const cf::ObjectRecord& o : r.summary().object_list)
    for (uint64_t i = 0; i < o.size; ++i) sum += r.begin()[o.offset + i];
  return sum;
}

// The canonical dump, compared as a JSON value (serialising it would double the cost).
nlohmann::json dump(const cf::Region& r) {
  const cf::Region* parts[] = {&r};
  return cf::oracles::dump_graph(parts, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> file(data, data + size);  // exact size: over-reads are reported
  cf::LoadOptions automatic, slow;
  automatic.canonical = slow.canonical = !(size > 0 && (data[size - 1] & 1));
  automatic.header.expected_flags = slow.header.expected_flags = cf::declared_flags(file);
  slow.path = cf::LoadPath::slow;
  auto a = cf::Region::load_bytes("input", file, {}, automatic);
  auto s = cf::Region::load_bytes("input", file, {}, slow);
  CF_CHECK(a.ok() == s.ok(), "verdicts differ: automatic %s, slow %s", a.ok() ? "ok" : a.error().describe().c_str(),
           s.ok() ? "ok" : s.error().describe().c_str());
  if (!a.ok()) {
    CF_CHECK(a.error().code == s.error().code && a.error().offset == s.error().offset,
             "rejections differ: automatic %s, slow %s", a.error().describe().c_str(), s.error().describe().c_str());
    return 0;
  }
  CF_CHECK(dump(a.value()) == dump(s.value()), "dumps differ between the %s and the slow path",
           std::string(cf::load_path_name(a->path_taken())).c_str());
  touch_every_byte(a.value());
  touch_every_byte(s.value());
  CF_CHECK(s->work() <= 4 * (size / 8 + 1), "work %llu over 4 units per word",
           static_cast<unsigned long long>(s->work()));
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return cf::fuzz::mutate_file(data, size, max_size, seed);
}
