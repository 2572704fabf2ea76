// See region_view.h.
#include "core/region_view.h"

#include <algorithm>

namespace cf {

std::vector<uint32_t> order_by_base(std::span<const RegionView> deps) {
  std::vector<uint32_t> order(deps.size());
  for (uint32_t i = 0; i < deps.size(); ++i) order[i] = i;
#ifndef CF_CANARY_DEP_ORDER  // the planted bug (docs/canaries.md): deps searched in the caller's order
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return deps[a].base.value < deps[b].base.value; });
#endif
  return order;
}

int64_t find_dep(std::span<const RegionView> deps, std::span<const uint32_t> order, LogicalAddr addr) {
  auto it = std::upper_bound(order.begin(), order.end(), addr,
                             [&](LogicalAddr a, uint32_t i) { return a < deps[i].base; });
  if (it == order.begin()) return -1;
  const uint32_t k = *(it - 1);
  return deps[k].offset_of(addr) ? static_cast<int64_t>(k) : -1;
}

}  // namespace cf
