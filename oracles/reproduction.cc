// See reproduction.h.
#include "oracles/reproduction.h"

#include <algorithm>

namespace cf::oracles {

Compaction save_chain(Compactor& compactor, std::span<const uint64_t> roots,
                      const std::function<void(size_t)>& before_part) {
  Compaction out;
  for (size_t k = 0; k < roots.size(); ++k) {
    if (before_part) before_part(k);
    auto image_or = compactor.save(roots[k]);
    if (!image_or) {
      out.error = image_or.take_error();
      out.images.clear();
      return out;
    }
    out.images.push_back(std::move(image_or.value()));
  }
  return out;
}

Compaction recompact(const std::vector<const Region*>& parts, Strategy strategy, ChildOrder order) {
  if (parts.empty()) return Compaction{};
  const FileHeader& h0 = parts[0]->header();
  CompactorOptions c;
  c.strategy = strategy;
  c.child_order = order;
  c.format = h0.format;
  c.flags = h0.flags;
  c.base_addr = h0.base_addr;
  // Every part lists only the libraries its own closures use (§4.7): the saving process had
  // at least the union of them loaded.
  for (const Region* p : parts)
    for (const LibraryEntry& l : p->header().trailer.libraries)
      if (std::find(c.libraries.begin(), c.libraries.end(), l) == c.libraries.end()) c.libraries.push_back(l);
  c.name = parts[0]->name();
  Compactor compactor(c);
  std::vector<uint64_t> roots;
  for (const Region* p : parts) roots.push_back(p->root());
  return save_chain(compactor, roots, [&](size_t k) {
    compactor.set_text_fields(parts[k]->header().version_string, parts[k]->header().githash);
  });
}

bool reproduces(const Reproduction& r, const FileUnit& inputs) {
  return r.result.ok() && r.result.images == inputs.bytes;
}

Reproduction reproduce(const std::vector<const Region*>& parts, const FileUnit& inputs, Strategy strategy,
                       OrderChoice order) {
  const ChildOrder first = order == OrderChoice::descending ? ChildOrder::descending : ChildOrder::ascending;
  Reproduction r{strategy, first, recompact(parts, strategy, first)};
  const bool legacy = !parts.empty() && parts[0]->header().format == Format::v0;
  if (order == OrderChoice::automatic && legacy && !reproduces(r, inputs)) {
    Reproduction d{strategy, ChildOrder::descending, recompact(parts, strategy, ChildOrder::descending)};
    if (reproduces(d, inputs)) return d;
  }
  return r;
}

}  // namespace cf::oracles
