// `regiontool validate` and `regiontool dump`: the loader's command-line face.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "core/region.h"

namespace cf::tool {

struct LoadCmdOptions {
  std::vector<std::string> files;
  bool chain = false;  ///< the files are one save chain: part k read with parts 0..k-1 as deps
  LoadOptions load;
};

/// Validates each file (or the chain); prints one verdict line per file. Exit 0/1/2.
int run_validate(const LoadCmdOptions& o, std::ostream& out, std::ostream& err);
/// Loads and writes the canonical graph dump to `output` ("-" for stdout). Exit 0/1/2.
int run_dump(const LoadCmdOptions& o, const std::string& output, std::ostream& out, std::ostream& err);

}  // namespace cf::tool
