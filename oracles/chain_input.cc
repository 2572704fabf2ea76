#include "oracles/chain_input.h"

#include <algorithm>

namespace cf::oracles {

ChainInput decode_chain(std::span<const uint8_t> input) {
  ChainInput c;
  if (input.empty()) {
    c.regions.emplace_back();
    return c;
  }
  const uint8_t flags = input[0];
  const size_t count = 1 + (flags & 3);
  c.lenient = (flags & 4) != 0;
  c.order_seed = static_cast<uint8_t>(flags >> 3);
  size_t at = 1;
  for (size_t k = 0; k + 1 < count; ++k) {
    uint32_t len = 0;
    for (size_t b = 0; b < 4; ++b) len |= static_cast<uint32_t>(at + b < input.size() ? input[at + b] : 0) << (8 * b);
    at = std::min(at + 4, input.size());
    const size_t take = std::min<size_t>(len, input.size() - at);
    c.regions.emplace_back(input.begin() + at, input.begin() + at + take);
    at += take;
  }
  c.regions.emplace_back(input.begin() + at, input.end());
  return c;
}

std::vector<uint8_t> encode_chain(const ChainInput& c) {
  std::vector<uint8_t> out;
  const size_t count = std::clamp<size_t>(c.regions.size(), 1, k_max_chain_regions);
  out.push_back(static_cast<uint8_t>((count - 1) | (c.lenient ? 4 : 0) | (c.order_seed << 3)));
  for (size_t k = 0; k < count; ++k) {
    const std::vector<uint8_t> empty;
    const std::vector<uint8_t>& r = k < c.regions.size() ? c.regions[k] : empty;
    if (k + 1 < count) {
      const uint32_t len = static_cast<uint32_t>(r.size());
      for (size_t b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(len >> (8 * b)));
    }
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

}  // namespace cf::oracles
