// See judges.h. Pure functions of observations: no loading, no compacting, no I/O.
#include "oracles/judges.h"

#include <algorithm>
#include <cstdio>

namespace cf::oracles {
namespace {

using nlohmann::json;

std::string describe(const std::optional<LoadError>& e) { return e ? e->describe() : std::string("no error"); }

std::string verdict_text(const LoadObservation& o) {
  if (o.accepted) return "accepted";
  std::string s = "rejected";
  if (o.failed_part > 0) s += " at part " + std::to_string(o.failed_part);
  return s + ": " + describe(o.error);
}

// The first node where two dumps differ, or the roots/metadata when the nodes agree.
std::string first_difference(const json& a, const json& b) {
  const json &an = a.at("nodes"), &bn = b.at("nodes");
  for (size_t i = 0; i < std::min(an.size(), bn.size()); ++i)
    if (an[i] != bn[i])
      return "node " + std::to_string(i) + ": " + an[i].dump().substr(0, 120) + " vs " + bn[i].dump().substr(0, 120);
  if (an.size() != bn.size()) return std::to_string(an.size()) + " nodes vs " + std::to_string(bn.size());
  return "part metadata or roots: " + a.at("parts").dump().substr(0, 160) + " vs " + b.at("parts").dump().substr(0, 160);
}

// Two loads of the same unit agree: verdict, failing part, class and offset, then the graph.
Verdict agreement(OracleId id, const char* label_a, const LoadObservation& a, const char* label_b,
                  const LoadObservation& b) {
  const std::string both =
      std::string(label_a) + " " + verdict_text(a) + "; " + label_b + " " + verdict_text(b);
  if (a.accepted != b.accepted) return finding(id, both);
  if (!a.accepted) {
    if (!a.error || !b.error) return finding(id, "a rejection without an error: " + both);
    if (a.failed_part != b.failed_part || a.error->code != b.error->code || a.error->offset != b.error->offset)
      return finding(id, "the rejections differ: " + both);
    return holds(id, "both reject: " + std::string(error_name(a.error->code)));
  }
  if (a.graph != b.graph) return finding(id, std::string("the graphs differ at ") + first_difference(a.graph, b.graph));
  return holds(id, "graphs identical");
}

// A rejection is typed, has a message, names its file, and lies inside the input.
std::optional<std::string> rejection_problem(const std::optional<LoadError>& e, uint64_t bytes) {
  if (!e) return "rejected without an error";
  if (e->file.empty()) return "rejection names no file: " + e->describe();
  if (e->message.empty()) return "rejection without a message: " + e->describe();
  if (e->offset > bytes) return "rejection offset past the input: " + e->describe();
  return std::nullopt;
}

}  // namespace

Verdict judge_paths(const LoadObservation& automatic, const LoadObservation& slow) {
  Verdict v = agreement(OracleId::path_differential, "automatic path", automatic, "slow path", slow);
  if (v.outcome == Outcome::holds && automatic.accepted)
    v.reason += automatic.fast_taken ? " (fast path taken)" : " (fast path unavailable)";
  return v;
}

Verdict judge_dep_order(const LoadObservation& in_order, const LoadObservation& permuted) {
  return agreement(OracleId::dep_order, "deps in order", in_order, "deps permuted", permuted);
}

Verdict judge_walk(const LoadObservation& o) {
  const OracleId id = OracleId::validate_then_walk;
  if (o.accepted) {
    if (!o.walked || o.graph.is_null()) return finding(id, "accepted, but not every field was walked");
    return holds(id, "accepted; every field walked");
  }
  if (auto problem = rejection_problem(o.error, o.bytes)) return finding(id, *problem);
  return holds(id, "rejected with a typed error: " + std::string(error_name(o.error->code)));
}

Verdict judge_work(std::span<const PartWork> parts) {
  const OracleId id = OracleId::work_bound;
  if (parts.empty()) return not_applicable(id, "nothing was loaded");
  std::string summary;
  for (const PartWork& p : parts) {
    const uint64_t words = p.bytes / 8 + 1, bound = k_work_bound_per_word * words;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%llu units for %llu bytes (%.3f per word, bound %llu)",
                  static_cast<unsigned long long>(p.work), static_cast<unsigned long long>(p.bytes),
                  static_cast<double>(p.work) / static_cast<double>(words),
                  static_cast<unsigned long long>(k_work_bound_per_word));
    if (p.work > bound) return finding(id, p.name + ": " + buf);
    if (summary.empty()) summary = buf;
  }
  if (parts.size() > 1) summary = std::to_string(parts.size()) + " parts; first: " + summary;
  return holds(id, summary);
}

Verdict judge_io(const LoadObservation& clean, const std::vector<LoadObservation>& faulted) {
  const OracleId id = OracleId::io_schedule;
  for (size_t i = 0; i < faulted.size(); ++i) {
    const LoadObservation& f = faulted[i];
    const bool clean_error = !f.accepted && f.error &&
                             (f.error->code == ErrorCode::io_error || f.error->code == ErrorCode::out_of_memory);
    const bool same = f.accepted == clean.accepted &&
                      (f.accepted ? f.graph == clean.graph : f.error && clean.error && f.error->code == clean.error->code);
    if (!same && !clean_error)
      return finding(id, "schedule " + std::to_string(i) + " gave " +
                             (f.accepted ? std::string("a different graph") : describe(f.error)) +
                             " where the clean load gave " +
                             (clean.accepted ? std::string("its graph") : describe(clean.error)));
  }
  return holds(id, std::to_string(faulted.size()) + " interrupted loads equal the clean one");
}

Verdict judge_negative(const LoadObservation& o, const std::string& expected_class,
                       std::optional<uint64_t> expected_offset) {
  const OracleId id = OracleId::negative_table;
  if (o.accepted) return finding(id, "accepted; expected " + expected_class);
  if (!o.error) return finding(id, "rejected without an error");
  if (error_name(o.error->code) != expected_class)
    return finding(id, "expected " + expected_class + ", got " + o.error->describe());
  if (expected_offset && o.error->offset != *expected_offset)
    return finding(id, "expected offset " + std::to_string(*expected_offset) + ", got " + o.error->describe());
  return holds(id, o.error->describe());
}

Verdict judge_lenient(const WalkObservation& canonical, const WalkObservation& lenient) {
  const OracleId id = OracleId::lenient_superset;
  if (!canonical.accepted) {
    if (auto problem = rejection_problem(canonical.error, canonical.work.bytes)) return finding(id, *problem);
    return holds(id, "canonical rejects: " + std::string(error_name(canonical.error->code)));
  }
  if (!lenient.accepted) return finding(id, "lenient rejected what canonical accepted: " + describe(lenient.error));
  if (canonical.objects != lenient.objects)
    return finding(id, "object counts differ: canonical " + std::to_string(canonical.objects) + ", lenient " +
                           std::to_string(lenient.objects));
  if (canonical.max_depth != lenient.max_depth)
    return finding(id, "depths differ: canonical " + std::to_string(canonical.max_depth) + ", lenient " +
                           std::to_string(lenient.max_depth));
  return holds(id, "both accept " + std::to_string(canonical.objects) + " objects");
}

namespace {

// How two dumps differ in structure (nodes, then each part's root), or nothing when they agree.
// Compared in place; copies are made only to report.
std::optional<std::string> structural_difference(const json& expected, const json& actual) {
  const json &mn = expected.at("nodes"), &ln = actual.at("nodes");
  const json &mp = expected.at("parts"), &lp = actual.at("parts");
  bool roots_equal = mp.size() == lp.size();
  for (size_t i = 0; roots_equal && i < mp.size(); ++i) roots_equal = mp[i].at("root") == lp[i].at("root");
  if (roots_equal && mn == ln) return std::nullopt;
  for (size_t i = 0; i < std::min(mn.size(), ln.size()); ++i)
    if (mn[i] != ln[i])
      return "node " + std::to_string(i) + ": expected " + mn[i].dump().substr(0, 120) + ", got " +
             ln[i].dump().substr(0, 120);
  if (mn.size() != ln.size()) return std::to_string(mn.size()) + " nodes expected, " + std::to_string(ln.size()) + " got";
  json expected_roots = json::array(), got_roots = json::array();
  for (const json& p : mp) expected_roots.push_back(p.at("root"));
  for (const json& p : lp) got_roots.push_back(p.at("root"));
  return "roots differ: expected " + expected_roots.dump() + ", got " + got_roots.dump();
}

}  // namespace

Verdict judge_round_trip(const json& model, const json& loaded, const std::string& how) {
  const OracleId id = OracleId::round_trip;
  if (auto why = structural_difference(model, loaded)) return finding(id, how + ": " + *why);
  return holds(id, std::to_string(model.at("nodes").size()) + " nodes equal " + how);
}

Verdict judge_workers(const WorkerLoads& loads, const WorkerLoads& reordered, const std::string& snapshot) {
  const OracleId id = OracleId::worker_determinism;
  if (loads.empty() || loads.size() + reordered.size() < 2) return not_applicable(id, "fewer than two loads to compare");
  const auto& [first_how, first] = loads[0];
  for (size_t i = 1; i < loads.size(); ++i) {
    Verdict v = agreement(id, first_how.c_str(), first, loads[i].first.c_str(), loads[i].second);
    if (v.outcome != Outcome::holds) return v;
  }
  // With the modules in another order the lowest failing module may be another one (§6.3).
  const auto in_a_module = [&](const LoadObservation& o) { return o.error && o.error->file != snapshot; };
  for (const auto& [how, load] : reordered) {
    if (in_a_module(first) && in_a_module(load)) continue;
    Verdict v = agreement(id, first_how.c_str(), first, how.c_str(), load);
    if (v.outcome != Outcome::holds) return v;
  }
  return holds(id, std::to_string(loads.size() + reordered.size()) + " loads agree (" +
                       (first.accepted ? "graphs identical" : "the same rejection") + ")");
}

Verdict judge_overlap_hazard(const std::vector<LoadObservation>& modules, const std::vector<LoadObservation>& snapshot) {
  const OracleId id = OracleId::overlap_hazard;
  for (size_t i = 0; i < modules.size(); ++i)
    if (!modules[i].accepted)  // the hazard is of modules that read: a broken one fails every load anyway
      return not_applicable(id, "module " + std::to_string(i) + " does not read alone: " + verdict_text(modules[i]));
  for (size_t i = 0; i < snapshot.size(); ++i) {
    const LoadObservation& s = snapshot[i];
    if (s.accepted || !s.error || s.error->code != ErrorCode::dep_overlap)
      return finding(id, "snapshot load " + std::to_string(i) + ": " + verdict_text(s) + "; expected dep_overlap");
    if (s.error->message.find("`base_addr` range") == std::string::npos)
      return finding(id, "snapshot load " + std::to_string(i) + " without upstream's message: " + s.error->describe());
  }
  if (snapshot.empty()) return not_applicable(id, "no snapshot load observed");
  return holds(id, std::to_string(modules.size()) + " modules read alone; " + std::to_string(snapshot.size()) +
                       " snapshot loads all fail with dep_overlap");
}

Verdict judge_snapshot_round_trip(const LoadObservation& loaded, const Compaction& saved_again,
                                  const std::vector<std::pair<std::string, LoadObservation>>& reloaded) {
  const OracleId id = OracleId::snapshot_round_trip;
  if (!loaded.accepted) return not_applicable(id, "the snapshot does not load: " + verdict_text(loaded));
  if (!saved_again.ok()) return finding(id, "saving the loaded snapshot again failed: " + saved_again.error->describe());
  for (const auto& [how, r] : reloaded) {
    if (!r.accepted) return finding(id, "the snapshot saved again does not load on the " + how + ": " + verdict_text(r));
    if (auto why = structural_difference(loaded.graph, r.graph)) return finding(id, how + ": " + *why);
  }
  return holds(id, std::to_string(loaded.graph.at("nodes").size()) + " nodes equal after a save and a load on " +
                       std::to_string(reloaded.size()) + " paths");
}

Verdict compare_bytes(OracleId oracle, const std::string& what, std::span<const uint8_t> expected,
                      std::span<const uint8_t> actual) {
  const auto m = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  if (m.first == expected.end() && m.second == actual.end()) return holds(oracle, what + ": identical");
  char buf[160];
  const auto at = static_cast<size_t>(m.first - expected.begin());
  std::snprintf(buf, sizeof buf, "%s: first difference at offset %zu (0x%zx); %zu bytes expected, %zu got",
                what.c_str(), at, at, expected.size(), actual.size());
  return finding(oracle, buf);
}

Verdict judge_strategies(const Compaction& w, const Compaction& r) {
  const OracleId id = OracleId::strategy_differential;
  if (w.ok() != r.ok()) return finding(id, "one strategy rejected the graph: " + describe(w.ok() ? r.error : w.error));
  if (!w.ok())
    return w.error->code == r.error->code
               ? holds(id, "both reject: " + std::string(error_name(w.error->code)))
               : finding(id, "different rejections: " + w.error->describe() + " / " + r.error->describe());
  if (w.images.size() != r.images.size())
    return finding(id, std::to_string(w.images.size()) + " parts from worklist, " + std::to_string(r.images.size()) +
                           " from recursive");
  for (size_t k = 0; k < w.images.size(); ++k)
    if (Verdict v = compare_bytes(id, "part " + std::to_string(k), w.images[k], r.images[k]); v.outcome != Outcome::holds)
      return v;
  return holds(id, "worklist and recursive give identical bytes");
}

Verdict judge_idempotence(const Compaction& once, const Compaction& twice) {
  const OracleId id = OracleId::idempotence;
  if (!once.ok()) return not_applicable(id, "not compactable: " + once.error->describe());
  if (!twice.ok()) return finding(id, "compacting the loaded result failed: " + twice.error->describe());
  if (once.images.size() != twice.images.size())
    return finding(id, std::to_string(once.images.size()) + " parts, then " + std::to_string(twice.images.size()));
  for (size_t k = 0; k < once.images.size(); ++k)
    if (Verdict v = compare_bytes(id, "part " + std::to_string(k), once.images[k], twice.images[k]);
        v.outcome != Outcome::holds)
      return v;
  return holds(id, "compacting the compacted graph again gives the same bytes (reloaded on the slow path)");
}

Verdict judge_reproduction(const FileUnit& inputs, std::span<const Reproduction> attempts) {
  const OracleId id = OracleId::real_file_reproduction;
  std::string order;
  for (const Reproduction& a : attempts) {
    const std::string how = " (" + std::string(strategy_name(a.strategy)) + ")";
    if (!a.result.ok()) return finding(id, "the compactor rejected the loaded graph: " + a.result.error->describe());
    if (a.result.images.size() != inputs.bytes.size())
      return finding(id, std::to_string(a.result.images.size()) + " parts from " + std::to_string(inputs.bytes.size()) + how);
    for (size_t k = 0; k < inputs.bytes.size(); ++k)
      if (Verdict v = compare_bytes(id, inputs.names[k] + how, inputs.bytes[k], a.result.images[k]);
          v.outcome != Outcome::holds)
        return v;
    order = a.order == ChildOrder::ascending ? "ascending" : "descending";
  }
  if (attempts.empty()) return not_applicable(id, "no strategy tried");
  return holds(id, "identical with " + std::string(attempts.size() > 1 ? "both strategies" : "one strategy") + " (" +
                       order + " child order)");
}

}  // namespace cf::oracles
