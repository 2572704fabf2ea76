// See fail.h.
#include "core/fail.h"

#include <cstdarg>
#include <cstdio>

namespace cf {

LoadError fail(ErrorCode code, uint64_t offset, const char* fmt, ...) {
#if defined(COMPACTFUZZ_TRAP_ON_FIRST_FAILURE) && COMPACTFUZZ_TRAP_ON_FIRST_FAILURE
  __builtin_trap();
#endif
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  LoadError e;
  e.code = code;
  e.offset = offset;
  e.message = buf;
  return e;
}

}  // namespace cf
