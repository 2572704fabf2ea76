// The one place that records a failure (STYLE.md 6). Every rejection in core is built by
// fail(); with -DCOMPACTFUZZ_TRAP_ON_FIRST_FAILURE=1 it traps, so a debugger stops on the
// failing predicate instead of somewhere up the call chain.
#pragma once

#include <cstdint>

#include "core/error.h"

namespace cf {

/// Builds a LoadError for `code` at file offset `offset`, message printf-formatted.
[[nodiscard]] LoadError fail(ErrorCode code, uint64_t offset, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace cf
