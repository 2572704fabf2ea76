// See reproduction.h.
#include "oracles/reproduction.h"

#include <algorithm>

namespace cf::oracles {

Compaction recompact(const std::vector<const Region*>& parts, Strategy strategy, ChildOrder order) {
  Compaction out;
  if (parts.empty()) return out;
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
  for (const Region* p : parts) {
    compactor.set_text_fields(p->header().version_string, p->header().githash);
    auto image_or = compactor.save(p->root());
    if (!image_or) {
      out.error = image_or.take_error();
      out.images.clear();
      return out;
    }
    out.images.push_back(std::move(image_or.value()));
  }
  return out;
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
