// Where regions are placed in this process (FORMAT.md §5.3, TOOLCHAIN.md §9), and the bases of
// the graphs the suite saves itself.
//
// Every sanitizer accepts a fixed mmap hint in [k_safe_band, 2^47): below it lie ASan's shadow
// and allocator (EEXIST), MSan's remapping (the hint is silently dropped) and TSan's
// non-application ranges (the process aborts). So every base the suite chooses lies there,
// and a graph saved at one of them takes the fast path under every sanitizer.
#pragma once

#include <cstdint>

namespace cf::placement {

/// The lowest address of the band every sanitizer maps hints in (TSan's application range).
inline constexpr uint64_t k_safe_band = 0x7e8000000000;
/// The top of the user address space on x86-64 with 4-level page tables.
inline constexpr uint64_t k_user_top = uint64_t{1} << 47;

/// Base of generated graphs: seed corpora, fuzz_roundtrip, property tests.
inline constexpr uint64_t k_generated = 0x7ebd00000000;
/// Base of the dep region a generated chain points into.
inline constexpr uint64_t k_generated_dep = 0x7ebc00000000;
/// Base of a graph document (G.json) that records none, when `regiontool check` saves it.
inline constexpr uint64_t k_graph_document = 0x7e9c00000000;
/// Base of test or benchmark graph number `slot` (0..255), 4 GiB apart, all in the band.
constexpr uint64_t test_base(unsigned slot) { return 0x7ec000000000 + (uint64_t{slot % 256} << 32); }

static_assert(k_generated >= k_safe_band && k_generated_dep >= k_safe_band && k_graph_document >= k_safe_band);
static_assert(test_base(255) + (uint64_t{1} << 32) <= k_user_top);

}  // namespace cf::placement
