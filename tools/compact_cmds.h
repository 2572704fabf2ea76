// `regiontool compact` (graph model -> region file or save chain) and `regiontool roundtrip`
// (load, re-compact, compare byte for byte: DESIGN.md's real-file reproduction oracle).
// The per-group functions are what the tests call, so the CLI and the tests run one code path.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/region.h"
#include "oracles/reproduction.h"
#include "tools/exit_codes.h"

namespace cf::tool {

struct CompactCmdOptions {
  std::string input;   ///< G.json
  std::string output;  ///< part 0's file; later parts get .server, .private, .part<k>
  std::optional<std::string> key;        ///< --key: base = base_addr_for_key(key)
  std::optional<uint64_t> base;          ///< --base: explicit
  Strategy strategy = Strategy::worklist;
  std::optional<Format> format;          ///< --format 2|3
  std::vector<std::string> dep_files;    ///< --dep: loaded as one chain, dep k = file k
  LoadOptions load;                      ///< how the dep files are loaded
};

/// File name of part k: OUT, OUT.server, OUT.private, OUT.part<k> (FORMAT.md §4.10's chain).
std::string part_file_name(const std::string& output, size_t k);

/// What compacting a graph document into files gave.
struct CompactOutcome {
  int exit_code = exit_ok;          ///< 0 written, 1 the compactor rejected the graph, 2 usage/I/O/JSON
  std::vector<std::string> files;   ///< the parts written, in order (none unless every part was)
  std::vector<uint64_t> sizes, bases;
  Format format = Format::v2;
  Strategy strategy = Strategy::worklist;
  std::optional<LoadError> error;   ///< exit 1: the rejection (class, offset)
  std::string message;              ///< exit 2: why
};
/// Builds `o.input`'s graph and writes one file per part: `regiontool compact` and `serve`.
CompactOutcome compact_graph_file(const CompactCmdOptions& o);
/// Exit 0 written, 1 compaction rejected (error class + message on `err`), 2 usage/I/O/JSON.
int run_compact(const CompactCmdOptions& o, std::ostream& out, std::ostream& err);

struct RoundtripOptions {
  std::vector<Strategy> strategies{Strategy::worklist, Strategy::recursive};
  oracles::OrderChoice order = oracles::OrderChoice::automatic;  ///< FORMAT.md §9.3
  LoadOptions load;
};

/// The comparison of one output part with its input file.
struct PartReport {
  std::string file;
  uint64_t input_size = 0;
  uint64_t output_size = 0;
  std::optional<uint64_t> first_difference;  ///< file offset; none when identical
  std::optional<ObjectRecord> object;        ///< the input object containing that offset
  std::string where;                         ///< "header", "root slot", "past the input's end", or empty
  bool identical() const { return !first_difference; }
};

/// One strategy (and the child order that was tried last) over one file or chain.
struct StrategyReport {
  Strategy strategy = Strategy::worklist;
  ChildOrder order = ChildOrder::ascending;
  std::optional<LoadError> compact_error;  ///< the compactor rejected the loaded graph
  std::vector<PartReport> parts;
  bool identical() const;
};

/// One roundtrip unit: a single file, or a chain (--chain).
struct GroupReport {
  std::vector<std::string> files;
  std::optional<LoadError> load_error;  ///< loading or reading the input failed
  std::vector<StrategyReport> results;  ///< one per requested strategy
  int exit_code() const;                ///< 0 identical, 1 differs, 2 load/I/O
};

/// Loads `files` (one file, or one chain) and re-compacts it with each requested strategy.
GroupReport roundtrip_group(const std::vector<std::string>& files, const RoundtripOptions& o);

/// Prints one line per file and strategy; details of a difference go to `out` as well.
void print_roundtrip(std::ostream& out, std::ostream& err, const GroupReport& r);

/// The command: each file alone, or all files as one chain. Worst exit code wins.
int run_roundtrip(const std::vector<std::string>& files, bool chain, const RoundtripOptions& o, std::ostream& out,
                  std::ostream& err);

}  // namespace cf::tool
