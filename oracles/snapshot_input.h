// The input container of fuzz_snapshot (docs/fuzzing.md): a snapshot, its sidecar and the
// module files the sidecar names, in one fuzz input.
//
//   byte 0   bits 0-1: workers - 1 for the path differential's pair of loads (1-4 workers);
//            bits 2-7: kept, unused
//   byte 1   R, the number of module files, mod 33 (0-32)
//   u32 little-endian length L, then L bytes: the sidecar's JSON text, in which `@K` (K in
//            decimal, K < R) names module file K
//   R times: u32 little-endian length, then that many bytes: module file K
//   the rest: the snapshot file.
//
// Every byte string decodes (lengths that overrun the input are clamped), so the engine's own
// byte mutations stay meaningful; encode(decode(x)) == x for every x decode consumed exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cf::oracles {

inline constexpr size_t k_max_snapshot_files = 32;

struct SnapshotInput {
  uint8_t flags = 0;
  std::string sidecar;
  std::vector<std::vector<uint8_t>> files;  ///< the module files, `@0`, `@1`, ...
  std::vector<uint8_t> snapshot;
  unsigned workers() const { return 1u + (flags & 3u); }
};

SnapshotInput decode_snapshot_input(std::span<const uint8_t> input);
std::vector<uint8_t> encode_snapshot_input(const SnapshotInput& in);

/// The sidecar's text with every `@K` that names a file (K < paths.size(), the longest run of
/// digits) replaced by paths[K]; everything else, other `@`s included, kept as it is.
std::string resolve_file_refs(std::string_view sidecar, const std::vector<std::string>& paths);

}  // namespace cf::oracles
