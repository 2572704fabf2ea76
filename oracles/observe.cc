// See observe.h.
#include "oracles/observe.h"

#include "oracles/graph_dump.h"

namespace cf::oracles {
namespace {

// Reads every byte of every object of an accepted region: under ASan/UBSan a byte the loader
// accepted but did not really place is a report here, not a silent wrong answer later.
uint64_t touch_every_byte(const Region& r) {
  uint64_t sum = 0;
  for (const ObjectRecord& o : r.objects().records)
    for (uint64_t i = 0; i < o.size; ++i) sum += r.begin()[o.offset + i];
  return sum;
}

}  // namespace

LoadedUnit load_unit(const FileUnit& unit, const LoadSettings& s, std::optional<LoadError>* error,
                     size_t* failed_part) {
  LoadedUnit parts;
  parts.reserve(unit.bytes.size());
  LoadOptions o;
  o.path = s.path;
  o.canonical = s.canonical;
  o.header.flags = s.flags;
  o.libraries = s.libraries;
  for (size_t k = 0; k < unit.bytes.size(); ++k) {
    std::vector<const Region*> deps;
    if (s.dep_order) {
      for (size_t d : s.dep_order(k)) deps.push_back(&parts[d]);
    } else {
      for (const Region& p : parts) deps.push_back(&p);
    }
    auto r = s.from_disk ? Region::load_file(unit.names[k], deps, o, *s.io)
                         : Region::load_bytes(unit.names[k], unit.bytes[k], deps, o, *s.io);
    if (!r) {
      *error = r.take_error();
      if (failed_part != nullptr) *failed_part = k;
      return {};
    }
    parts.push_back(std::move(r.value()));
  }
  return parts;
}

std::vector<const Region*> pointers(const LoadedUnit& parts) {
  std::vector<const Region*> out;
  out.reserve(parts.size());
  for (const Region& p : parts) out.push_back(&p);
  return out;
}

LoadObservation observe_load(const FileUnit& unit, const LoadSettings& settings) {
  LoadObservation o;
  for (const auto& b : unit.bytes) o.bytes += b.size();
  const LoadedUnit parts = load_unit(unit, settings, &o.error, &o.failed_part);
  if (o.error) return o;
  o.accepted = true;
  o.fast_taken = !parts.empty();
  volatile uint64_t sink = 0;
  o.walked = true;
  for (const Region& p : parts) {
    o.parts.push_back({p.name(), p.size(), p.work()});
    o.fast_taken = o.fast_taken && p.path_taken() == LoadPath::fast;
    o.walked = o.walked && p.validated();  // accepted without validation: nothing was walked
    sink = sink + touch_every_byte(p);
  }
  o.graph = dump_graph(pointers(parts), {});
  return o;
}

WalkObservation observe_walk(const std::string& name, std::span<const uint8_t> bytes, bool canonical) {
  WalkObservation o;
  o.work = {name, bytes.size(), 0};
  HeaderOptions header;
  header.flags = FlagsPolicy::declared;
  auto header_or = parse_file_layout(bytes, header);
  if (!header_or) {
    o.error = header_or.take_error();
    o.error->file = name;
    return o;
  }
  WalkOptions walk;
  walk.canonical = canonical;
  auto summary_or = walk_region(bytes, header_or.value(), walk);
  if (!summary_or) {
    o.error = summary_or.take_error();
    o.error->file = name;
    return o;
  }
  o.accepted = true;
  o.work.work = summary_or->work;
  o.objects = summary_or->objects;
  o.max_depth = summary_or->max_depth;
  return o;
}

FileUnit unit_of(const std::vector<std::vector<uint8_t>>& images, const std::string& name) {
  FileUnit u;
  for (size_t k = 0; k < images.size(); ++k) {
    u.names.push_back(name + " part " + std::to_string(k));
    u.bytes.push_back(images[k]);
  }
  return u;
}

}  // namespace cf::oracles
