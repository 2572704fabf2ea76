// See catalogue.h. Observe with the real implementation; judge with small pure functions.
#include "oracles/catalogue.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/header.h"
#include "oracles/graph_dump.h"

namespace cf::oracles {
namespace {

using nlohmann::json;

constexpr uint64_t k_max_short_read = 16;  // short reads of every length 1..16 (issue 4)

std::string describe(const std::optional<LoadError>& e) { return e ? e->describe() : std::string("no error"); }

// Loads a unit as one chain; returns the regions (empty on error, with *error set).
std::vector<Region> load_unit(const FileUnit& unit, LoadPath path, bool from_disk, Io& io,
                              std::optional<LoadError>* error) {
  std::vector<Region> parts;
  parts.reserve(unit.bytes.size());
  LoadOptions o;
  o.path = path;
  for (size_t k = 0; k < unit.bytes.size(); ++k) {
    // A file is judged under the flags it declares: H4 (flags == the build's) is a question of
    // configuration, and non-GMP graphs must load too.
    o.header.expected_flags = declared_flags(unit.bytes[k]);
    std::vector<const Region*> deps;
    for (const Region& p : parts) deps.push_back(&p);
    auto r = from_disk ? Region::load_file(unit.names[k], deps, o, io)
                       : Region::load_bytes(unit.names[k], unit.bytes[k], deps, o, io);
    if (!r) {
      *error = r.take_error();
      return {};
    }
    parts.push_back(std::move(r.value()));
  }
  return parts;
}

LoadObservation observe(const FileUnit& unit, LoadPath path, bool from_disk, Io& io) {
  LoadObservation o;
  for (const auto& b : unit.bytes) o.bytes += b.size();
  auto parts = load_unit(unit, path, from_disk, io, &o.error);
  if (o.error) return o;
  std::vector<const Region*> ptrs;
  o.fast_taken = !parts.empty();
  for (const Region& p : parts) {
    ptrs.push_back(&p);
    o.work += p.work();
    o.fast_taken = o.fast_taken && p.path_taken() == LoadPath::fast;
  }
  o.accepted = true;
  o.dump = dump_graph(ptrs, {}).dump();
  return o;
}

std::vector<const Region*> pointers(const std::vector<Region>& parts) {
  std::vector<const Region*> out;
  for (const Region& p : parts) out.push_back(&p);
  return out;
}

FileUnit unit_of(const std::vector<std::vector<uint8_t>>& images, const std::string& name) {
  FileUnit u;
  for (size_t k = 0; k < images.size(); ++k) {
    u.names.push_back(name + " part " + std::to_string(k));
    u.bytes.push_back(images[k]);
  }
  return u;
}

// Compacts graph roots as one chain.
Result<std::vector<std::vector<uint8_t>>> compact_chain(const GraphInput& g, Strategy s) {
  CompactorOptions o = g.options;
  o.strategy = s;
  Compactor c(o);
  std::vector<std::vector<uint8_t>> images;
  for (uint64_t root : g.roots) {
    auto r = c.save(root);
    if (!r) return r.take_error();
    images.push_back(std::move(r.value()));
  }
  return images;
}

// The structural part of a dump: nodes and part roots (part metadata differs by design).
json structure(const json& dump) {
  json roots = json::array();
  for (const json& p : dump.at("parts")) roots.push_back(p.at("root"));
  return {{"nodes", dump.at("nodes")}, {"roots", roots}};
}

// Strategy differential's judgement of the two strategies' images (file and graph forms).
Verdict judge_strategies(const std::string& name, const Result<std::vector<std::vector<uint8_t>>>& w,
                         const Result<std::vector<std::vector<uint8_t>>>& r) {
  if (w.ok() != r.ok()) return finding(name, "one strategy rejected the graph: " + (w.ok() ? r : w).error().describe());
  if (!w.ok())
    return w.error().code == r.error().code
               ? holds(name, "both reject: " + std::string(error_name(w.error().code)))
               : finding(name, "different rejections: " + w.error().describe() + " / " + r.error().describe());
  if (w.value().size() != r.value().size())
    return finding(name, std::to_string(w.value().size()) + " parts from worklist, " +
                             std::to_string(r.value().size()) + " from recursive");
  for (size_t k = 0; k < w.value().size(); ++k)
    if (Verdict v = judge_bytes(name, "part " + std::to_string(k), w.value()[k], r.value()[k]);
        v.outcome != Outcome::holds)
      return v;
  return holds(name, "worklist and recursive give identical bytes");
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::holds: return "holds";
    case Outcome::finding: return "FINDING";
    case Outcome::not_applicable: return "n/a";
  }
  return "?";
}

Verdict holds(std::string oracle, std::string summary) { return {std::move(oracle), Outcome::holds, std::move(summary)}; }
Verdict finding(std::string oracle, std::string reason) {
  return {std::move(oracle), Outcome::finding, std::move(reason)};
}
Verdict not_applicable(std::string oracle, std::string reason) {
  return {std::move(oracle), Outcome::not_applicable, std::move(reason)};
}

LoadObservation observe_load(const FileUnit& unit, LoadPath path, Io& io) { return observe(unit, path, false, io); }
LoadObservation observe_load_files(const FileUnit& unit, LoadPath path, Io& io) { return observe(unit, path, true, io); }

Result<std::vector<std::vector<uint8_t>>> recompact(const std::vector<const Region*>& parts, Strategy strategy,
                                                    ChildOrder order) {
  std::vector<std::vector<uint8_t>> images;
  if (parts.empty()) return images;
  const FileHeader& h0 = parts[0]->header();
  CompactorOptions c;
  c.strategy = strategy;
  c.child_order = order;
  c.format = h0.format;
  c.flags = h0.flags;
  c.base_addr = h0.base_addr;  // never recomputed from a key (§9.3: the May 2022 file breaks §3.2)
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
    if (!image_or) return image_or.take_error();
    images.push_back(std::move(image_or.value()));
  }
  return images;
}

// ---- judges ----------------------------------------------------------------------------------

Verdict judge_paths(const LoadObservation& fast, const LoadObservation& slow) {
  const std::string o = "path differential";
  if (fast.accepted != slow.accepted)
    return finding(o, std::string("automatic path ") + (fast.accepted ? "accepted" : "rejected") + ", slow path " +
                          (slow.accepted ? "accepted" : "rejected") + ": " +
                          describe(fast.accepted ? slow.error : fast.error));
  if (!fast.accepted) {
    if (fast.error->code != slow.error->code)
      return finding(o, "the paths reject with different classes: " + fast.error->describe() + " / " +
                            slow.error->describe());
    return holds(o, std::string("both reject: ") + std::string(error_name(fast.error->code)));
  }
  if (fast.dump != slow.dump) {
    const auto m = std::mismatch(fast.dump.begin(), fast.dump.end(), slow.dump.begin(), slow.dump.end());
    return finding(o, "the dumps differ at character " + std::to_string(m.first - fast.dump.begin()));
  }
  return holds(o, std::string("dumps identical") + (fast.fast_taken ? " (fast path taken)" : " (fast path unavailable)"));
}

Verdict judge_bytes(const std::string& oracle, const std::string& what, std::span<const uint8_t> expected,
                    std::span<const uint8_t> actual) {
  const auto m = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  if (m.first == expected.end() && m.second == actual.end()) return holds(oracle, what + ": identical");
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s: first difference at offset %zu (0x%zx); %zu bytes expected, %zu got",
                what.c_str(), static_cast<size_t>(m.first - expected.begin()),
                static_cast<size_t>(m.first - expected.begin()), expected.size(), actual.size());
  return finding(oracle, buf);
}

Verdict judge_work(const LoadObservation& o, uint64_t c) {
  const std::string name = "work bound";
  if (!o.accepted) return not_applicable(name, "rejected: " + describe(o.error));
  const uint64_t bound = c * (o.bytes / 8 + 1);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%llu units for %llu bytes (%.3f per word, bound %llu)",
                static_cast<unsigned long long>(o.work), static_cast<unsigned long long>(o.bytes),
                static_cast<double>(o.work) / static_cast<double>(o.bytes / 8 + 1), static_cast<unsigned long long>(c));
  return o.work <= bound ? holds(name, buf) : finding(name, buf);
}

Verdict judge_walk(const LoadObservation& o) {
  const std::string name = "validate-then-walk";
  if (o.accepted)
    return o.dump.empty() ? finding(name, "accepted, but the walk of every field produced nothing")
                          : holds(name, "accepted; every field walked");
  if (!o.error) return finding(name, "rejected without an error");
  if (o.error->file.empty()) return finding(name, "rejection names no file: " + o.error->describe());
  if (o.error->offset > o.bytes) return finding(name, "rejection offset past the input: " + o.error->describe());
  return holds(name, "rejected with a typed error: " + std::string(error_name(o.error->code)));
}

Verdict judge_io(const LoadObservation& clean, const std::vector<LoadObservation>& faulted) {
  const std::string name = "I/O schedule";
  for (size_t i = 0; i < faulted.size(); ++i) {
    const LoadObservation& f = faulted[i];
    const bool clean_error = !f.accepted && f.error &&
                             (f.error->code == ErrorCode::io_error || f.error->code == ErrorCode::out_of_memory);
    const bool same = f.accepted == clean.accepted &&
                      (f.accepted ? f.dump == clean.dump : f.error && clean.error && f.error->code == clean.error->code);
    if (!same && !clean_error)
      return finding(name, "schedule " + std::to_string(i) + " gave " +
                               (f.accepted ? std::string("a different graph") : describe(f.error)) +
                               " where the clean load gave " +
                               (clean.accepted ? std::string("its graph") : describe(clean.error)));
  }
  return holds(name, std::to_string(faulted.size()) + " interrupted loads equal the clean one");
}

Verdict judge_dumps(const std::string& oracle, const json& expected, const json& actual) {
  // Compared in place (nodes, then each part's root); copies are made only to report.
  const json &en = expected.at("nodes"), &an = actual.at("nodes");
  const json &ep = expected.at("parts"), &ap = actual.at("parts");
  bool roots_equal = ep.size() == ap.size();
  for (size_t i = 0; roots_equal && i < ep.size(); ++i) roots_equal = ep[i].at("root") == ap[i].at("root");
  if (roots_equal && en == an) return holds(oracle, std::to_string(en.size()) + " nodes equal");
  const json e = structure(expected), a = structure(actual);
  for (size_t i = 0; i < std::min(en.size(), an.size()); ++i)
    if (en[i] != an[i])
      return finding(oracle, "node " + std::to_string(i) + ": expected " + en[i].dump().substr(0, 120) + ", got " +
                                 an[i].dump().substr(0, 120));
  if (en.size() != an.size())
    return finding(oracle, std::to_string(en.size()) + " nodes expected, " + std::to_string(an.size()) + " got");
  return finding(oracle, "roots differ: expected " + e.at("roots").dump() + ", got " + a.at("roots").dump());
}

Verdict judge_negative(const LoadObservation& o, const std::string& expected_class,
                       std::optional<uint64_t> expected_offset) {
  const std::string name = "negative table";
  if (o.accepted) return finding(name, "accepted; expected " + expected_class);
  if (!o.error) return finding(name, "rejected without an error");
  if (error_name(o.error->code) != expected_class)
    return finding(name, "expected " + expected_class + ", got " + o.error->describe());
  if (expected_offset && o.error->offset != *expected_offset)
    return finding(name, "expected offset " + std::to_string(*expected_offset) + ", got " + o.error->describe());
  return holds(name, o.error->describe());
}

// ---- file-unit oracles -----------------------------------------------------------------------

Verdict path_differential(const FileUnit& unit) {
  return judge_paths(observe_load(unit, LoadPath::automatic), observe_load(unit, LoadPath::slow));
}

Verdict validate_then_walk(const FileUnit& unit) { return judge_walk(observe_load(unit, LoadPath::slow)); }

Verdict work_bound(const FileUnit& unit, uint64_t c) { return judge_work(observe_load(unit, LoadPath::slow), c); }

Verdict io_schedule(const FileUnit& unit) {
  for (const std::string& n : unit.names)
    if (::access(n.c_str(), R_OK) != 0) return not_applicable("I/O schedule", "not a file on disk: " + n);
  FaultIo counter;
  const LoadObservation clean = observe(unit, LoadPath::slow, true, counter);
  std::vector<LoadObservation> faulted;
  for (uint64_t n = 1; n <= counter.calls(IoCall::read); ++n) {
    FaultIo io({{IoCall::read, n, IoEffect::eintr}});
    faulted.push_back(observe(unit, LoadPath::slow, true, io));
  }
  for (uint64_t len = 1; len <= k_max_short_read; ++len) {
    FaultIo io({}, true, len);
    faulted.push_back(observe(unit, LoadPath::slow, true, io));
  }
  return judge_io(clean, faulted);
}

Verdict real_file_reproduction(const FileUnit& unit) {
  const std::string name = "real-file reproduction";
  std::optional<LoadError> err;
  auto parts = load_unit(unit, LoadPath::automatic, false, real_io(), &err);
  if (err) return not_applicable(name, "rejected: " + err->describe());
  std::vector<std::string> orders;
  for (Strategy s : {Strategy::worklist, Strategy::recursive}) {
    Verdict v = finding(name, "");
    for (ChildOrder order : {ChildOrder::ascending, ChildOrder::descending}) {
      if (order == ChildOrder::descending && parts[0].header().format != Format::v0) break;  // pre-#2286 only
      auto images = recompact(pointers(parts), s, order);
      if (!images) return finding(name, "the compactor rejected the loaded graph: " + images.error().describe());
      v = holds(name);
      for (size_t k = 0; k < parts.size() && v.outcome == Outcome::holds; ++k)
        v = judge_bytes(name, unit.names[k] + " (" + std::string(strategy_name(s)) + ")", unit.bytes[k],
                        images.value()[k]);
      if (v.outcome == Outcome::holds) {
        orders.push_back(order == ChildOrder::ascending ? "ascending" : "descending");
        break;
      }
    }
    if (v.outcome != Outcome::holds) return v;
  }
  return holds(name, "identical with both strategies (" + orders[0] + " child order)");
}

Verdict strategy_differential(const FileUnit& unit) {
  const std::string name = "strategy differential";
  std::optional<LoadError> err;
  auto parts = load_unit(unit, LoadPath::automatic, false, real_io(), &err);
  if (err) return not_applicable(name, "rejected: " + err->describe());
  return judge_strategies(name, recompact(pointers(parts), Strategy::worklist, ChildOrder::ascending),
                          recompact(pointers(parts), Strategy::recursive, ChildOrder::ascending));
}

Verdict idempotence(const FileUnit& unit) {
  const std::string name = "idempotence";
  std::optional<LoadError> err;
  auto parts = load_unit(unit, LoadPath::automatic, false, real_io(), &err);
  if (err) return not_applicable(name, "rejected: " + err->describe());
  auto once = recompact(pointers(parts), Strategy::worklist, ChildOrder::ascending);
  if (!once) return not_applicable(name, "not compactable: " + once.error().describe());
  const FileUnit first = unit_of(once.value(), unit.names[0] + " (compacted)");
  auto loaded = load_unit(first, LoadPath::slow, false, real_io(), &err);
  if (err) return finding(name, "the compacted bytes do not load: " + err->describe());
  auto twice = recompact(pointers(loaded), Strategy::worklist, ChildOrder::ascending);
  if (!twice) return finding(name, "compacting the loaded result failed: " + twice.error().describe());
  for (size_t k = 0; k < once.value().size(); ++k)
    if (Verdict v = judge_bytes(name, "part " + std::to_string(k), once.value()[k], twice.value()[k]);
        v.outcome != Outcome::holds)
      return v;
  return holds(name, "compact(load(compact(load(x)))) == compact(load(x)), loaded on the slow path");
}

Verdict negative_table(const FileUnit& unit, const std::string& expected_class, std::optional<uint64_t> offset) {
  return judge_negative(observe_load(unit, LoadPath::slow), expected_class, offset);
}

std::vector<Verdict> check_file_unit(const FileUnit& unit) {
  return {path_differential(unit),      validate_then_walk(unit),     work_bound(unit),
          io_schedule(unit),            real_file_reproduction(unit), strategy_differential(unit),
          idempotence(unit)};
}

// ---- graph oracles ---------------------------------------------------------------------------

Verdict strategy_differential(const GraphInput& g) {
  return judge_strategies("strategy differential", compact_chain(g, Strategy::worklist),
                          compact_chain(g, Strategy::recursive));
}

Verdict round_trip(const GraphInput& g) {
  const std::string name = "round trip";
  if (!g.options.deps.empty()) return not_applicable(name, "graphs with dep regions: see CompactorProperty.RoundTrip");
  auto images = compact_chain(g, Strategy::worklist);
  if (!images) return not_applicable(name, "not compactable: " + images.error().describe());
  const json model = dump_memory_graph(g.roots, {}, g.gmp, true);
  const FileUnit unit = unit_of(images.value(), "graph");
  for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
    // The dump is judged as a JSON value: serialising it and parsing it back cost a third of
    // this oracle (fuzz_roundtrip runs it on every input).
    std::optional<LoadError> error;
    const std::vector<Region> parts = load_unit(unit, path, false, real_io(), &error);
    if (error) return finding(name, "the compacted graph does not load: " + describe(error));
    if (Verdict v = judge_dumps(name, model, dump_graph(pointers(parts), {})); v.outcome != Outcome::holds) return v;
  }
  return holds(name, std::to_string(model.at("nodes").size()) + " nodes equal the max-shared source on both paths");
}

Verdict idempotence(const GraphInput& g) {
  const std::string name = "idempotence";
  if (!g.options.deps.empty()) return not_applicable(name, "graphs with dep regions: see CompactorProperty.Idempotence");
  auto images = compact_chain(g, Strategy::worklist);
  if (!images) return not_applicable(name, "not compactable: " + images.error().describe());
  return idempotence(unit_of(images.value(), "graph"));
}

std::vector<Verdict> check_graph(const GraphInput& g) {
  std::vector<Verdict> out = {strategy_differential(g), round_trip(g), idempotence(g)};
  auto images = compact_chain(g, Strategy::worklist);
  if (!images) return out;
  const FileUnit unit = unit_of(images.value(), "graph");
  out.push_back(path_differential(unit));
  out.push_back(validate_then_walk(unit));
  out.push_back(work_bound(unit));
  return out;
}

}  // namespace cf::oracles
