// `regiontool check FILE|G.json...`: every applicable oracle of the catalogue
// (oracles/catalogue.h) on each input, one verdict line per oracle.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cf::tool {

struct CheckOptions {
  bool chain = false;                          ///< the files are one save chain
  std::optional<std::string> expect_class;     ///< --expect CLASS[@OFFSET]: the negative-table oracle
  std::optional<uint64_t> expect_offset;
};

/// Exit 0 when every verdict holds or is not applicable, 1 on a finding, 2 usage/I/O.
int run_check(const std::vector<std::string>& inputs, const CheckOptions& o, std::ostream& out, std::ostream& err);

}  // namespace cf::tool
