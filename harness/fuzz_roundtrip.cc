// fuzz_roundtrip: the input drives the graph generator (oracles/generator.h). Knobs come
// from the tail of the input, the seed from all of it, so every input is a valid graph:
//   tail[0]  objects 1..256          tail[1]  parts 1..3, v3 (bit 2), non-GMP (bit 3), edge cases (bits 4+5)
//   tail[2]  share %                 tail[3]  structural-copy %
// Oracles (docs/oracles.md): strategy differential, round trip (both load paths, against the
// max-shared model dump) and idempotence must hold.
#include <cstdint>
#include <string>
#include <vector>

#include "harness/fuzz_check.h"

#include "core/heap.h"
#include "core/name_hash.h"
#include "oracles/catalogue.h"
#include "oracles/generator.h"

namespace {

constexpr uint64_t k_base = 0x7ebd00000000ULL;  // inside every sanitizer's application range
constexpr uint64_t k_lib_base = 0x400000;

uint8_t tail(const std::vector<uint8_t>& in, size_t k) { return in.size() > k ? in[in.size() - 1 - k] : 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> input(data, data + size);  // exact size: over-reads are reported
  const uint8_t shape = tail(input, 1);
  const bool v3 = shape & 4, gmp = !(shape & 8);
  cf::Heap heap(gmp);
  cf::oracles::GenSpec spec;
  spec.seed = cf::murmur64a(input, 0x5eed);
  spec.objects = 1u + tail(input, 0);
  spec.parts = 1u + shape % 3;
  spec.edge_pct = (shape & 48) == 48 ? 5 : 0;  // a quarter of inputs: the edge cases are large
  spec.share_pct = tail(input, 2) % 60;
  spec.dup_pct = tail(input, 3) % 30;
  spec.closure_fun_base = k_lib_base;
  if (v3) spec.kind_weights[static_cast<size_t>(cf::Kind::closure)] = 4;
  const cf::oracles::GenGraph g = cf::oracles::generate(heap, spec);

  cf::oracles::GraphInput in;
  in.roots = g.roots;
  in.gmp = gmp;
  in.options.base_addr = k_base;
  in.options.flags = gmp ? cf::k_flag_gmp : 0;
  in.options.format = v3 ? cf::Format::v3 : cf::Format::v2;
  in.options.libraries = {{k_lib_base, "libfuzz.so"}};
  for (const cf::oracles::Verdict& v : {cf::oracles::strategy_differential(in), cf::oracles::round_trip(in),
                                        cf::oracles::idempotence(in)})
    CF_CHECK(v.outcome != cf::oracles::Outcome::finding, "%s: %s", v.oracle.c_str(), v.reason.c_str());
  return 0;
}
