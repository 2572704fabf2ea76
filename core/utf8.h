// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
// Lean's String invariants (FORMAT.md §1.6) require valid UTF-8 and an exact code-point count.
#pragma once

#include <cstdint>
#include <span>

namespace cf {

struct Utf8Scan {
  bool valid = true;
  uint64_t code_points = 0;
  uint64_t bad_index = 0;  ///< index of the first byte of the invalid sequence, when !valid
};

/// Validates `bytes` and counts code points.
Utf8Scan scan_utf8(std::span<const uint8_t> bytes);

}  // namespace cf
