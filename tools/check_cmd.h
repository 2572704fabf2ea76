// `regiontool check INPUT...`: every applicable oracle of the catalogue (oracles/catalogue.h)
// on each input - a region file, a save chain (--chain), or a graph document (*.json) - one
// verdict per oracle, as text lines or JSON Lines (docs/regiontool.md).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "oracles/verdict.h"

namespace cf::tool {

struct CheckOptions {
  bool chain = false;                          ///< the region files are one save chain
  std::optional<std::string> expect_class;     ///< --expect CLASS[@OFFSET]: the negative-table oracle
  std::optional<uint64_t> expect_offset;
  std::vector<oracles::OracleId> only;         ///< --only: report just these oracles (all when empty)
  bool json = false;                           ///< --json: one JSON object per unit and line
  bool units_from_stdin = false;               ///< --units: units as JSON lines on stdin
  std::string unit_id;                         ///< echoed as "id" in the unit's JSON line
};

/// Exit 0 when every verdict holds or is not applicable, 1 on a finding, 2 usage/I/O.
int run_check(const std::vector<std::string>& inputs, const CheckOptions& o, std::ostream& out, std::ostream& err);

/// --units: one unit per input line, {"id": "...", "files": [...], "chain": bool}; each is
/// checked as run_check would and answered with one JSON line (with its "id"), flushed, so a
/// driver can keep one process per worker. A line that is not such an object is answered with
/// an "error". Exit 0 at the end of input.
int run_check_units(std::istream& in, const CheckOptions& o, std::ostream& out, std::ostream& err);

}  // namespace cf::tool
