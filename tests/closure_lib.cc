// cf_closure_lib: a small shared library whose functions compacted closures point at, for the
// cross-process closure test (tests/closure_test.cc). Every function takes and returns boxed
// scalars (FORMAT.md §1.1), as a Lean closure's code does.
#include <cstdint>

namespace {

constexpr uint64_t box(uint64_t n) { return (n << 1) | 1; }
constexpr uint64_t unbox(uint64_t w) { return w >> 1; }

}  // namespace

extern "C" {

uint64_t cf_closure_add(uint64_t a, uint64_t b) { return box(unbox(a) + unbox(b)); }
uint64_t cf_closure_mul(uint64_t a, uint64_t b) { return box(unbox(a) * unbox(b)); }
uint64_t cf_closure_sub3(uint64_t a, uint64_t b, uint64_t c) { return box(unbox(a) - unbox(b) - unbox(c)); }

}  // extern "C"
