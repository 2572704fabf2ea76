// The oracles each fuzz target runs on one input, as library calls: the harness entry points
// (harness/fuzz_<name>.cc) are these plus an abort on a finding, and a regression test, the
// replay driver or `reproduce`'s draft test calls the very same function, so a crash input
// is judged identically wherever it is replayed. docs/fuzzing.md describes each input format.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "oracles/verdict.h"

namespace cf::oracles {

/// fuzz_load: one region file; the last byte's bit 0 selects lenient validation (Tier C off).
/// Path differential (automatic vs slow), validate-then-walk, work bound.
std::vector<Verdict> check_load_input(std::span<const uint8_t> input);
/// fuzz_chain: a chain container (chain_input.h) of 1-4 regions, each loaded with the regions
/// before it as deps. Path differential, dep order (3+ regions), validate-then-walk, work bound.
std::vector<Verdict> check_chain_input(std::span<const uint8_t> input);
/// fuzz_inspect: one region file through `regiontool inspect`'s structural walk, canonical and
/// lenient. Lenient superset, work bound.
std::vector<Verdict> check_inspect_input(std::span<const uint8_t> input);
/// fuzz_roundtrip: generator knobs and seed (roundtrip_input.h). Strategy differential, round
/// trip, idempotence.
std::vector<Verdict> check_roundtrip_input(std::span<const uint8_t> input);
/// fuzz_io: a fault schedule (bytes 0-1) and a region file (the rest), loaded from an
/// anonymous memory file through the faulting I/O layer. I/O schedule.
std::vector<Verdict> check_io_input(std::span<const uint8_t> input);

/// fuzz_snapshot: a snapshot container (snapshot_input.h): its module files and the snapshot in
/// anonymous memory files, the sidecar's `@K`s resolved to them. Every snapshot oracle
/// (check_snapshot_with_sidecar): path differential and validate-then-walk of the snapshot read,
/// worker determinism, overlap hazard, snapshot round trip.
std::vector<Verdict> check_snapshot_input(std::span<const uint8_t> input);

/// The targets above by name ("fuzz_load", ...): their checks on one input; empty for an
/// unknown target.
std::vector<Verdict> check_target_input(std::string_view target, std::span<const uint8_t> input);
/// The names check_target_input knows, in the order the fuzz targets are built.
std::vector<std::string_view> target_names();

}  // namespace cf::oracles
