#include "oracles/roundtrip_input.h"

#include "core/name_hash.h"
#include "core/placement.h"
#include "oracles/generator.h"

namespace cf::oracles {
namespace {

constexpr uint64_t k_lib_base = 0x400000;  // where the generated closures' library "lies"

}  // namespace

RoundTripCase roundtrip_case(std::span<const uint8_t> input) {
  const auto tail = [&](size_t k) -> uint8_t { return input.size() > k ? input[input.size() - 1 - k] : 0; };
  const uint8_t shape = tail(1);
  const bool v3 = shape & 4, gmp = !(shape & 8);
  RoundTripCase c;
  c.heap = std::make_unique<Heap>(gmp);
  GenSpec spec;
  spec.seed = murmur64a(input, 0x5eed);
  spec.objects = 1u + tail(0);
  spec.parts = 1u + shape % 3;
  spec.edge_pct = (shape & 48) == 48 ? 5 : 0;  // a quarter of inputs: the edge cases are large
  spec.share_pct = tail(2) % 60;
  spec.dup_pct = tail(3) % 30;
  spec.closure_fun_base = k_lib_base;
  if (v3) spec.kind_weights[static_cast<size_t>(Kind::closure)] = 4;
  const GenGraph g = generate(*c.heap, spec);
  c.graph.roots = g.roots;
  c.graph.gmp = gmp;
  c.graph.options.base_addr = placement::k_generated;
  c.graph.options.flags = gmp ? k_flag_gmp : 0;
  c.graph.options.format = v3 ? Format::v3 : Format::v2;
  c.graph.options.libraries = {{k_lib_base, ""}};  // "": the main program, loaded in every process
  return c;
}

}  // namespace cf::oracles
