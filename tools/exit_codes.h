// The exit codes every regiontool command shares (DESIGN.md "regiontool"), and how the codes
// of several inputs fold into one.
#pragma once

#include <algorithm>

namespace cf::tool {

enum ExitCode : int {
  exit_ok = 0,        ///< every input was read and held (valid, identical, every verdict holds)
  exit_rejected = 1,  ///< an input was rejected, differs, or an oracle reported a finding
  exit_usage = 2,     ///< bad usage, or an input could not be read or written
};

/// The worse of two codes: usage/I/O (2) beats rejected (1) beats ok (0).
constexpr int worse(int a, int b) { return std::max(a, b); }

}  // namespace cf::tool
