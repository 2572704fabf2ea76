// The main() of every benchmark program (bench/), with the allocator in a steady state.
//
// glibc serves a block of 128 KiB or more with a fresh mmap until a block that large has been
// freed once, and trims the heap's top whenever more than twice that lies free. So whether a
// benchmark's per-iteration buffers (the walker's tables, a compactor's buffer) are fresh pages,
// faulted in 4 KiB at a time, depended on what the harness happened to allocate and free before
// the loop: reading the input one way or another doubled a walk's time. Blocks below 32 MiB now
// stay in the heap and the heap is never trimmed, as in a long-running process that loads many
// files; larger blocks (the 288 MiB synthetic region) are mmap'd as before.
#pragma once

#include <malloc.h>

#include <benchmark/benchmark.h>

namespace cf::testsupport {

inline void steady_malloc() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace cf::testsupport

/// BENCHMARK_MAIN(), with steady_malloc() first.
#define CF_BENCHMARK_MAIN()                                         \
  int main(int argc, char** argv) {                                 \
    cf::testsupport::steady_malloc();                               \
    benchmark::Initialize(&argc, argv);                             \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                            \
    benchmark::Shutdown();                                          \
    return 0;                                                       \
  }
