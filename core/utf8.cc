// See utf8.h.
#include "core/utf8.h"

namespace cf {
namespace {

// Length of the sequence introduced by lead byte b, and the smallest code point it may
// encode (to reject overlong forms); 0 for a byte that cannot start a sequence.
struct Lead {
  unsigned len;
  uint32_t min;
};

Lead lead_of(uint8_t b) {
  if (b < 0x80) return {1, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80};
  if ((b & 0xF0) == 0xE0) return {3, 0x800};
  if (b >= 0xF0 && b <= 0xF4) return {4, 0x10000};
  return {0, 0};
}

}  // namespace

Utf8Scan scan_utf8(std::span<const uint8_t> bytes) {
  Utf8Scan r;
  const uint64_t n = bytes.size();
  uint64_t i = 0;
  while (i < n) {
    const uint8_t b = bytes[i];
    if (b < 0x80) {  // ASCII fast path
      ++i;
      ++r.code_points;
      continue;
    }
    const Lead lead = lead_of(b);
    if (lead.len == 0 || lead.len > n - i) {
      r.valid = false;
      r.bad_index = i;
      return r;
    }
    uint32_t cp = b & (0x7F >> lead.len);
    for (unsigned k = 1; k < lead.len; ++k) {
      const uint8_t c = bytes[i + k];
      if ((c & 0xC0) != 0x80) {
        r.valid = false;
        r.bad_index = i;
        return r;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < lead.min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      r.valid = false;
      r.bad_index = i;
      return r;
    }
    i += lead.len;
    ++r.code_points;
  }
  return r;
}

}  // namespace cf
