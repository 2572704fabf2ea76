// The vocabulary of the oracle catalogue (DESIGN.md "The oracles", docs/oracles.md): which
// oracle spoke, and what it said. A finding reads the same wherever it is met: ctest, a fuzz
// target, `regiontool check`, a nightly stage.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cf::oracles {

/// Every oracle of the catalogue. Each is judged by exactly one judge_* function (judges.h).
enum class OracleId : uint8_t {
  path_differential,       ///< the fast (automatic) and the slow path agree: verdict, class, offset, graph
  validate_then_walk,      ///< what is accepted is walked field by field; a rejection is typed and placed
  work_bound,              ///< validation + relocation work <= k_work_bound_per_word per file word
  io_schedule,             ///< EINTR, short reads, failed allocations change nothing but to a clean error
  real_file_reproduction,  ///< re-compacting a loaded file (chain) gives its bytes back
  strategy_differential,   ///< recursive and worklist compaction give identical bytes
  idempotence,             ///< compact(load(compact(G))) == compact(G), across a relocation
  negative_table,          ///< a corrupted file is rejected with its one expected class and offset
  round_trip,              ///< graph -> compact -> load gives the graph back (maximally shared)
  dep_order,               ///< the order deps are given in changes nothing
  lenient_superset,        ///< lenient validation accepts whatever canonical validation accepts, alike
  worker_determinism,      ///< a snapshot loads to the same graph for any worker count and module order
  overlap_hazard,          ///< modules whose saved ranges overlap: each reads, the snapshot never does
  snapshot_round_trip,     ///< a loaded snapshot saved again loads to the same graph, on both paths
  conformance,             ///< another implementation answers as the reference: graph, bytes or rejection
};

struct OracleInfo {
  OracleId id;
  std::string_view name;   ///< stable identifier: `regiontool check --only`, JSON, reports
  std::string_view title;  ///< how reports write it
};

inline constexpr std::array k_oracles = {
    OracleInfo{OracleId::path_differential, "path_differential", "path differential"},
    OracleInfo{OracleId::validate_then_walk, "validate_then_walk", "validate-then-walk"},
    OracleInfo{OracleId::work_bound, "work_bound", "work bound"},
    OracleInfo{OracleId::io_schedule, "io_schedule", "I/O schedule"},
    OracleInfo{OracleId::real_file_reproduction, "real_file_reproduction", "real-file reproduction"},
    OracleInfo{OracleId::strategy_differential, "strategy_differential", "strategy differential"},
    OracleInfo{OracleId::idempotence, "idempotence", "idempotence"},
    OracleInfo{OracleId::negative_table, "negative_table", "negative table"},
    OracleInfo{OracleId::round_trip, "round_trip", "round trip"},
    OracleInfo{OracleId::dep_order, "dep_order", "dep order"},
    OracleInfo{OracleId::lenient_superset, "lenient_superset", "lenient superset"},
    OracleInfo{OracleId::worker_determinism, "worker_determinism", "worker determinism"},
    OracleInfo{OracleId::overlap_hazard, "overlap_hazard", "overlap hazard"},
    OracleInfo{OracleId::snapshot_round_trip, "snapshot_round_trip", "snapshot round trip"},
    OracleInfo{OracleId::conformance, "conformance", "conformance"},
};

constexpr bool oracle_table_matches_enum() {
  for (size_t i = 0; i < k_oracles.size(); ++i)
    if (static_cast<size_t>(k_oracles[i].id) != i) return false;
  return static_cast<size_t>(OracleId::conformance) + 1 == k_oracles.size();
}
static_assert(oracle_table_matches_enum(), "k_oracles must list every OracleId, in enum order");

constexpr std::string_view oracle_name(OracleId id) { return k_oracles[static_cast<size_t>(id)].name; }
constexpr std::string_view oracle_title(OracleId id) { return k_oracles[static_cast<size_t>(id)].title; }
/// Inverse of oracle_name.
std::optional<OracleId> oracle_from_name(std::string_view name);

enum class Outcome : uint8_t { holds, finding, not_applicable };
/// "holds", "FINDING", "n/a": how text reports write an outcome.
std::string_view outcome_name(Outcome o);
/// "holds", "finding", "not_applicable": the stable JSON spelling.
std::string_view outcome_id(Outcome o);

struct Verdict {
  OracleId oracle = OracleId::path_differential;
  Outcome outcome = Outcome::holds;
  std::string reason;  ///< why it is a finding (or not applicable); a short summary when it holds
};

Verdict holds(OracleId oracle, std::string summary = {});
Verdict finding(OracleId oracle, std::string reason);
Verdict not_applicable(OracleId oracle, std::string reason);

/// "<title>: <outcome> - <reason>", one line.
std::string describe(const Verdict& v);

}  // namespace cf::oracles
