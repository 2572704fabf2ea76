// See verdict.h.
#include "oracles/verdict.h"

namespace cf::oracles {

std::optional<OracleId> oracle_from_name(std::string_view name) {
  for (const OracleInfo& o : k_oracles)
    if (o.name == name) return o.id;
  return std::nullopt;
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::holds: return "holds";
    case Outcome::finding: return "FINDING";
    case Outcome::not_applicable: return "n/a";
  }
  return "?";
}

std::string_view outcome_id(Outcome o) {
  switch (o) {
    case Outcome::holds: return "holds";
    case Outcome::finding: return "finding";
    case Outcome::not_applicable: return "not_applicable";
  }
  return "?";
}

Verdict holds(OracleId oracle, std::string summary) { return {oracle, Outcome::holds, std::move(summary)}; }
Verdict finding(OracleId oracle, std::string reason) { return {oracle, Outcome::finding, std::move(reason)}; }
Verdict not_applicable(OracleId oracle, std::string reason) {
  return {oracle, Outcome::not_applicable, std::move(reason)};
}

std::string describe(const Verdict& v) {
  std::string s = std::string(oracle_title(v.oracle)) + ": " + std::string(outcome_name(v.outcome));
  if (!v.reason.empty()) s += " - " + v.reason;
  return s;
}

}  // namespace cf::oracles
