// Runs the regiontool binary of this build (CF_REGIONTOOL) and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace cf::testsupport {

struct ToolRun {
  int code = -1;       ///< exit status; -1 when it did not exit normally
  std::string output;  ///< stdout and stderr together
};

/// `regiontool ARGS...` through /bin/sh with every argument quoted.
ToolRun run_regiontool(const std::string& binary, const std::vector<std::string>& args);

}  // namespace cf::testsupport
